"""Clustering quality: internal geometry and agreement with genre labels.

- Internal (silhouette, Calinski–Harabasz, Davies–Bouldin) are computed on the clustered
  points, DBSCAN's noise left out, and need at least two clusters.
- External (ARI, NMI, purity) compare clusters with genres over the clustered points that have
  a genre. ``noise_share`` says how many points DBSCAN left out, so a method that clusters a
  pure few and calls the rest noise cannot pass for a good one.
- Purity is the standard one: the share of points whose cluster's majority genre is theirs
  (the second study's formula).

A metric that is undefined for a clustering is ``None`` (NaN in tables), never a made-up 0.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    normalized_mutual_info_score,
    silhouette_score,
)
from sklearn.metrics.cluster import contingency_matrix

from musiclust.cluster.algorithms import NOISE

METRIC_NAMES = ("silhouette", "calinski_harabasz", "davies_bouldin", "ari", "nmi", "purity")


def purity_score(truth: np.ndarray, labels: np.ndarray) -> float:
    table = contingency_matrix(truth, labels)
    return float(table.max(axis=0).sum() / table.sum())


def clustering_metrics(vectors: np.ndarray, labels: np.ndarray, genres: np.ndarray | None) -> dict:
    """Every metric of one clustering. ``genres`` holds None/NaN where a track has no label."""
    labels = np.asarray(labels)
    clustered = labels != NOISE
    cluster_ids = np.unique(labels[clustered])
    result: dict = {
        "n_tracks": int(labels.size),
        "n_clusters": int(cluster_ids.size),
        "n_noise": int((~clustered).sum()),
        "noise_share": float((~clustered).mean()) if labels.size else 0.0,
    }
    result.update(dict.fromkeys(METRIC_NAMES))
    inner_vectors, inner_labels = vectors[clustered], labels[clustered]
    if 2 <= cluster_ids.size < inner_labels.size:
        result["silhouette"] = float(silhouette_score(inner_vectors, inner_labels))
        result["calinski_harabasz"] = float(calinski_harabasz_score(inner_vectors, inner_labels))
        result["davies_bouldin"] = float(davies_bouldin_score(inner_vectors, inner_labels))
    if genres is not None:
        genres = np.asarray(genres, dtype=object)
        labelled = clustered & np.array([g is not None and g == g for g in genres])
        result["n_labelled"] = int(labelled.sum())
        if labelled.sum() >= 2:
            truth, found = genres[labelled].astype(str), labels[labelled]
            result["ari"] = float(adjusted_rand_score(truth, found))
            result["nmi"] = float(normalized_mutual_info_score(truth, found))
            result["purity"] = purity_score(truth, found)
    return result
