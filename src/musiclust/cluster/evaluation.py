"""One representation's evaluation: every configured algorithm on the same vectors, scored.

``evaluate`` works on arrays (vectors, optional genres) and returns the labels of each
algorithm and one metrics row per algorithm; ``write_evaluation``/``read_evaluation`` keep
both in one Parquet table (``track_id`` and a ``cluster:{algorithm}`` column each, the metrics
rows and the representation's facts in the schema metadata), which the report gathers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from musiclust.cluster.algorithms import cluster_vectors, clustering_space
from musiclust.cluster.metrics import clustering_metrics, is_labelled
from musiclust.parquet_tables import build_table, read_table, table_metadata, track_ids, write_table

log = logging.getLogger("musiclust.cluster")
LABEL_COLUMN = "cluster:{}"


@dataclass
class Evaluation:
    """Labels per algorithm (noise = -1) and one metrics row per algorithm."""

    labels: dict[str, np.ndarray]
    metrics: pd.DataFrame


def evaluate(vectors: np.ndarray, algorithms: Mapping[str, Mapping[str, Any] | None], *,
             genres: np.ndarray | None = None, seed: int = 0, standardize: bool = False,
             own_clusters: Mapping[str, tuple[np.ndarray, int]] | None = None) -> Evaluation:
    """Cluster ``vectors`` ``(n, d)`` with each of ``algorithms`` (name → settings) and score it.

    ``genres`` (None/NaN where unknown) are used for ``k: n_genres`` and the external metrics
    only. An algorithm that cannot run on these vectors (e.g. k above the number of tracks)
    gets a row with its ``error`` and no labels; the others still run. ``own_clusters``: name →
    ``(labels, k)`` of clusterings the representation made itself (a VaDE model's components),
    scored the same way, on the same vectors, after the algorithms.
    """
    space = clustering_space(np.asarray(vectors), standardize)
    n_genres = None
    if genres is not None:
        genres = np.asarray(genres, dtype=object)
        n_genres = len(set(genres[is_labelled(genres)]))
    labels: dict[str, np.ndarray] = {}
    rows = []
    for algorithm, params in algorithms.items():
        try:
            result = cluster_vectors(space, algorithm, params, seed=seed, n_genres=n_genres)
        except ValueError as error:
            log.warning("%s: %s", algorithm, error)
            rows.append({"algorithm": algorithm, "error": str(error)})
            continue
        labels[algorithm] = np.asarray(result.labels, dtype=np.int32)
        rows.append({"algorithm": algorithm, "k": result.k, "eps": result.eps,
                     **clustering_metrics(space, result.labels, genres, seed), "error": None})
    for name, (own_labels, k) in (own_clusters or {}).items():
        own_labels = np.asarray(own_labels, dtype=np.int32)
        if own_labels.shape != (len(space),):
            raise ValueError(f"own clusters {name!r}: {own_labels.shape[0]} labels for {len(space)} tracks")
        labels[name] = own_labels
        rows.append({"algorithm": name, "k": int(k), "eps": None,
                     **clustering_metrics(space, own_labels, genres, seed), "error": None})
    return Evaluation(labels, pd.DataFrame(rows))


def write_evaluation(path: str | Path, ids: np.ndarray, evaluation: Evaluation, info: Mapping[str, Any]) -> None:
    columns = {LABEL_COLUMN.format(name): values for name, values in evaluation.labels.items()}
    records = evaluation.metrics.astype(object).where(evaluation.metrics.notna(), None).to_dict("records")
    write_table(build_table(ids, columns=columns, metadata={"metrics": records, "info": dict(info)}), path)


def read_evaluation(path: str | Path) -> tuple[np.ndarray, Evaluation, dict]:
    """``(track_ids, evaluation, representation info)``."""
    table = read_table(path)
    prefix = LABEL_COLUMN.format("")
    labels = {name[len(prefix):]: table.column(name).to_numpy() for name in table.column_names if name.startswith(prefix)}
    metrics = pd.DataFrame(table_metadata(table, "metrics", []))
    return track_ids(table), Evaluation(labels, metrics), table_metadata(table, "info", {})
