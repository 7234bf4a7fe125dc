"""Gathering evaluations into tables: a flat CSV and a mean ± std Markdown summary.

Rows that must not be read as results are marked in every table: a collapsed model (fewer
active latent dimensions than the threshold: its clusters are noise around the prior, however
good its silhouette), a degenerate representation (effective dimensionality below
``analysis.min_effective_dims``: its tracks differ along about one direction), a
noise-dominated density clustering (most tracks left unclustered), and a model whose training
saw the genre labels (†). A hybrid carries the marks of its parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.cluster.evaluation import read_evaluation
from musiclust.cluster.metrics import METRIC_NAMES

KEYS = ("representation", "algorithm", "seed")
# Facts of the representation carried onto each of its rows.
REPRESENTATION_FACTS = ("family", "saw_labels", "latent_dim", "active_dims", "active_dims_above_kl_threshold",
                        "dims_at_floor", "collapsed", "effective_dims", "dims_90pct_variance", "degenerate")
NOISE_DOMINATED = 0.5  # a density clustering that leaves more than this share unclustered
LOWER_IS_BETTER = ("davies_bouldin",)  # metrics where lower is better; every other, higher
# Column titles of the summary; the arrow says which direction is better.
_DISPLAY = {
    "silhouette": "Silhouette ↑",
    "calinski_harabasz": "Calinski–Harabasz ↑",
    "davies_bouldin": "Davies–Bouldin ↓",
    "ari": "ARI ↑",
    "nmi": "NMI ↑",
    "purity": "Purity ↑",
    "purity_per_cluster": "Purity/cluster ↑",
    "n_clusters": "clusters",
    "coverage": "coverage",
    "active_dims": "active dims",
    "effective_dims": "effective dims",
}
_DIGITS = {"calinski_harabasz": 1, "n_clusters": 1, "coverage": 2, "active_dims": 1, "effective_dims": 1}


def gather_metrics(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per (representation, algorithm, seed), from the evaluation tables."""
    frames = []
    for path in paths:
        _, evaluation, info = read_evaluation(path)
        frame = evaluation.metrics.copy()
        frame.insert(0, "representation", info["representation"])
        frame.insert(2, "seed", info["seed"])
        for fact in REPRESENTATION_FACTS:
            frame[fact] = info.get(fact)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*KEYS, *METRIC_NAMES])
    frame = pd.concat(frames, ignore_index=True)
    for mark in ("saw_labels", *MARK_FACTS):  # absent (an older latents table): False
        frame[mark] = frame[mark].fillna(False).astype(bool)
    columns = [*KEYS, *[c for c in frame.columns if c not in KEYS]]
    return frame[columns].sort_values(list(KEYS)).reset_index(drop=True)


def mean_std(values: pd.Series, digits: int) -> str:
    values = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if values.empty:
        return "–"
    if len(values) == 1:
        return f"{values.iloc[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


# Boolean facts of a representation that make its rows unfit to read as results, and the mark
# they get (per seed). Every table and the summary mark from here: a new fact is one entry.
MARK_FACTS = {"collapsed": "collapsed", "degenerate": "degenerate"}


def row_marks(group: pd.DataFrame) -> str:
    marks = []
    for fact, mark in MARK_FACTS.items():
        flagged = int(group[fact].fillna(False).astype(bool).sum()) if fact in group else 0
        if flagged:
            marks.append(f"{mark} ({flagged}/{len(group)} seeds)")
    if "noise_share" in group and pd.to_numeric(group["noise_share"], errors="coerce").mean() > NOISE_DOMINATED:
        marks.append("noise-dominated")
    if "error" in group and group["error"].notna().any():
        marks.append("failed: " + str(group["error"].dropna().iloc[0]))
    return "; ".join(marks)


def _group_order(metrics: pd.DataFrame, order_by: str | None) -> list[tuple[str, str]]:
    """(representation, algorithm) pairs: by name; or, with ``order_by``, representations by
    their best algorithm's mean ``order_by`` (best first, noise-dominated and failed runs
    last), each with its algorithms best first."""
    means = metrics.groupby(["representation", "algorithm"], sort=True)
    keys = list(means.groups)
    if order_by is None or order_by not in metrics:
        return keys
    sign = -1 if order_by in LOWER_IS_BETTER else 1
    score = {}
    for key, group in means:
        value = pd.to_numeric(group[order_by], errors="coerce").mean() * sign
        noisy = "noise_share" in group and pd.to_numeric(group["noise_share"], errors="coerce").mean() > NOISE_DOMINATED
        failed = "error" in group and group["error"].notna().any()
        score[key] = -np.inf if noisy or failed or pd.isna(value) else value
    best = {}
    for (representation, _), value in score.items():
        best[representation] = max(best.get(representation, -np.inf), value)
    return sorted(keys, key=lambda k: (-best[k[0]], k[0], -score[k], k[1]))


def summary_table(metrics: pd.DataFrame, order_by: str | None = None) -> pd.DataFrame:
    """Mean ± sample std over seeds, one row per (representation, algorithm), with the tracks
    clustered and marks; by name, or grouped best first by ``order_by`` (``_group_order``)."""
    columns = [*METRIC_NAMES, "n_clusters", "coverage", "active_dims", "effective_dims"]
    groups = dict(list(metrics.groupby(["representation", "algorithm"], sort=True)))
    rows = []
    for representation, algorithm in _group_order(metrics, order_by):
        group = groups[(representation, algorithm)]
        label = f"{representation} †" if group.get("saw_labels", pd.Series([False])).any() else representation
        tracks = pd.to_numeric(group["n_tracks"], errors="coerce").max() if "n_tracks" in group else np.nan
        row = {"representation": label, "algorithm": algorithm, "seeds": len(group),
               "tracks": "–" if pd.isna(tracks) else str(int(tracks))}
        for column in columns:
            values = group[column] if column in group else pd.Series(dtype=float)
            row[_DISPLAY[column]] = mean_std(values, _DIGITS.get(column, 3))
        row["marks"] = row_marks(group)
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


def failure_counts(failures: pd.DataFrame) -> pd.DataFrame:
    """Tracks left out per (stage, reason), with one track's detail as an example."""
    rows = []
    for (stage, reason), group in failures.groupby(["stage", "reason"], sort=True):
        first = group.iloc[0]
        detail = first["detail"] if isinstance(first["detail"], str) and first["detail"] else ""
        example = f"track {first['track_id']}: {detail}" if detail else f"track {first['track_id']}"
        rows.append({"stage": stage, "reason": reason, "tracks": len(group), "example": example})
    return pd.DataFrame(rows, columns=["stage", "reason", "tracks", "example"])


def metrics_report(metrics: pd.DataFrame, failures: pd.DataFrame, dataset: str, title: str | None = None) -> str:
    """The Markdown page: the summary table, what its marks mean, and what was left out."""
    tracks = int(metrics["n_tracks"].max()) if "n_tracks" in metrics and metrics["n_tracks"].notna().any() else 0
    summary = summary_table(metrics)
    conditioned = sorted(set(metrics.loc[metrics["saw_labels"], "representation"])) if "saw_labels" in metrics else []
    collapsed = sorted(set(metrics.loc[metrics["collapsed"], "representation"])) if "collapsed" in metrics else []
    degenerate = sorted(set(metrics.loc[metrics["degenerate"], "representation"])) if "degenerate" in metrics else []
    lines = [
        f"# {title or f'Clustering metrics: {dataset}'}",
        "",
        f"{tracks} tracks; mean ± std over seeds. Internal metrics (silhouette, Calinski–Harabasz, "
        "Davies–Bouldin) describe the clusters formed, noise left out; `coverage` is the share of tracks "
        "clustered. ARI, NMI and purity compare with genres over every labelled track, noise counted as "
        "a group of its own. `active dims`: latent dimensions the model uses (KL clearly above the free-bits "
        "floor it trained with, and variance of the means). `effective dims`: the participation ratio of the "
        "covariance of the vectors, (Σλ)²/Σλ², about how many directions the tracks spread in.",
        "",
        markdown_table(summary),
    ]
    if collapsed:
        lines += [f"**Collapsed** ({', '.join(collapsed)}): fewer active latent dimensions than the threshold "
                  "in some seeds; the latents are the prior plus noise, so their metrics (however flattering "
                  "the silhouette) say nothing about the music. See the training logs for remedies.", ""]
    if degenerate:
        lines += [f"**Degenerate** ({', '.join(degenerate)}): fewer effective dimensions than "
                  "`analysis.min_effective_dims` in some seeds (or a part of a hybrid is): the tracks differ along "
                  "about one direction, so clustering them orders them on a line.", ""]
    if conditioned:
        lines += [
            f"† {', '.join(conditioned)}: trained with the genre labels (a conditional VAE's decoder sees "
            "the genre), so its agreement with genres is not an unsupervised result.", ""]
    if not failures.empty:
        lines += [f"{len(failures)} tracks left out (every one, with its detail: failures.csv):", ""]
        lines += [f"- {row.stage}: {row.reason} ({row.tracks}), e.g. {row.example}"
                  for row in failure_counts(failures).itertuples()]
    return "\n".join(lines).rstrip() + "\n"
