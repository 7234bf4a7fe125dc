"""Clustering of representation vectors: K-Means, agglomerative (Ward) and DBSCAN.

The number of clusters is the number of genres, a fixed number, or chosen by silhouette over
a range (the first study's task 1). DBSCAN's noise points keep the label -1: they are counted
and reported, never silently treated as one more cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import silhouette_score

from musiclust.representations.baseline import standardize

NOISE = -1
ALGORITHMS = ("kmeans", "agglomerative", "dbscan")


@dataclass
class ClusterResult:
    labels: np.ndarray
    k: int | None  # the number of clusters asked for (None for DBSCAN)
    k_scores: dict[int, float] = field(default_factory=dict)  # silhouette per k when chosen by "auto"


def clustering_space(vectors: np.ndarray, standardize_vectors: bool) -> np.ndarray:
    """The space clustering and its internal metrics work in (z-scored when asked)."""
    vectors = vectors.astype(np.float64)
    return standardize(vectors) if standardize_vectors else vectors


def _fixed_k(algorithm: str, vectors: np.ndarray, k: int, params: dict, seed: int) -> np.ndarray:
    if algorithm == "kmeans":
        model = KMeans(n_clusters=k, n_init=params.get("n_init", 10), random_state=seed)
    else:
        model = AgglomerativeClustering(n_clusters=k, linkage=params.get("linkage", "ward"))
    return model.fit_predict(vectors)


def _resolve_k(choice, n_genres: int | None) -> int | None:
    if choice == "n_genres":
        if not n_genres or n_genres < 2:
            raise ValueError("k: n_genres needs labelled tracks of at least two genres; set k to a number or auto")
        return n_genres
    return None if choice == "auto" else int(choice)


def cluster_vectors(
    vectors: np.ndarray, algorithm: str, params: dict, *, seed: int, n_genres: int | None = None
) -> ClusterResult:
    """Cluster ``vectors`` with ``algorithm`` and its ``params`` (the config's entry)."""
    n_samples = vectors.shape[0]
    if algorithm == "dbscan":
        labels = DBSCAN(eps=params.get("eps", 1.5), min_samples=params.get("min_samples", 5)).fit_predict(vectors)
        return ClusterResult(labels, None)
    if algorithm not in ALGORITHMS:
        raise ValueError(f"unknown clustering algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    k = _resolve_k(params.get("k", "n_genres"), n_genres)
    if k is not None:
        if k >= n_samples:
            raise ValueError(f"{algorithm}: k={k} needs more than {n_samples} tracks")
        return ClusterResult(_fixed_k(algorithm, vectors, k, params, seed), k)
    low, high = params.get("k_range", [2, 10])
    scores: dict[int, float] = {}
    best_labels, best_k = None, None
    for candidate in range(low, min(high, n_samples - 1) + 1):
        labels = _fixed_k(algorithm, vectors, candidate, params, seed)
        if len(np.unique(labels)) < 2:
            continue
        scores[candidate] = float(silhouette_score(vectors, labels))
        if best_k is None or scores[candidate] > scores[best_k]:
            best_labels, best_k = labels, candidate
    if best_k is None:
        raise ValueError(f"{algorithm}: no k in {low}..{high} gives two clusters on {n_samples} tracks")
    return ClusterResult(best_labels, best_k, scores)
