"""Latent-space disentanglement statistics of one trained model (second study, hard task).

* ``mean_abs_correlation``: mean |Pearson r| over all pairs ``i != j`` of latent dimensions of
  the encoder means (lower = more independent dimensions). Dimensions with (near) zero
  variance have no defined correlation and are left out of the pairs; with fewer than two
  varying dimensions the value is NaN.
* ``variance_per_dim``: variance of each mean dimension over the data set.
* ``active_dims_kl``: dimensions whose mean KL to the prior is above the cut-off of
  ``models.collapse`` (``kl_threshold``, or clearly above the free-bits floor the model trained
  with): the posterior-collapse count. None for deterministic models (no KL).
* ``dims_at_floor``: dimensions the free-bits floor holds up (KL above ``kl_threshold``, not
  above the cut-off); None for deterministic models.
* ``active_dims_variance``: dimensions whose mean varies across inputs, ``Var(mu_j) >
  variance_threshold`` (default 0.01): the definition of Burda et al. (2016).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .collapse import FLOOR_MARGIN, KL_THRESHOLD, VARIANCE_THRESHOLD, ActiveDimensions
_CONSTANT_VARIANCE = 1e-12  # below this a dimension counts as constant for correlations


@dataclass(frozen=True)
class DisentanglementStats:
    """Disentanglement numbers of one latent space; ``as_row`` gives a flat table row."""

    latent_dim: int
    n_samples: int
    mean_abs_correlation: float
    max_abs_correlation: float
    variance_per_dim: np.ndarray
    kl_per_dim: np.ndarray | None
    active_dims_kl: int | None
    active_dims_variance: int
    kl_threshold: float
    variance_threshold: float
    dims_at_floor: int | None = None
    free_bits: float = 0.0

    def as_row(self) -> dict[str, Any]:
        """Scalars plus per-dimension lists (JSON/Parquet friendly)."""
        return {
            "latent_dim": self.latent_dim,
            "n_samples": self.n_samples,
            "mean_abs_correlation": self.mean_abs_correlation,
            "max_abs_correlation": self.max_abs_correlation,
            "mean_variance": float(self.variance_per_dim.mean()),
            "active_dims_kl": self.active_dims_kl,
            "active_dims_variance": self.active_dims_variance,
            "dims_at_floor": self.dims_at_floor,
            "free_bits": self.free_bits,
            "kl_threshold": self.kl_threshold,
            "variance_threshold": self.variance_threshold,
            "variance_per_dim": self.variance_per_dim.tolist(),
            "kl_per_dim": None if self.kl_per_dim is None else self.kl_per_dim.tolist(),
        }


def abs_correlation_matrix(mu: np.ndarray) -> np.ndarray:
    """``|Pearson r|`` between latent dimensions, NaN for pairs involving a constant dimension."""
    mu = np.asarray(mu, dtype=np.float64)
    centred = mu - mu.mean(axis=0)
    std = np.sqrt((centred**2).mean(axis=0))
    varying = std**2 > _CONSTANT_VARIANCE
    scaled = np.where(varying, centred / np.where(varying, std, 1.0), 0.0)
    corr = np.abs(scaled.T @ scaled / len(mu))
    corr[~varying, :] = np.nan
    corr[:, ~varying] = np.nan
    return np.clip(corr, 0.0, 1.0)


def disentanglement(mu: np.ndarray, kl_per_dim: np.ndarray | None = None, *,
                    kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                    free_bits: float = 0.0, floor_margin: float = FLOOR_MARGIN) -> DisentanglementStats:
    """Statistics of latent means ``mu`` ``(n, d)`` and optional per-dimension mean KL ``(d,)``
    of a model trained with ``free_bits`` nats per dimension."""
    mu = np.asarray(mu, dtype=np.float64)
    if mu.ndim != 2 or len(mu) < 2:
        raise ValueError(f"mu must be (n_samples >= 2, latent_dim), got shape {mu.shape}")
    n_samples, latent_dim = mu.shape
    corr = abs_correlation_matrix(mu)
    off_diagonal = corr[~np.eye(latent_dim, dtype=bool)]
    off_diagonal = off_diagonal[~np.isnan(off_diagonal)]
    variance = mu.var(axis=0)
    kl = None
    if kl_per_dim is not None:
        kl = np.asarray(kl_per_dim, dtype=np.float64).reshape(-1)
        if kl.shape != (latent_dim,):
            raise ValueError(f"kl_per_dim has {kl.size} values, expected {latent_dim}")
    activity = ActiveDimensions(latent_dim, kl, variance, kl_threshold, variance_threshold, free_bits, floor_margin)
    return DisentanglementStats(
        latent_dim=latent_dim,
        n_samples=n_samples,
        mean_abs_correlation=float(off_diagonal.mean()) if off_diagonal.size else float("nan"),
        max_abs_correlation=float(off_diagonal.max()) if off_diagonal.size else float("nan"),
        variance_per_dim=variance,
        kl_per_dim=kl,
        active_dims_kl=activity.active_kl,
        active_dims_variance=activity.active_variance,
        kl_threshold=kl_threshold,
        variance_threshold=variance_threshold,
        dims_at_floor=activity.at_floor,
        free_bits=free_bits,
    )
