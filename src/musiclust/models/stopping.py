"""When training stops, and which epoch's weights are kept.

Fixed epochs (the default, and what a preset reproducing a study runs): every epoch of
``TrainConfig.epochs`` is trained and the last epoch's weights give the latents.

Early stopping (``TrainConfig.early_stopping``): ``epochs`` is the maximum; training stops
once the held-out negative ELBO (``heldout_neg_elbo``, the yardstick a user without labels
has; it needs ``holdout_fraction > 0``) has not improved on its best for ``patience`` epochs,
and the best epoch's weights give the latents. It never stops before ``patience`` epochs past
a KL warm-up: while β ramps up, the ELBO of the epochs to come is not yet the one trained for. The decision is a pure function of the
per-epoch history, so a resumed run decides exactly as an uninterrupted one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# Why training stopped (``Stopping.stopped_by``).
FIXED_EPOCHS = "fixed_epochs"
PATIENCE = "patience"
MAX_EPOCHS = "max_epochs"


@dataclass(frozen=True)
class Stopping:
    """Where a run stands after its last epoch.

    ``best_epoch``: the epoch whose weights give the latents (1-based; 0 before any epoch).
    ``stopped_by``: ``fixed_epochs``, ``patience`` or ``max_epochs`` once training is over,
    else None. ``reason``: the same in words, for logs and the history's metadata.
    """

    best_epoch: int
    stopped_by: str | None
    reason: str

    @property
    def finished(self) -> bool:
        return self.stopped_by is not None

    def as_info(self) -> dict[str, object]:
        return {"best_epoch": self.best_epoch, "stopped_by": self.stopped_by, "stop_reason": self.reason}


def best_epoch(heldout_neg_elbo: Sequence[float]) -> int:
    """The 1-based epoch of the lowest held-out negative ELBO (the first, on ties; 0 if none is finite)."""
    best, best_value = 0, math.inf
    for epoch, value in enumerate(heldout_neg_elbo, start=1):
        if value is not None and math.isfinite(value) and value < best_value:
            best, best_value = epoch, value
    return best


def stopping_state(heldout_neg_elbo: Sequence[float], max_epochs: int, *, early_stopping: bool,
                   patience: int, warmup_epochs: int = 0) -> Stopping:
    """The state after ``len(heldout_neg_elbo)`` epochs of a run of at most ``max_epochs``.

    ``heldout_neg_elbo``: one value per epoch trained (NaN/None where there is no held-out share).
    """
    done = len(heldout_neg_elbo)
    if not early_stopping:
        over = done >= max_epochs
        return Stopping(done, FIXED_EPOCHS if over else None,
                        f"fixed epochs: {done} of {max_epochs}" + ("" if over else " so far"))
    best = best_epoch(heldout_neg_elbo)
    value = f"{heldout_neg_elbo[best - 1]:.2f} nats" if best else "none finite"
    since = done - best
    if done and since >= patience and done >= warmup_epochs + patience:
        return Stopping(best, PATIENCE, f"early stopping after epoch {done}: the held-out negative ELBO did not "
                                        f"improve for {since} epochs (patience {patience}); best epoch {best} ({value})")
    if done >= max_epochs:
        return Stopping(best, MAX_EPOCHS, f"the maximum of {max_epochs} epochs reached while the held-out negative "
                                          f"ELBO still improved within patience {patience}; best epoch {best} ({value})")
    return Stopping(best, None, f"epoch {done} of at most {max_epochs}; best so far epoch {best} ({value})")
