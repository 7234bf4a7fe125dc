"""Posterior collapse: which latent dimensions a trained model actually uses.

A latent dimension is *active* when it carries information about the input, seen two ways:

* its mean KL to the prior over the tracks exceeds ``kl_threshold`` nats (a collapsed
  dimension has q(z_j|x) = p(z_j) for every track, KL ≈ 0);
* the variance of its encoder means over the tracks exceeds ``variance_threshold`` (Burda et
  al. 2016's activity, Cov_x(E_q[z_j])).

``active`` counts dimensions that pass both (deterministic models have no KL: variance only).
A model with fewer than ``min_active`` active dimensions is reported as collapsed: its latents
are the prior plus noise, and clustering them measures nothing about the music, however good
their silhouette looks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

KL_THRESHOLD = 0.01
VARIANCE_THRESHOLD = 0.01
MIN_ACTIVE = 2

REMEDIES = ("reconstruction: sum (the default; 'mean' multiplies β by the input size)", "a lower beta",
            "kl_warmup_epochs (e.g. 10)", "free_bits (e.g. 0.1 nats per dimension)", "more epochs")


@dataclass(frozen=True)
class ActiveDimensions:
    """Activity of each latent dimension of one trained model."""

    latent_dim: int
    kl_per_dim: np.ndarray | None
    variance_per_dim: np.ndarray
    kl_threshold: float = KL_THRESHOLD
    variance_threshold: float = VARIANCE_THRESHOLD

    @property
    def active_kl(self) -> int | None:
        return None if self.kl_per_dim is None else int((self.kl_per_dim > self.kl_threshold).sum())

    @property
    def active_variance(self) -> int:
        return int((self.variance_per_dim > self.variance_threshold).sum())

    @property
    def active(self) -> int:
        by_variance = self.variance_per_dim > self.variance_threshold
        if self.kl_per_dim is None:
            return int(by_variance.sum())
        return int((by_variance & (self.kl_per_dim > self.kl_threshold)).sum())

    def collapsed(self, min_active: int = MIN_ACTIVE) -> bool:
        return self.active < min(min_active, self.latent_dim)

    def as_info(self, min_active: int = MIN_ACTIVE) -> dict[str, Any]:
        """Flat, JSON-friendly facts for latents and history metadata."""
        return {
            "latent_dim": self.latent_dim,
            "active_dims": self.active,
            "active_dims_kl": self.active_kl,
            "active_dims_variance": self.active_variance,
            "collapsed": self.collapsed(min_active),
            "min_active_dims": min_active,
            "kl_threshold": self.kl_threshold,
            "variance_threshold": self.variance_threshold,
            "kl_total": None if self.kl_per_dim is None else float(self.kl_per_dim.sum()),
        }


def active_dimensions(mu: np.ndarray, logvar: np.ndarray | None = None, *, kl_threshold: float = KL_THRESHOLD,
                      variance_threshold: float = VARIANCE_THRESHOLD) -> ActiveDimensions:
    """Activity of the latents ``mu`` ``(n, d)`` (and ``logvar`` for variational models)."""
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"mu must be (n_samples >= 2, latent_dim), got shape {mu.shape}")
    kl = None
    if logvar is not None:
        logvar = np.asarray(logvar, dtype=np.float64)
        kl = (-0.5 * (1.0 + logvar - mu**2 - np.exp(logvar))).mean(axis=0)
    return ActiveDimensions(mu.shape[1], kl, mu.var(axis=0), kl_threshold, variance_threshold)


def collapse_message(name: str, dims: ActiveDimensions, min_active: int = MIN_ACTIVE) -> str:
    """The warning for a collapsed model: what was measured and the usual remedies."""
    kl = "" if dims.kl_per_dim is None else f", total KL {dims.kl_per_dim.sum():.3g} nats"
    return (f"{name}: posterior collapse: {dims.active} of {dims.latent_dim} latent dimensions active "
            f"(fewer than {min_active}; KL > {dims.kl_threshold} nats and variance of the means > "
            f"{dims.variance_threshold}){kl}. Its clusters say nothing about the music. Usual remedies: "
            + "; ".join(REMEDIES) + ".")
