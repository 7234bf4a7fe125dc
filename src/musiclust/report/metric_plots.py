"""Metric figures: a heatmap of every metric across representations × algorithms (the second
study's figure 6), bars of silhouette / ARI / NMI per representation with the spread over seeds
(its figure 2), and cluster × genre contingency heatmaps.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from musiclust.cluster.metrics import METRIC_NAMES  # noqa: E402
from musiclust.report.ranking import METRIC_TITLES, seed_scores  # noqa: E402
from musiclust.report.summary import LOWER_IS_BETTER  # noqa: E402

BAR_METRICS = ("silhouette", "ari", "nmi")


def metrics_heatmap(metrics: pd.DataFrame, columns: Sequence[str] = METRIC_NAMES) -> plt.Figure:
    """Rows: representation / algorithm; columns: metrics (mean over seeds, annotated).
    Colour: each column scaled to [0, 1], 1 the best row (direction-aware)."""
    columns = [c for c in columns if c in metrics]
    means = metrics.groupby(["representation", "algorithm"], sort=True)[columns].mean(numeric_only=True) \
        if len(metrics) else pd.DataFrame(columns=columns)
    means = means.reindex(columns=columns)
    scaled = means.copy()
    for column in columns:
        values = means[column].astype(float)
        low, high = values.min(), values.max()
        span = high - low if np.isfinite(high - low) and high > low else 1.0
        scaled[column] = (values - low) / span
        if column in LOWER_IS_BETTER:
            scaled[column] = 1 - scaled[column]
    height = max(3.0, 0.28 * len(means) + 1.8)
    fig, ax = plt.subplots(figsize=(1.3 * len(columns) + 3.5, height))
    image = ax.imshow(scaled.to_numpy(dtype=float), aspect="auto", cmap="RdYlGn", vmin=0, vmax=1)
    for (r, c), value in np.ndenumerate(means.to_numpy(dtype=float)):
        if np.isfinite(value):
            ax.text(c, r, f"{value:.1f}" if abs(value) >= 100 else f"{value:.2f}", ha="center", va="center", fontsize=6)
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels([f"{c} {'↓' if c in LOWER_IS_BETTER else '↑'}" for c in columns], rotation=30, ha="right",
                       fontsize=8)
    ax.set_yticks(range(len(means)))
    ax.set_yticklabels([f"{r} / {a}" for r, a in means.index], fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.6, label="scaled per metric (1 = best)")
    ax.set_title("Every metric across representations × algorithms (mean over seeds)", fontsize=10)
    fig.tight_layout()
    return fig


def metric_bars(metrics: pd.DataFrame, best: Mapping[str, str], columns: Sequence[str] = BAR_METRICS) -> plt.Figure:
    """Per representation, its best algorithm's mean ± std over seeds of each metric."""
    names = list(best)
    fig, axes = plt.subplots(1, len(columns), figsize=(max(9.0, 0.45 * len(names) * len(columns)), 4.6), squeeze=False)
    x = np.arange(len(names))
    for ax, column in zip(axes[0], columns):
        means, stds, seeds = [], [], []
        for name in names:
            rows = metrics[(metrics["representation"] == name) & (metrics["algorithm"] == best[name])]
            values = pd.to_numeric(rows[column], errors="coerce").dropna() if column in rows else pd.Series(dtype=float)
            means.append(values.mean() if len(values) else np.nan)
            stds.append(values.std(ddof=1) if len(values) > 1 else 0.0)
            seeds.append(values.to_numpy())
        ax.bar(x, means, yerr=stds, capsize=3, color=plt.get_cmap("tab10")(BAR_METRICS.index(column) % 10
                                                                            if column in BAR_METRICS else 0), alpha=0.8)
        for i, values in enumerate(seeds):
            ax.scatter(np.full(len(values), x[i]), values, s=8, color="black", zorder=3)
        ax.set_xticks(x)
        ax.set_xticklabels([f"{n}\n({best[n]})" for n in names], rotation=60, ha="right", fontsize=6)
        ax.set_title(column, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.axhline(0, color="black", linewidth=0.6)
    fig.suptitle("Best algorithm per representation: mean ± std over seeds (dots: seeds)", fontsize=11)
    fig.tight_layout()
    return fig


def contingency(clusters: np.ndarray, genres: np.ndarray) -> pd.DataFrame:
    """Counts of tracks per cluster (rows; noise as "noise") and genre (columns)."""
    clusters = np.asarray(clusters)
    genres = np.array(["unknown" if g is None else str(g) for g in genres], dtype=object)
    rows = np.array(["noise" if c == -1 else f"cluster {c}" for c in clusters], dtype=object)
    table = pd.crosstab(pd.Series(rows, name="cluster"), pd.Series(genres, name="genre"))
    order = sorted(table.index, key=lambda r: (r == "noise", int(r.split()[1]) if r != "noise" else 0))
    return table.reindex(order)


def contingency_figure(entries: Sequence[dict], max_cols: int = 3) -> plt.Figure:
    """One cluster × genre heatmap per entry: ``name``, ``algorithm``, ``clusters``, ``genres``."""
    n_cols = max(1, min(max_cols, len(entries)))
    n_rows = max(1, -(-len(entries) // n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(4.6 * n_cols, 3.9 * n_rows), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        if index >= len(entries):
            ax.axis("off")
            continue
        entry = entries[index]
        table = contingency(entry["clusters"], entry["genres"])
        ax.imshow(table.to_numpy(), cmap="Blues", aspect="auto")
        for (r, c), value in np.ndenumerate(table.to_numpy()):
            if value:
                ax.text(c, r, str(value), ha="center", va="center", fontsize=6)
        ax.set_xticks(range(table.shape[1]))
        ax.set_xticklabels(table.columns, rotation=45, ha="right", fontsize=6)
        ax.set_yticks(range(table.shape[0]))
        ax.set_yticklabels(table.index, fontsize=6)
        ax.set_title(f"{entry['name']} ({entry['algorithm']})", fontsize=8)
    if not entries:
        axes[0][0].text(0.5, 0.5, "no clusterings", ha="center", va="center")
    fig.suptitle("Clusters × genres of each representation's best algorithm (first seed)", fontsize=11)
    fig.tight_layout()
    return fig



def ranking_figure(metrics: pd.DataFrame, ranking: pd.DataFrame, metric: str) -> plt.Figure:
    """The summary's ranking: each representation's best algorithm, mean ± std over seeds (dots:
    the seeds), best at the top; marked rows (collapsed, degenerate, label-trained, ...) hatched grey."""
    n = len(ranking)
    fig, ax = plt.subplots(figsize=(4.8, 0.9 + 0.2 * max(n, 3)))
    y = np.arange(n)[::-1]
    for position, row in zip(y, ranking.itertuples(index=False)):
        colour = "#1f77b4" if row.unmarked else "#bbbbbb"
        ax.barh(position, 0 if pd.isna(row.mean) else row.mean, xerr=0 if pd.isna(row.std) else row.std,
                color=colour, hatch=None if row.unmarked else "//", edgecolor="#777777", linewidth=0.4, capsize=2)
        seeds = seed_scores(metrics, row.representation, row.algorithm, metric)
        ax.scatter(seeds.to_numpy(), np.full(len(seeds), position), s=7, color="black", zorder=3)
    ax.set_yticks(y)
    ax.set_yticklabels(ranking["representation"], fontsize=7)  # (the algorithms: the table beside it)
    ax.axvline(0, color="black", linewidth=0.6)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=7)
    arrow = "lower is better" if metric in LOWER_IS_BETTER else "higher is better"
    ax.set_xlabel(f"{METRIC_TITLES.get(metric, metric)} ({arrow}); grey hatched: marked", fontsize=8)
    fig.tight_layout()
    return fig
