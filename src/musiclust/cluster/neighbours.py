"""Where each track sits in a clustered latent space: its distance to its cluster's centre and
its nearest tracks. Plain arrays in, plain arrays out; the space is the one the clustering ran
in (``algorithms.clustering_space``), so distances mean what the clusters were built on.
"""

from __future__ import annotations

import numpy as np
from sklearn.neighbors import NearestNeighbors

NOISE = -1  # a density clustering's unclustered tracks


def cluster_centres(space: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Cluster → the mean of its tracks' vectors (noise has no centre)."""
    space, labels = np.asarray(space, dtype=np.float64), np.asarray(labels)
    return {int(c): space[labels == c].mean(axis=0) for c in np.unique(labels) if c != NOISE}


def centre_distances(space: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Euclidean distance of each track to the centre of its cluster; NaN for noise."""
    space, labels = np.asarray(space, dtype=np.float64), np.asarray(labels)
    if len(space) != len(labels):
        raise ValueError(f"{len(space)} vectors but {len(labels)} cluster labels")
    distances = np.full(len(labels), np.nan)
    for cluster, centre in cluster_centres(space, labels).items():
        members = labels == cluster
        distances[members] = np.linalg.norm(space[members] - centre, axis=1)
    return distances


def nearest_neighbours(space: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``(indices, distances)``, each ``(n, min(k, n - 1))``: every track's nearest other tracks,
    nearest first (a track is never its own neighbour; exact duplicates may be each other's)."""
    space = np.asarray(space, dtype=np.float64)
    n = len(space)
    k = min(int(k), n - 1)
    if k <= 0:
        return np.empty((n, 0), dtype=np.int64), np.empty((n, 0))
    distances, indices = NearestNeighbors(n_neighbors=k + 1).fit(space).kneighbors(space)
    # Drop each row's own index (usually first; with duplicates it may sit anywhere in the row).
    keep = indices != np.arange(n)[:, None]
    keep[keep.sum(axis=1) > k, -1] = False  # a row where self was not returned: drop its farthest
    return indices[keep].reshape(n, k), distances[keep].reshape(n, k)
