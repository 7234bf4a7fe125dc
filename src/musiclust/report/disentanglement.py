"""The disentanglement table (second study): one row per learned model and seed.

Mean absolute correlation between latent dimensions (of the encoder means), variance per
dimension, and the number of active dimensions (mean KL above a threshold; for the plain
autoencoder, which has no KL, the count of dimensions whose variance exceeds a threshold).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.models.disentanglement import disentanglement
from musiclust.report.tables import mean_std
from musiclust.representations.latents import read_latents
from musiclust.tables import read_table, table_metadata

SUMMARY_COLUMNS = ("mean_abs_correlation", "max_abs_correlation", "mean_variance", "active_dims_kl", "active_dims_variance")


def disentanglement_rows(latents: Sequence[str | Path], histories: Sequence[str | Path], kl_threshold: float) -> pd.DataFrame:
    rows = []
    for latents_path, history_path in zip(latents, histories):
        _, mean, info = read_latents(latents_path)
        kl_per_dim = table_metadata(read_table(history_path), "kl_per_dim")
        stats = disentanglement(mean, None if kl_per_dim is None else np.asarray(kl_per_dim), kl_threshold=kl_threshold)
        row = stats.as_row()
        rows.append({
            "representation": info["representation"],
            "family": info["family"],
            "seed": info["seed"],
            "beta": info.get("beta"),
            **{key: row[key] for key in ("latent_dim", *SUMMARY_COLUMNS)},
            "variance_per_dim": " ".join(f"{v:.4g}" for v in row["variance_per_dim"]),
        })
    return pd.DataFrame(rows)


def disentanglement_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over seeds per representation."""
    out = []
    for representation, group in rows.groupby("representation", sort=False):
        entry = {"representation": representation, "family": group["family"].iloc[0], "beta": group["beta"].iloc[0],
                 "seeds": len(group)}
        entry.update({column: mean_std(group[column], 3) for column in SUMMARY_COLUMNS})
        out.append(entry)
    return pd.DataFrame(out)
