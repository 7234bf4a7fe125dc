"""Clustering of representation vectors, all from scikit-learn.

* ``kmeans``, ``agglomerative`` (Ward by default) and ``gmm`` (a Gaussian mixture, full
  covariance) take a number of clusters: the number of genres, a fixed number, or ``auto``,
  the best silhouette over ``k_range`` (the first study's task 1).
* ``dbscan`` finds density: ``eps`` is a distance or ``auto``, read off the k-distance curve
  (each point's distance to its ``min_samples``-th nearest neighbour, itself included as
  DBSCAN counts it) at its knee, the point farthest below the chord of the sorted curve.
* ``hdbscan`` needs no distance scale at all (``min_cluster_size``, ``min_samples``).

Memory: agglomerative clustering without constraints holds every pairwise distance
(``n²/2`` doubles: 45 GB for FMA's 106,574 tracks). Above ``max_tracks`` it merges only
neighbours in a ``n_neighbors`` graph (``large: connectivity``, memory ``O(n·n_neighbors)``) or
stops before allocating (``large: stop``). DBSCAN gives scikit-learn's labels from
neighbourhoods searched a chunk at a time (:mod:`musiclust.cluster.dbscan`: memory
``NEIGHBOURHOOD_CHUNK_MB`` plus ``O(n·min_samples)``, where scikit-learn's keeps every pair of
neighbours, n² at worst). HDBSCAN, on the Euclidean metric, is scikit-learn's Prim's tree over
the vectors themselves: ``O(n·min_samples)`` memory (its time grows as n²). Silhouettes above
``SILHOUETTE_SAMPLE`` tracks are computed on a seeded sample of that many.

Noise points keep the label -1: they are counted and reported, never silently dropped (see
``metrics``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.metrics import silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors, kneighbors_graph
from sklearn.preprocessing import StandardScaler

from musiclust.cluster.dbscan import chunked_dbscan, dbscan_mem_mb
from musiclust.defaults import defaults

NOISE = -1
# Silhouettes cost n² distances; above this many tracks they are taken on a seeded sample.
SILHOUETTE_SAMPLE = 10_000
LARGE_AGGLOMERATIVE = ("connectivity", "stop")
K_ALGORITHMS = ("kmeans", "agglomerative", "gmm")
DENSITY_ALGORITHMS = ("dbscan", "hdbscan")
ALGORITHMS = (*K_ALGORITHMS, *DENSITY_ALGORITHMS)
# Each algorithm's settings and defaults: the config's (schemas/config.schema.yaml), the one place
# they are written.
DEFAULTS: dict[str, dict[str, Any]] = {name: defaults("clustering", "algorithms", name) for name in ALGORITHMS}


@dataclass
class ClusterResult:
    labels: np.ndarray
    k: int | None  # the number of clusters asked for (None for the density algorithms)
    k_scores: dict[int, float] = field(default_factory=dict)  # silhouette per k when chosen by "auto"
    eps: float | None = None  # DBSCAN's neighbourhood radius, as given or as chosen


def settings(algorithm: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` over the algorithm's defaults; unknown algorithm or key → ValueError."""
    if algorithm not in DEFAULTS:
        raise ValueError(f"unknown clustering algorithm {algorithm!r} (known: {', '.join(ALGORITHMS)})")
    unknown = sorted(set(params or {}) - set(DEFAULTS[algorithm]))
    if unknown:
        raise ValueError(f"{algorithm}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(DEFAULTS[algorithm])}")
    return {**DEFAULTS[algorithm], **(params or {})}


def clustering_space(vectors: np.ndarray, standardize_vectors: bool) -> np.ndarray:
    """The space clustering and its internal metrics work in (z-scored when asked)."""
    vectors = np.asarray(vectors, dtype=np.float64)
    # Constant dimensions stay 0 (StandardScaler leaves their scale at 1).
    return StandardScaler().fit_transform(vectors) if standardize_vectors and len(vectors) else vectors


def kdistance_eps(vectors: np.ndarray, min_samples: int) -> float:
    """DBSCAN's ``eps`` at the knee of the sorted ``min_samples``-distance curve."""
    n = len(vectors)
    neighbours = min(min_samples, n)
    distances = NearestNeighbors(n_neighbors=neighbours).fit(vectors).kneighbors(vectors)[0][:, -1]
    curve = np.sort(distances)
    span = curve[-1] - curve[0]
    if n < 3 or span <= 0:
        return float(curve[-1]) if curve[-1] > 0 else 1e-12
    x = np.linspace(0.0, 1.0, n)
    y = (curve - curve[0]) / span
    return float(curve[int(np.argmax(x - y))])


def _fit_k(algorithm: str, vectors: np.ndarray, k: int, params: Mapping[str, Any], seed: int) -> np.ndarray:
    if algorithm == "kmeans":
        return KMeans(n_clusters=k, n_init=params["n_init"], random_state=seed).fit_predict(vectors)
    if algorithm == "agglomerative":
        connectivity = agglomerative_connectivity(vectors, params)
        return AgglomerativeClustering(n_clusters=k, linkage=params["linkage"],
                                       connectivity=connectivity).fit_predict(vectors)
    model = GaussianMixture(n_components=k, covariance_type=params["covariance_type"], n_init=params["n_init"],
                            reg_covar=params["reg_covar"], random_state=seed)
    return model.fit(vectors).predict(vectors)


def agglomerative_connectivity(vectors: np.ndarray, params: Mapping[str, Any]):
    """None (all pairs) up to ``max_tracks``; above, the sparse ``n_neighbors`` graph, or a
    ValueError naming the setting when ``large: stop`` (before anything is allocated)."""
    n = len(vectors)
    if n <= params["max_tracks"]:
        return None
    if params["large"] not in LARGE_AGGLOMERATIVE:
        raise ValueError(f"agglomerative: large must be one of {', '.join(LARGE_AGGLOMERATIVE)}, got {params['large']!r}")
    if params["large"] == "stop":
        gib = n * (n - 1) / 2 * 8 / 2**30
        raise ValueError(
            f"agglomerative: {n} tracks are more than max_tracks={params['max_tracks']}; all pairwise distances "
            f"would take {gib:.1f} GiB. Set clustering.algorithms.agglomerative.large: connectivity (neighbours "
            f"only), raise clustering.algorithms.agglomerative.max_tracks, or select fewer tracks")
    return kneighbors_graph(vectors, n_neighbors=min(params["n_neighbors"], n - 1), include_self=False)


def evaluation_mem_mb(n_tracks: int, dims: int, algorithms: Mapping[str, Mapping[str, Any] | None],
                      base_mb: int = 1000) -> int:
    """Memory (MiB) an evaluation of ``n_tracks`` vectors of ``dims`` needs: a few float64 copies
    of the vectors, and the most any one algorithm holds besides (they run one after another):
    all pairwise distances when agglomerative clustering holds them, DBSCAN's chunk of
    neighbourhoods, HDBSCAN's neighbours and tree."""
    extra = [0.0]
    if "agglomerative" in algorithms:
        params = settings("agglomerative", algorithms["agglomerative"])
        if n_tracks <= params["max_tracks"]:
            extra.append(1.5 * n_tracks * (n_tracks - 1) / 2 * 8 / 2**20)  # the condensed matrix, and its sort
        else:
            extra.append(4 * n_tracks * params["n_neighbors"] * 16 / 2**20)  # the neighbour graph
    if "dbscan" in algorithms:
        extra.append(dbscan_mem_mb(n_tracks, settings("dbscan", algorithms["dbscan"])["min_samples"]))
    if "hdbscan" in algorithms:
        params = settings("hdbscan", algorithms["hdbscan"])
        min_samples = params["min_samples"] or params["min_cluster_size"]
        # k-nearest distances and indices, the tree's and the Prim's copies of the vectors, the
        # spanning tree, the linkage and the condensed tree.
        extra.append(n_tracks * (min_samples * 16 + 3 * dims * 8 + 256) / 2**20)
    return int(math.ceil(base_mb + 6 * n_tracks * dims * 8 / 2**20 + max(extra)))


def silhouette(vectors: np.ndarray, labels: np.ndarray, seed: int = 0,
               sample: int | None = None) -> tuple[float, int | None]:
    """Silhouette, on a seeded sample of ``sample`` tracks (default ``SILHOUETTE_SAMPLE``) when
    there are more: ``(score, sample size or None)``."""
    sample = SILHOUETTE_SAMPLE if sample is None else sample
    if len(vectors) <= sample:
        return float(silhouette_score(vectors, labels)), None
    return float(silhouette_score(vectors, labels, sample_size=sample, random_state=seed)), sample


def resolve_k(choice: Any, n_genres: int | None) -> int | None:
    """The number of clusters a ``k`` setting asks for; None means "choose by silhouette"."""
    if choice == "n_genres":
        if not n_genres or n_genres < 2:
            raise ValueError("k: n_genres needs labelled tracks of at least two genres; set k to a number or auto")
        return n_genres
    return None if choice == "auto" else int(choice)


def _by_k(algorithm: str, vectors: np.ndarray, params: Mapping[str, Any], seed: int, n_genres: int | None) -> ClusterResult:
    n_samples = len(vectors)
    k = resolve_k(params["k"], n_genres)
    if k is not None:
        if k >= n_samples:
            raise ValueError(f"{algorithm}: k={k} needs more than {n_samples} tracks")
        return ClusterResult(_fit_k(algorithm, vectors, k, params, seed), k)
    low, high = params["k_range"]
    scores: dict[int, float] = {}
    best_labels, best_k = None, None
    for candidate in range(low, min(high, n_samples - 1) + 1):
        labels = _fit_k(algorithm, vectors, candidate, params, seed)
        if len(np.unique(labels)) < 2:
            continue
        scores[candidate] = silhouette(vectors, labels, seed)[0]
        if best_k is None or scores[candidate] > scores[best_k]:
            best_labels, best_k = labels, candidate
    if best_k is None:
        raise ValueError(f"{algorithm}: no k in {low}..{high} gives two clusters on {n_samples} tracks")
    return ClusterResult(best_labels, best_k, scores)


def _dbscan(vectors: np.ndarray, params: Mapping[str, Any]) -> ClusterResult:
    eps = kdistance_eps(vectors, params["min_samples"]) if params["eps"] == "auto" else float(params["eps"])
    return ClusterResult(chunked_dbscan(vectors, eps, params["min_samples"]), None, eps=eps)


def _hdbscan(vectors: np.ndarray, params: Mapping[str, Any]) -> ClusterResult:
    model = HDBSCAN(min_cluster_size=params["min_cluster_size"], min_samples=params["min_samples"], copy=True)
    return ClusterResult(model.fit_predict(vectors), None)


_DENSITY: dict[str, Callable[[np.ndarray, Mapping[str, Any]], ClusterResult]] = {"dbscan": _dbscan, "hdbscan": _hdbscan}


def cluster_vectors(vectors: np.ndarray, algorithm: str, params: Mapping[str, Any] | None = None, *, seed: int = 0,
                    n_genres: int | None = None) -> ClusterResult:
    """Cluster ``vectors`` ``(n, d)`` with ``algorithm`` and its settings (over ``DEFAULTS``).

    ``n_genres`` is needed only by ``k: n_genres``; the genres themselves are never seen.
    """
    params = settings(algorithm, params)
    vectors = np.asarray(vectors, dtype=np.float64)
    if algorithm in _DENSITY:
        return _DENSITY[algorithm](vectors, params)
    return _by_k(algorithm, vectors, params, seed, n_genres)
