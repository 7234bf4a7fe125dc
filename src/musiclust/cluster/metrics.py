"""Clustering quality: internal geometry and agreement with genre labels, on arrays.

- Internal (silhouette, Calinski–Harabasz, Davies–Bouldin) describe the clusters that were
  formed: computed on the clustered points, noise left out, with at least two clusters.
  ``coverage`` (the share of tracks clustered) stands beside them, so a density method that
  clusters a dense few cannot pass for a good one.
- External (ARI, NMI, purity) compare clusters with genres over **every labelled track**,
  with DBSCAN's/HDBSCAN's noise as one group of its own: the partition a user actually gets.
  (Leaving noise out would score one pure cluster of 5 tracks in 95 % noise 1.0/1.0/1.0.)
- Purity in both studies' definitions: ``purity`` = share of tracks whose cluster's majority
  genre is theirs (the second study's formula); ``purity_per_cluster`` = that share per cluster,
  averaged over clusters (the first study's "averaged across clusters").

A metric that is undefined for a clustering is ``None`` (NaN in tables), never a made-up 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
)
from sklearn.metrics.cluster import contingency_matrix

from musiclust.cluster.algorithms import NOISE, silhouette

INTERNAL_METRICS = ("silhouette", "calinski_harabasz", "davies_bouldin")
EXTERNAL_METRICS = ("ari", "nmi", "purity", "purity_per_cluster")
METRIC_NAMES = (*INTERNAL_METRICS, *EXTERNAL_METRICS)


def purity_score(truth: np.ndarray, labels: np.ndarray) -> float:
    """Share of points whose cluster's majority class is theirs (second study)."""
    table = contingency_matrix(truth, labels)
    return float(table.max(axis=0).sum() / table.sum())


def purity_per_cluster(truth: np.ndarray, labels: np.ndarray) -> float:
    """Share of each cluster's majority class, averaged over clusters (first study)."""
    table = contingency_matrix(truth, labels)
    return float((table.max(axis=0) / table.sum(axis=0)).mean())


def is_labelled(genres: np.ndarray) -> np.ndarray:
    """True where a genre is known (not None, not NaN)."""
    return np.array([g is not None and g == g for g in genres], dtype=bool)


def clustering_metrics(vectors: np.ndarray, labels: np.ndarray, genres: np.ndarray | None, seed: int = 0) -> dict:
    """Every metric of one clustering. ``genres`` holds None/NaN where a track has no label.
    ``silhouette_sample``: the seeded sample the silhouette was taken on (None: every track)."""
    labels = np.asarray(labels)
    clustered = labels != NOISE
    cluster_ids = np.unique(labels[clustered])
    result: dict = {
        "n_tracks": int(labels.size),
        "n_clusters": int(cluster_ids.size),
        "n_noise": int((~clustered).sum()),
        "noise_share": float((~clustered).mean()) if labels.size else 0.0,
        "coverage": float(clustered.mean()) if labels.size else 0.0,
        "n_labelled": None,
        "silhouette_sample": None,
    }
    result.update(dict.fromkeys(METRIC_NAMES))
    inner_vectors, inner_labels = vectors[clustered], labels[clustered]
    if 2 <= cluster_ids.size < inner_labels.size:
        result["silhouette"], result["silhouette_sample"] = silhouette(inner_vectors, inner_labels, seed)
        result["calinski_harabasz"] = float(calinski_harabasz_score(inner_vectors, inner_labels))
        result["davies_bouldin"] = float(davies_bouldin_score(inner_vectors, inner_labels))
    if genres is not None:
        labelled = is_labelled(np.asarray(genres, dtype=object))
        result["n_labelled"] = int(labelled.sum())
        if labelled.sum() >= 2:
            # Noise keeps its label -1: one more group, as the user gets it.
            truth, found = np.asarray(genres, dtype=object)[labelled].astype(str), labels[labelled]
            result["ari"] = float(adjusted_rand_score(truth, found))
            result["nmi"] = float(normalized_mutual_info_score(truth, found))
            result["purity"] = purity_score(truth, found)
            result["purity_per_cluster"] = purity_per_cluster(truth, found)
    return result
