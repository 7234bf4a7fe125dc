"""The studies' table layouts: a summary laid out like a study's table (its columns in its order,
its headers, its row names and row order), so that a reader can put the two side by side.

A preset names its layout and its row names in ``report: {layout: ..., labels: {...}}``;
``generic`` (the default) is musiclust's own tables only (``summary.study_tables``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from musiclust.cluster.algorithms import ALGORITHMS
from musiclust.report.metrics_tables import mean_std, row_marks
from musiclust.representations.latents import OWN_CLUSTERS

# Row names of the algorithms, as the studies write them.
ALGORITHM_NAMES = {"kmeans": "K-Means", "agglomerative": "Agglomerative", "gmm": "GMM", "dbscan": "DBSCAN",
                   "hdbscan": "HDBSCAN", OWN_CLUSTERS: "own clusters"}


@dataclass(frozen=True)
class Column:
    metric: str   # a column of metrics.csv
    header: str   # the study's header
    digits: int   # the study's decimals


@dataclass(frozen=True)
class Layout:
    title: str
    columns: tuple[Column, ...]
    # "method": one row per representation × algorithm, named "<representation> + <algorithm>";
    # "representation": one row per representation, clustered by `algorithm`.
    rows: str
    algorithm: str | None = None


_STUDY1_TASK23 = (Column("silhouette", "Silhouette", 3), Column("davies_bouldin", "DBI", 2),
                  Column("ari", "ARI", 3), Column("nmi", "NMI", 3), Column("purity_per_cluster", "Purity", 2))
# The second study's six columns (its Tables 1–4); its purity is over all tracks.
_STUDY2 = (Column("silhouette", "Silhouette ↑", 4), Column("calinski_harabasz", "Calinski-Harabasz ↑", 2),
           Column("davies_bouldin", "Davies-Bouldin ↓", 2), Column("ari", "Adjusted Rand Index ↑", 4),
           Column("nmi", "Normalized Mutual Info ↑", 4), Column("purity", "Purity ↑", 4))

LAYOUTS: dict[str, Layout | None] = {
    "generic": None,
    "study1_task1": Layout("Task 1 (Easy) clustering results on synthetic multilingual lyrics (the first study's Table 1)",
                           (Column("n_clusters", "Optimal k", 0), Column("silhouette", "Silhouette", 3),
                            Column("calinski_harabasz", "Calinski–Harabasz", 2)), rows="method"),
    # Its Table 2 has no NMI column; purity there is averaged over clusters.
    "study1_task2": Layout("Task 2 (Medium) clustering metrics (the first study's Table 2)",
                           tuple(c for c in _STUDY1_TASK23 if c.metric != "nmi"), rows="representation",
                           algorithm="kmeans"),
    "study1_task3": Layout("Task 3 (Hard) clustering metrics (the first study's Table 3)", _STUDY1_TASK23,
                           rows="representation", algorithm="kmeans"),
    "study2": Layout("Clustering results (the second study's Tables 1–3)", _STUDY2, rows="method"),
}


def layout_of(name: str) -> Layout | None:
    if name not in LAYOUTS:
        raise ValueError(f"unknown report layout {name!r} (known: {', '.join(LAYOUTS)})")
    return LAYOUTS[name]


def _ordered(names: Sequence[str], first: Sequence[str]) -> list[str]:
    """``names`` with those in ``first`` leading, in its order (the study's rows), the rest sorted."""
    return [n for n in first if n in names] + sorted(n for n in names if n not in first)


def layout_table(metrics: pd.DataFrame, layout: Layout, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per the layout's method: mean ± std over seeds of its columns, then ``marks``
    (collapsed model, degenerate representation, noise-dominated clustering, failed run). ``labels`` maps a representation
    to the study's name for it; their order is the rows' order. † marks models that saw the genres."""
    labels = dict(labels or {})
    # A model's own clusters (VaDE's components) come last, beside the algorithms run on its latents.
    algorithms = [a for a in (*ALGORITHMS, OWN_CLUSTERS) if a in set(metrics["algorithm"])]
    if layout.rows == "representation" and layout.algorithm in algorithms:
        algorithms = [layout.algorithm]
    rows = []
    for representation in _ordered(list(dict.fromkeys(metrics["representation"])), list(labels)):
        for algorithm in algorithms:
            group = metrics[(metrics["representation"] == representation) & (metrics["algorithm"] == algorithm)]
            if group.empty:
                continue
            name = labels.get(representation, representation)
            if "saw_labels" in group and group["saw_labels"].astype(bool).any():
                name += " †"
            if len(algorithms) > 1 or layout.rows == "method":
                name += f" + {ALGORITHM_NAMES.get(algorithm, algorithm)}"
            row = {"Method": name}
            for column in layout.columns:
                values = group[column.metric] if column.metric in group else pd.Series(dtype=float)
                row[column.header] = mean_std(values, column.digits)
            row["marks"] = row_marks(group)
            rows.append(row)
    return pd.DataFrame(rows, columns=["Method", *(c.header for c in layout.columns), "marks"])
