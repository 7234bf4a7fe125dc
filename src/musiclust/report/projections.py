"""2-D projections of latent spaces: t-SNE, UMAP or PCA, drawn side by side.

``project`` maps an ``(n, d)`` array to ``(n, 2)``; the figure functions draw panels of
already-projected points, coloured by cluster and by genre (the first study's figures 1, 3
and 5) or one panel per β of a sweep (the second study's figure 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

PROJECTIONS = ("tsne", "umap", "pca")
TITLES = {"tsne": "t-SNE", "umap": "UMAP", "pca": "PCA"}
NOISE = -1


def project(vectors: np.ndarray, method: str, seed: int = 0) -> np.ndarray:
    """``(n, 2)`` coordinates of ``vectors`` ``(n, d)`` by ``method`` (tsne, umap or pca)."""
    vectors = np.nan_to_num(np.asarray(vectors, dtype=np.float64))
    n = len(vectors)
    if n < 3 or vectors.shape[1] < 2:
        padded = np.zeros((n, 2))
        padded[:, : min(2, vectors.shape[1])] = vectors[:, :2]
        return padded
    if method == "pca":
        from sklearn.decomposition import PCA

        return PCA(n_components=2, random_state=seed).fit_transform(vectors)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = float(min(30.0, max(2.0, (n - 1) / 3)))
        return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(vectors)
    if method == "umap":
        import umap

        neighbours = int(min(15, max(2, n - 1)))
        return umap.UMAP(n_components=2, n_neighbors=neighbours, random_state=seed, init="random" if n < 10 else "spectral",
                         n_jobs=1).fit_transform(vectors)
    raise ValueError(f"unknown projection {method!r}: choose from {', '.join(PROJECTIONS)}")


@dataclass
class Panel:
    """One scatter: projected points, a title, and a category per point (cluster or genre)."""

    points: np.ndarray
    categories: np.ndarray
    title: str
    legend_title: str = ""


def _category_labels(categories: np.ndarray) -> list:
    values = [c for c in categories if c is not None and not (isinstance(c, float) and np.isnan(c))]
    unique = sorted(set(values), key=lambda c: (isinstance(c, str), c))
    return unique


def draw_panel(ax, panel: Panel, max_legend: int = 12) -> None:
    categories = np.asarray(panel.categories, dtype=object)
    labels = _category_labels(categories)
    cmap = plt.get_cmap("tab20" if len(labels) > 10 else "tab10")
    unknown = np.array([c is None or c == NOISE or (isinstance(c, float) and np.isnan(c)) for c in categories])
    if unknown.any():
        ax.scatter(*panel.points[unknown].T, s=14, c="lightgrey", marker="x", linewidths=0.8,
                   label="noise / unknown")
    colour_index = 0
    for label in labels:
        if label == NOISE:
            continue
        mask = np.array([c == label for c in categories]) & ~unknown
        ax.scatter(*panel.points[mask].T, s=18, color=cmap(colour_index % cmap.N), label=str(label),
                   edgecolors="white", linewidths=0.3)
        colour_index += 1
    ax.set_title(panel.title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])
    if 0 < len(labels) <= max_legend:
        ax.legend(title=panel.legend_title or None, fontsize=6, title_fontsize=7, loc="best", markerscale=0.8,
                  framealpha=0.7)


def panel_grid(panels: Sequence[Panel], n_cols: int, title: str, axis_name: str) -> plt.Figure:
    """Scatter panels in rows of ``n_cols``."""
    n_cols = max(1, min(n_cols, len(panels)))
    n_rows = max(1, -(-len(panels) // n_cols))
    height = 3.3 * n_rows + 0.5
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.6 * n_cols, height), squeeze=False)
    for index, ax in enumerate(axes.ravel()):
        if index < len(panels):
            draw_panel(ax, panels[index])
            ax.set_xlabel(f"{axis_name} 1", fontsize=7)
            ax.set_ylabel(f"{axis_name} 2", fontsize=7)
        else:
            ax.axis("off")
    if not panels:
        axes[0][0].text(0.5, 0.5, "no representations", ha="center", va="center")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.45 / height))
    return fig


def projection_figure(entries: Sequence[dict], method: str, pairs_per_row: int = 2) -> plt.Figure:
    """Per representation, its projection coloured by cluster (left) and by genre (right),
    ``pairs_per_row`` representations a row.

    Each entry: ``name``, ``points`` ``(n, 2)``, ``clusters`` (labels, -1 noise), ``algorithm``
    and ``genres``.
    """
    panels = [panel for e in entries for panel in (
        Panel(e["points"], e["clusters"], f"{e['name']}: {e['algorithm']} clusters", "cluster"),
        Panel(e["points"], e["genres"], f"{e['name']}: genre", "genre"))]
    return panel_grid(panels, 2 * pairs_per_row, f"{TITLES.get(method, method)} of each representation, by cluster "
                      "and by genre", TITLES.get(method, method))


def beta_grid_figure(entries: Sequence[dict], method: str, sweep: str) -> plt.Figure:
    """One projection per β of a sweep, coloured by genre (top) and by cluster (bottom).

    Each entry: ``beta``, ``points``, ``genres``, ``clusters``, ``algorithm``.
    """
    entries = sorted(entries, key=lambda e: e["beta"])
    panels = [Panel(e["points"], e["genres"], f"β = {e['beta']:g}: genre", "genre") for e in entries]
    panels += [Panel(e["points"], e["clusters"], f"β = {e['beta']:g}: {e['algorithm']} clusters", "cluster")
               for e in entries]
    return panel_grid(panels, max(1, len(entries)), f"{sweep}: {TITLES.get(method, method)} per β",
                      TITLES.get(method, method))
