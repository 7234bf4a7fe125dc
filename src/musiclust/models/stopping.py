"""When training stops, and which epoch's weights are kept.

Fixed epochs (the default, and what a preset reproducing a study runs): every epoch of
``TrainConfig.epochs`` is trained and the last epoch's weights give the latents.

Early stopping (``TrainConfig.early_stopping``): ``epochs`` is the maximum; training stops
once the held-out negative ELBO (``heldout_neg_elbo``, the yardstick a user without labels
has; it needs ``holdout_fraction > 0``) has not improved on its best for ``patience`` epochs,
and the best epoch's weights give the latents. It never stops

* before ``patience`` epochs past a KL warm-up: while β ramps up, the ELBO of the epochs to
  come is not yet the one trained for;
* before ``min_epochs`` epochs of the judged phase (the trainer derives them from
  ``TrainConfig.min_steps``): on a small dataset an epoch is one or two optimiser steps, and the
  held-out ELBO of a VAE gets worse for its first tens of steps (the encoder leaves the prior
  before the decoder uses it), so a patience in epochs alone would keep the weights of epoch 1;
* on an epoch before ``judged_from``: a model with a phase that is not the one trained for
  (VaDE's autoencoder pre-training, whose held-out score has no KL) is judged from the first
  epoch of its own phase, and only those epochs can be the best.

The decision is a pure function of the per-epoch history, so a resumed run decides exactly as an
uninterrupted one.
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


def best_epoch(heldout_neg_elbo: Sequence[float], judged_from: int = 1) -> int:
    """The 1-based epoch, from ``judged_from`` on, of the lowest held-out negative ELBO (the first,
    on ties; 0 if none is finite)."""
    best, best_value = 0, math.inf
    for epoch, value in enumerate(heldout_neg_elbo, start=1):
        if epoch >= judged_from and value is not None and math.isfinite(value) and value < best_value:
            best, best_value = epoch, value
    return best


def stopping_state(heldout_neg_elbo: Sequence[float], max_epochs: int, *, early_stopping: bool,
                   patience: int, warmup_epochs: int = 0, min_epochs: int = 0, judged_from: int = 1) -> Stopping:
    """The state after ``len(heldout_neg_elbo)`` epochs of a run of at most ``max_epochs``.

    ``heldout_neg_elbo``: one value per epoch trained (NaN/None where there is no held-out share).
    ``min_epochs``: epochs of the judged phase (from ``judged_from`` on) trained before it may stop.
    """
    done = len(heldout_neg_elbo)
    if not early_stopping:
        over = done >= max_epochs
        return Stopping(done, FIXED_EPOCHS if over else None,
                        f"fixed epochs: {done} of {max_epochs}" + ("" if over else " so far"))
    best = best_epoch(heldout_neg_elbo, judged_from)
    value = f"{heldout_neg_elbo[best - 1]:.2f} nats" if best else "none finite"
    since = done - best
    earliest = max(warmup_epochs + patience, judged_from - 1 + min_epochs)
    if best and since >= patience and done >= earliest:
        return Stopping(best, PATIENCE, f"early stopping after epoch {done}: the held-out negative ELBO did not "
                                        f"improve for {since} epochs (patience {patience}); best epoch {best} ({value})")
    if done >= max_epochs:
        why = (f"before the earliest epoch it may stop at ({earliest})" if done < earliest else
               f"while the held-out negative ELBO still improved within patience {patience}")
        return Stopping(best, MAX_EPOCHS, f"the maximum of {max_epochs} epochs reached {why}; best epoch {best} ({value})")
    return Stopping(best, None, f"epoch {done} of at most {max_epochs}; best so far epoch {best} ({value})")


def min_epochs_for(min_steps: int, steps_per_epoch: int) -> int:
    """Epochs that take at least ``min_steps`` optimiser steps at ``steps_per_epoch``."""
    return math.ceil(min_steps / max(1, steps_per_epoch))
