"""Effective dimensionality of any representation's vectors (baselines, text, hybrids, learned).

How many directions a set of vectors ``(n, d)`` really spreads in, from the eigenvalues λ of
their covariance:

* the **participation ratio** ``(Σλ)² / Σλ²``: d for variance spread evenly over d directions,
  1 when one direction holds it all (a model whose latents lie on a line, whatever its
  latent_dim and its active-dimension count);
* the number of principal directions that hold ``VARIANCE_SHARE`` (90 %) of the variance.

A representation whose participation ratio is below ``min_effective_dims`` is *degenerate*:
its tracks differ along (about) one direction only, so clustering it orders them on a line.

Above ``max_rows`` rows the spectrum is that of a seeded sample of rows (its Gram matrix, so
the cost is bounded for wide vectors such as raw spectrograms too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from musiclust.defaults import defaults

VARIANCE_SHARE = 0.9
MIN_EFFECTIVE_DIMS = defaults("analysis")["min_effective_dims"]  # the config's default (the schema)
MAX_ROWS = 2000


def covariance_spectrum(vectors: np.ndarray, *, max_rows: int = MAX_ROWS, seed: int = 0) -> np.ndarray:
    """Eigenvalues of the covariance of ``vectors`` ``(n, d)``, largest first, the non-zero ones
    at most (``min(n - 1, d)``). Rows with a non-finite value are left out."""
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"vectors must be (n_samples, n_dims), got shape {vectors.shape}")
    vectors = vectors[np.isfinite(vectors).all(axis=1)]
    if len(vectors) > max_rows:
        rows = np.sort(np.random.default_rng(seed).choice(len(vectors), max_rows, replace=False))
        vectors = vectors[rows]
    n, d = vectors.shape
    if n < 2 or d == 0:
        return np.zeros(0)
    centred = vectors - vectors.mean(axis=0)
    # The covariance and the Gram matrix share their non-zero eigenvalues: take the smaller.
    gram = centred.T @ centred if d <= n else centred @ centred.T
    eigenvalues = np.linalg.eigvalsh(gram / (n - 1))[::-1]
    return np.clip(eigenvalues[: min(n - 1, d)], 0.0, None)


def participation_ratio(eigenvalues: np.ndarray) -> float:
    """``(Σλ)² / Σλ²`` of a spectrum; 0 when it holds no variance at all."""
    eigenvalues = np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None)
    squares = float((eigenvalues**2).sum())
    return 0.0 if squares == 0.0 else float(eigenvalues.sum()) ** 2 / squares


def directions_for_share(eigenvalues: np.ndarray, share: float = VARIANCE_SHARE) -> int:
    """The fewest principal directions (largest first) that hold ``share`` of the variance."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    eigenvalues = np.sort(np.clip(np.asarray(eigenvalues, dtype=np.float64), 0.0, None))[::-1]
    total = eigenvalues.sum()
    if total == 0:
        return 0
    # A small tolerance, so that a share reached exactly is not missed by rounding.
    return int(np.searchsorted(np.cumsum(eigenvalues) / total, share - 1e-12) + 1)


@dataclass(frozen=True)
class EffectiveDimensionality:
    """The spectrum of one representation's vectors and what it says."""

    n_dims: int
    eigenvalues: np.ndarray
    variance_share: float = VARIANCE_SHARE

    @property
    def participation_ratio(self) -> float:
        return participation_ratio(self.eigenvalues)

    @property
    def directions_for_share(self) -> int:
        return directions_for_share(self.eigenvalues, self.variance_share)

    def degenerate(self, min_effective_dims: float = MIN_EFFECTIVE_DIMS) -> bool:
        """Fewer effective dimensions (participation ratio) than ``min_effective_dims``."""
        return self.participation_ratio < min_effective_dims

    def as_info(self, min_effective_dims: float = MIN_EFFECTIVE_DIMS) -> dict[str, Any]:
        """Flat, JSON-friendly facts for latents metadata (``effective_dims`` and friends)."""
        return {
            "effective_dims": round(self.participation_ratio, 4),
            "dims_90pct_variance": self.directions_for_share,
            "degenerate": self.degenerate(min_effective_dims),
            "min_effective_dims": min_effective_dims,
        }


def effective_dimensionality(vectors: np.ndarray, *, variance_share: float = VARIANCE_SHARE,
                             max_rows: int = MAX_ROWS, seed: int = 0) -> EffectiveDimensionality:
    """Participation ratio and directions holding ``variance_share`` of ``vectors`` ``(n, d)``."""
    vectors = np.asarray(vectors)
    spectrum = covariance_spectrum(vectors, max_rows=max_rows, seed=seed)
    return EffectiveDimensionality(int(vectors.shape[1]), spectrum, variance_share)


def geometry_info(vectors: np.ndarray, min_effective_dims: float = MIN_EFFECTIVE_DIMS) -> dict[str, Any]:
    """What every latents table's metadata carries about its vectors' geometry:
    ``effective_dims`` (participation ratio), ``dims_90pct_variance``, ``degenerate``,
    ``min_effective_dims``."""
    return effective_dimensionality(vectors).as_info(min_effective_dims)
