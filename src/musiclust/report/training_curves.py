"""Training curves of a learned model (the first study's figures 2 and 4).

Four panels: total loss, reconstruction, KL divergence (with β on a second axis, so that a KL
warm-up shows as a ramp) and a combined view, each scaled to its first epoch. One line per seed;
held-out losses, when recorded, dashed.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

PANELS = (("loss", "Total loss"), ("reconstruction", "Reconstruction"), ("kl", "KL divergence"))
# The held-out column of each training column (the held-out total is the negative ELBO).
HELDOUT = {"loss": "heldout_neg_elbo", "reconstruction": "heldout_reconstruction", "kl": "heldout_kl"}


def _epochs(history: pd.DataFrame) -> np.ndarray:
    return history["epoch"].to_numpy() if "epoch" in history else np.arange(1, len(history) + 1)


def training_figure(histories: Mapping[int, pd.DataFrame], name: str) -> plt.Figure:
    """``histories``: seed → per-epoch frame with ``loss``, ``reconstruction``, ``kl`` (and
    optionally ``epoch``, ``beta``, ``heldout_neg_elbo``, ``heldout_reconstruction``, ``heldout_kl``)."""
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5))
    flat = axes.ravel()
    colours = plt.get_cmap("tab10")
    warmup_shown = False
    for index, (seed, history) in enumerate(sorted(histories.items())):
        colour = colours(index % 10)
        epochs = _epochs(history)
        for ax, (column, title) in zip(flat[:3], PANELS):
            if column in history:
                ax.plot(epochs, history[column], color=colour, marker="o", markersize=2.5, label=f"seed {seed}")
            heldout = HELDOUT[column]
            if heldout in history and history[heldout].notna().any():
                ax.plot(epochs, history[heldout], color=colour, linestyle="--", label=f"seed {seed} held out")
            ax.set_title(title, fontsize=10)
        if "beta" in history and history["beta"].nunique() > 1:
            twin = flat[2].twinx()
            twin.plot(epochs, history["beta"], color="grey", linestyle=":", label="β (warm-up)")
            twin.set_ylabel("β", fontsize=8, color="grey")
            if not warmup_shown:
                twin.legend(fontsize=7, loc="center right")
                warmup_shown = True
        for column, style in zip(("loss", "reconstruction", "kl"), ("-", "--", ":")):
            if column in history:
                values = history[column].to_numpy(dtype=float)
                scale = values[0] if len(values) and values[0] not in (0.0,) and np.isfinite(values[0]) else 1.0
                flat[3].plot(epochs, values / scale, color=colour, linestyle=style,
                             label=f"{column} (seed {seed})" if len(histories) <= 3 else (column if index == 0 else None))
    flat[3].set_title("Combined (each / its first epoch)", fontsize=10)
    for ax in flat:
        ax.set_xlabel("epoch", fontsize=8)
        ax.grid(alpha=0.3)
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize=7)
    flat[0].set_ylabel("loss per track", fontsize=8)
    flat[3].set_ylabel("relative to epoch 1", fontsize=8)
    fig.suptitle(f"Training curves: {name}", fontsize=11)
    fig.tight_layout()
    return fig
