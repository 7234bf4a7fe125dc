"""Posterior collapse: which latent dimensions a trained model actually uses.

A latent dimension is *active* when it carries information about the input, seen two ways:

* its mean KL to the prior over the tracks is clearly above what the loss gives for free. With
  free bits (``free_bits`` nats per dimension, ``losses.vae_loss``) a dimension's KL below the
  floor gets no gradient, so an unused dimension settles *at* the floor (0.09–0.11 nats under
  a 0.1 floor), never at 0: the cut-off is then ``free_bits × (1 + floor_margin)``. Without
  free bits a collapsed dimension has q(z_j|x) = p(z_j) for every track, KL ≈ 0, and the
  cut-off is ``kl_threshold``. (The cut-off is never below ``kl_threshold``.)
* the variance of its encoder means over the tracks exceeds ``variance_threshold`` (Burda et
  al. 2016's activity, Cov_x(E_q[z_j])).

``active`` counts dimensions that pass both (deterministic models have no KL: variance only).
``at_floor`` counts the dimensions the free-bits floor holds up: KL above ``kl_threshold`` but
not above the cut-off. ``active_above_kl_threshold`` is the count that ignores the floor (the
count musiclust reported before: it took every floor-pinned dimension for an active one).

Why ``floor_margin = 0.5`` (a relative margin): a pinned dimension's KL wanders around the
floor by the batch-to-batch spread of its batch-mean KL, which grows with the floor itself; on
real FMA MFCC statistics and on data with two true factors the pinned dimensions sat at
0.09–0.11 nats under a 0.1 floor (none above 0.15 at β 4 and 10), the used ones at 0.24 and
0.53. 1.5 × the floor leaves room on both sides.

A model with fewer than ``min_active`` active dimensions is reported as collapsed: its latents
are the prior plus noise, and clustering them measures nothing about the music, however good
their silhouette looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from musiclust.defaults import defaults

# The config's `analysis:` defaults (schemas/config.schema.yaml), the one place they are written.
_ANALYSIS = defaults("analysis")
KL_THRESHOLD = _ANALYSIS["kl_threshold"]
VARIANCE_THRESHOLD = _ANALYSIS["variance_threshold"]
FLOOR_MARGIN = _ANALYSIS["floor_margin"]
MIN_ACTIVE = _ANALYSIS["min_active_dims"]

REMEDIES = ("reconstruction: sum (the default; 'mean' multiplies β by the input size)", "a lower beta",
            "kl_warmup_epochs (e.g. 10)", "more epochs")


def kl_cutoff(free_bits: float = 0.0, kl_threshold: float = KL_THRESHOLD, floor_margin: float = FLOOR_MARGIN) -> float:
    """The KL (nats) a dimension must exceed to count as active, for a model trained with
    ``free_bits`` nats per dimension: ``max(kl_threshold, free_bits × (1 + floor_margin))``."""
    if free_bits < 0 or floor_margin < 0 or kl_threshold < 0:
        raise ValueError(f"free_bits, floor_margin and kl_threshold must be >= 0, got {free_bits!r}, "
                         f"{floor_margin!r}, {kl_threshold!r}")
    return max(kl_threshold, free_bits * (1.0 + floor_margin)) if free_bits > 0 else kl_threshold


@dataclass(frozen=True)
class ActiveDimensions:
    """Activity of each latent dimension of one trained model (``free_bits``: the floor it was
    trained with, from its own training settings)."""

    latent_dim: int
    kl_per_dim: np.ndarray | None
    variance_per_dim: np.ndarray
    kl_threshold: float = KL_THRESHOLD
    variance_threshold: float = VARIANCE_THRESHOLD
    free_bits: float = 0.0
    floor_margin: float = FLOOR_MARGIN

    @property
    def kl_cutoff(self) -> float:
        return kl_cutoff(self.free_bits, self.kl_threshold, self.floor_margin)

    @property
    def active_kl(self) -> int | None:
        """Dimensions whose KL is above the cut-off (the floor-aware count)."""
        return None if self.kl_per_dim is None else int((self.kl_per_dim > self.kl_cutoff).sum())

    @property
    def active_variance(self) -> int:
        return int((self.variance_per_dim > self.variance_threshold).sum())

    def _active(self, cutoff: float) -> int:
        by_variance = self.variance_per_dim > self.variance_threshold
        if self.kl_per_dim is None:
            return int(by_variance.sum())
        return int((by_variance & (self.kl_per_dim > cutoff)).sum())

    @property
    def active(self) -> int:
        """Dimensions clearly above the free-bits floor whose means vary: the honest count."""
        return self._active(self.kl_cutoff)

    @property
    def active_above_kl_threshold(self) -> int:
        """The count that ignores the floor (KL > ``kl_threshold``, means vary)."""
        return self._active(self.kl_threshold)

    @property
    def at_floor(self) -> int | None:
        """Dimensions the free-bits floor holds up: KL above ``kl_threshold``, not above the cut-off."""
        if self.kl_per_dim is None:
            return None
        return int(((self.kl_per_dim > self.kl_threshold) & (self.kl_per_dim <= self.kl_cutoff)).sum())

    def collapsed(self, min_active: int = MIN_ACTIVE) -> bool:
        return self.active < min(min_active, self.latent_dim)

    def as_info(self, min_active: int = MIN_ACTIVE) -> dict[str, Any]:
        """Flat, JSON-friendly facts for latents and history metadata."""
        return {
            "latent_dim": self.latent_dim,
            "active_dims": self.active,
            "active_dims_above_kl_threshold": self.active_above_kl_threshold,
            "dims_at_floor": self.at_floor,
            "active_dims_kl": self.active_kl,
            "active_dims_variance": self.active_variance,
            "collapsed": self.collapsed(min_active),
            "min_active_dims": min_active,
            "kl_threshold": self.kl_threshold,
            "variance_threshold": self.variance_threshold,
            "free_bits": self.free_bits,
            "floor_margin": self.floor_margin,
            "kl_cutoff": self.kl_cutoff,
            "kl_total": None if self.kl_per_dim is None else float(self.kl_per_dim.sum()),
        }


def kl_per_dimension(mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Mean KL(q(z_j|x) ‖ N(0, 1)) over the rows, per dimension ``(d,)``, in nats."""
    mu, logvar = np.asarray(mu, dtype=np.float64), np.asarray(logvar, dtype=np.float64)
    return (-0.5 * (1.0 + logvar - mu**2 - np.exp(logvar))).mean(axis=0)


def active_dimensions(mu: np.ndarray, logvar: np.ndarray | None = None, *, kl_threshold: float = KL_THRESHOLD,
                      variance_threshold: float = VARIANCE_THRESHOLD, free_bits: float = 0.0,
                      floor_margin: float = FLOOR_MARGIN) -> ActiveDimensions:
    """Activity of the latents ``mu`` ``(n, d)`` (and ``logvar`` for variational models) of a
    model trained with ``free_bits`` nats per dimension (0: none)."""
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"mu must be (n_samples >= 2, latent_dim), got shape {mu.shape}")
    kl_cutoff(free_bits, kl_threshold, floor_margin)  # checks the settings
    kl = None if logvar is None else kl_per_dimension(mu, logvar)
    return ActiveDimensions(mu.shape[1], kl, mu.var(axis=0), kl_threshold, variance_threshold, float(free_bits),
                            float(floor_margin))


def collapse_message(name: str, dims: ActiveDimensions, min_active: int = MIN_ACTIVE) -> str:
    """The warning for a collapsed model: what was measured and the usual remedies."""
    kl = "" if dims.kl_per_dim is None else f", total KL {dims.kl_per_dim.sum():.3g} nats"
    floor = (f"; {dims.at_floor} more pinned at the free-bits floor of {dims.free_bits:g} nats"
             if dims.at_floor else "")
    return (f"{name}: posterior collapse: {dims.active} of {dims.latent_dim} latent dimensions active "
            f"(fewer than {min_active}; KL > {dims.kl_cutoff:.3g} nats and variance of the means > "
            f"{dims.variance_threshold}){floor}{kl}. Its clusters say nothing about the music. Usual remedies: "
            + "; ".join(REMEDIES) + ".")
