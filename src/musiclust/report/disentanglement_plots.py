"""Disentanglement plots (the second study's figure 4).

``correlation_figure``: |correlation| between latent dimensions, one matrix per model.
``disentanglement_figure``: mean |correlation|, sorted variance per dimension, and active
dimensions (above the free-bits floor), dimensions pinned at the floor and effective
dimensionality per model, from the rows of the disentanglement table (one row per model and seed).
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from musiclust.models.latent_statistics import abs_correlation_matrix  # noqa: E402


def correlation_figure(latents: Mapping[str, np.ndarray], max_cols: int = 4) -> plt.Figure:
    """``latents``: model name → ``(n, d)`` encoder means."""
    names = list(latents)
    n_cols = max(1, min(max_cols, len(names)))
    n_rows = max(1, -(-len(names) // n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.2 * n_cols, 3.0 * n_rows), squeeze=False)
    image = None
    for index, ax in enumerate(axes.ravel()):
        if index >= len(names):
            ax.axis("off")
            continue
        matrix = abs_correlation_matrix(latents[names[index]])
        image = ax.imshow(np.nan_to_num(matrix, nan=0.0), vmin=0, vmax=1, cmap="viridis")
        off = matrix[~np.eye(len(matrix), dtype=bool)]
        mean = np.nanmean(off) if np.isfinite(off).any() else float("nan")
        ax.set_title(f"{names[index]}\nmean |r| = {mean:.2f}", fontsize=8)
        ax.set_xlabel("latent dim", fontsize=7)
        ax.set_ylabel("latent dim", fontsize=7)
        ax.tick_params(labelsize=6)
    if not names:
        axes[0][0].text(0.5, 0.5, "no learned models", ha="center", va="center")
    if image is not None:
        fig.colorbar(image, ax=axes.ravel().tolist(), shrink=0.8, label="|Pearson r|")
    fig.suptitle("Correlation between latent dimensions (encoder means, first seed)", fontsize=11)
    return fig


def _variances(row: pd.Series) -> np.ndarray:
    value = row.get("variance_per_dim")
    if isinstance(value, str):
        return np.array([float(v) for v in value.split()])
    return np.asarray(value if value is not None else [], dtype=float)


def disentanglement_figure(rows: pd.DataFrame) -> plt.Figure:
    """``rows``: representation, seed, mean_abs_correlation, variance_per_dim (list or
    space-separated string), active_dims_kl, active_dims_variance, latent_dim; optionally
    dims_at_floor and effective_dims (participation ratio)."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.8))
    names = list(dict.fromkeys(rows["representation"])) if len(rows) else []
    x = np.arange(len(names))
    grouped = rows.groupby("representation", sort=False) if len(rows) else None

    def stat(column):
        values = grouped[column].agg(["mean", "std"]).reindex(names) if grouped is not None else None
        return (values["mean"].to_numpy(dtype=float), np.nan_to_num(values["std"].to_numpy(dtype=float))) \
            if values is not None else (np.array([]), np.array([]))

    mean, std = stat("mean_abs_correlation")
    axes[0].bar(x, mean, yerr=std, color="tab:blue", capsize=3)
    axes[0].set_ylabel("mean |r| between dimensions (lower: more independent)", fontsize=8)
    axes[0].set_title("Correlation between latent dimensions", fontsize=10)

    colours = plt.get_cmap("tab20")
    for index, name in enumerate(names):
        first = rows[rows["representation"] == name].iloc[0]
        variances = np.sort(_variances(first))[::-1]
        if len(variances):
            axes[1].plot(np.arange(1, len(variances) + 1), variances, marker=".", color=colours(index % 20), label=name)
    axes[1].set_yscale("log")
    axes[1].axhline(0.01, color="grey", linestyle=":", label="active (0.01)")
    axes[1].set_xlabel("latent dimension (sorted by variance)", fontsize=8)
    axes[1].set_ylabel("variance of the mean over tracks", fontsize=8)
    axes[1].set_title("Variance per dimension (first seed)", fontsize=10)
    if names:
        axes[1].legend(fontsize=6, ncol=2)

    bars = [(column, label) for column, label in (("active_dims_kl", "KL above the free-bits floor"),
                                                  ("dims_at_floor", "pinned at the floor"),
                                                  ("active_dims_variance", "variance > threshold"),
                                                  ("effective_dims", "effective (participation ratio)"))
            if column in rows]
    width = 0.8 / max(1, len(bars))
    for index, (column, label) in enumerate(bars):
        m, s = stat(column)
        axes[2].bar(x + (index - (len(bars) - 1) / 2) * width, m, width, yerr=s, capsize=2, label=label)
    if "latent_dim" in rows and names:
        dims = grouped["latent_dim"].max().reindex(names).to_numpy(dtype=float)
        axes[2].scatter(x, dims, marker="_", s=300, color="black", label="latent dim")
    axes[2].set_ylabel("dimensions", fontsize=8)
    axes[2].set_title("Active and effective dimensions per model", fontsize=10)
    axes[2].legend(fontsize=7)
    for ax in (axes[0], axes[2]):
        ax.set_xticks(x)
        ax.set_xticklabels(names, rotation=45, ha="right", fontsize=7)
        ax.grid(axis="y", alpha=0.3)
    if not names:
        for ax in axes:
            ax.text(0.5, 0.5, "no learned models", ha="center", va="center", transform=ax.transAxes)
    fig.suptitle("Disentanglement per model (mean ± std over seeds)", fontsize=11)
    fig.tight_layout()
    return fig
