"""The non-learned representations: raw (standardised) features and PCA of them.

PCA of flattened log-mels is the first study's baseline (32 components); PCA and raw MFCC
statistics are the second study's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from sklearn.decomposition import PCA
from sklearn.preprocessing import StandardScaler

log = logging.getLogger("musiclust.representations")


@dataclass
class Representation:
    """Vectors for clustering, one row a track, and facts worth keeping beside them."""

    vectors: np.ndarray
    info: dict


def flatten(features: np.ndarray) -> np.ndarray:
    return features.reshape(features.shape[0], -1).astype(np.float32, copy=False)


def standardize(vectors: np.ndarray) -> np.ndarray:
    """Zero mean, unit variance per dimension; constant dimensions stay zero."""
    if vectors.shape[0] == 0:
        return vectors
    return StandardScaler().fit_transform(vectors).astype(np.float32)


def raw_representation(features: np.ndarray, *, standardize_input: bool = True) -> Representation:
    vectors = flatten(features)
    if standardize_input:
        vectors = standardize(vectors)
    return Representation(vectors, {"family": "raw", "dims": int(vectors.shape[1])})


def pca_representation(
    features: np.ndarray, n_components: int, seed: int, *, standardize_input: bool = True
) -> Representation:
    """PCA to ``n_components`` (fewer if there are fewer tracks or dimensions, with a warning)."""
    vectors = flatten(features)
    if standardize_input:
        vectors = standardize(vectors)
    n_samples, n_dims = vectors.shape
    usable = min(n_components, n_samples, n_dims)
    if usable < n_components:
        log.warning("PCA: %d components asked, %d tracks × %d dims allow %d", n_components, n_samples, n_dims, usable)
    if usable < 1:
        raise ValueError(f"PCA needs at least one track and one dimension, got {vectors.shape}")
    pca = PCA(n_components=usable, random_state=seed)
    projected = pca.fit_transform(vectors).astype(np.float32)
    info = {
        "family": "pca",
        "n_components": usable,
        "explained_variance_ratio": [float(v) for v in pca.explained_variance_ratio_],
        "explained_variance_total": float(pca.explained_variance_ratio_.sum()),
    }
    return Representation(projected, info)
