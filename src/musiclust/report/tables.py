"""Gathering per-run metrics into tables: a flat CSV and a mean ± std Markdown summary."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from musiclust.cluster.metrics import METRIC_NAMES

KEYS = ("representation", "algorithm", "seed")
# Column titles of the summary; the arrow says which direction is better.
_DISPLAY = {
    "silhouette": "Silhouette ↑",
    "calinski_harabasz": "Calinski–Harabasz ↑",
    "davies_bouldin": "Davies–Bouldin ↓",
    "ari": "ARI ↑",
    "nmi": "NMI ↑",
    "purity": "Purity ↑",
    "n_clusters": "clusters",
    "noise_share": "noise",
}


def gather_metrics(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per (representation, algorithm, seed), from the metrics JSON files."""
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            rows.append(json.load(handle))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=[*KEYS, *METRIC_NAMES])
    columns = [*KEYS, *[c for c in frame.columns if c not in KEYS]]
    return frame[columns].sort_values(list(KEYS)).reset_index(drop=True)


def mean_std(values: pd.Series, digits: int) -> str:
    values = values.dropna().astype(float)
    if values.empty:
        return "–"
    if len(values) == 1:
        return f"{values.iloc[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def summary_table(metrics: pd.DataFrame) -> pd.DataFrame:
    """Mean ± sample std over seeds, one row per (representation, algorithm)."""
    columns = [*METRIC_NAMES, "n_clusters", "noise_share"]
    rows = []
    for (representation, algorithm), group in metrics.groupby(["representation", "algorithm"], sort=True):
        row = {"representation": representation, "algorithm": algorithm, "seeds": len(group)}
        for column in columns:
            digits = 1 if column in ("calinski_harabasz", "n_clusters") else (2 if column == "noise_share" else 3)
            values = group[column] if column in group else pd.Series(dtype=float)
            row[_DISPLAY[column]] = mean_std(values, digits)
        rows.append(row)
    return pd.DataFrame(rows)


def markdown_table(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table."""
    if frame.empty:
        return "_no results_\n"
    return frame.to_markdown(index=False, disable_numparse=True) + "\n"


def gather_failures(failure_paths: Iterable[str | Path], excluded_csv: str | Path | None = None) -> pd.DataFrame:
    """Every track left out of a run, with the stage and the reason."""
    frames = [pd.read_parquet(path) for path in failure_paths]
    if excluded_csv is not None:
        excluded = pd.read_csv(excluded_csv)
        if not excluded.empty:
            frames.append(excluded.assign(stage="selection", detail=""))
    frames = [frame for frame in frames if not frame.empty]
    if not frames:
        return pd.DataFrame(columns=["track_id", "stage", "reason", "detail"])
    return pd.concat(frames, ignore_index=True)[["track_id", "stage", "reason", "detail"]].sort_values("track_id")


def metrics_report(metrics: pd.DataFrame, failures: pd.DataFrame, dataset: str) -> str:
    """The Markdown page: the summary table and what was left out."""
    tracks = int(metrics["n_tracks"].max()) if "n_tracks" in metrics and not metrics.empty else 0
    summary = summary_table(metrics)
    conditioned = sorted(set(metrics.loc[metrics["saw_labels"].fillna(False).astype(bool), "representation"])) \
        if "saw_labels" in metrics else []
    if conditioned:
        summary["representation"] = [f"{r} †" if r in conditioned else r for r in summary["representation"]]
    lines = [
        f"# Clustering metrics: {dataset}",
        "",
        f"{tracks} tracks clustered; mean ± std over seeds. Internal metrics leave DBSCAN's noise "
        "out; ARI, NMI and purity compare clusters with genres over the clustered tracks.",
        "",
        markdown_table(summary),
    ]
    if conditioned:
        lines += [
            f"† {', '.join(conditioned)}: trained with the genre labels (a conditional VAE's decoder sees "
            "the genre), so its agreement with genres is not an unsupervised result.",
        ]
    if not failures.empty:
        counts = failures.groupby(["stage", "reason"]).size()
        lines += ["", f"{len(failures)} tracks left out:", ""]
        lines += [f"- {stage}: {reason} ({count})" for (stage, reason), count in counts.items()]
    return "\n".join(lines) + "\n"
