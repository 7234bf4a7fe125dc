"""The disentanglement table (second study): one row per learned model and seed.

Mean absolute correlation between latent dimensions (of the encoder means), variance per
dimension, the number of active dimensions (mean KL clearly above the free-bits floor the model
trained with, see ``models.collapse``; for the plain autoencoder, which has no KL, the count of
dimensions whose variance exceeds a threshold), the dimensions pinned at that floor, and the
effective dimensionality of the means (``representations.geometry``, from the latents metadata).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.models.collapse import FLOOR_MARGIN
from musiclust.models.latent_statistics import disentanglement
from musiclust.report.metrics_tables import mean_std
from musiclust.representations.geometry import MIN_EFFECTIVE_DIMS, geometry_info
from musiclust.representations.latents import read_latents
from musiclust.parquet_tables import read_table, table_metadata

SUMMARY_COLUMNS = ("mean_abs_correlation", "max_abs_correlation", "mean_variance", "active_dims_kl", "dims_at_floor",
                   "active_dims_variance", "effective_dims", "dims_90pct_variance")


def disentanglement_rows(latents: Sequence[str | Path], histories: Sequence[str | Path], kl_threshold: float,
                         floor_margin: float = FLOOR_MARGIN, min_effective_dims: float = MIN_EFFECTIVE_DIMS) -> pd.DataFrame:
    """One row per model and seed; the free-bits floor of each is that of its own training settings."""
    rows = []
    for latents_path, history_path in zip(latents, histories):
        _, mean, info = read_latents(latents_path)
        kl_per_dim = table_metadata(read_table(history_path), "kl_per_dim")
        free_bits = float((info.get("training") or {}).get("free_bits") or 0.0)
        stats = disentanglement(mean, None if kl_per_dim is None else np.asarray(kl_per_dim), kl_threshold=kl_threshold,
                                free_bits=free_bits, floor_margin=floor_margin)
        row = stats.as_row()
        rows.append({
            "representation": info["representation"],
            "family": info["family"],
            "seed": info["seed"],
            "beta": info.get("beta"),
            "free_bits": free_bits,
            **{key: row[key] for key in ("latent_dim", *SUMMARY_COLUMNS) if key in row},
            **geometry_info(mean, min_effective_dims),
            "variance_per_dim": " ".join(f"{v:.4g}" for v in row["variance_per_dim"]),
        })
    return pd.DataFrame(rows)


def disentanglement_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean ± std over seeds per representation."""
    out = []
    for representation, group in rows.groupby("representation", sort=False):
        entry = {"representation": representation, "family": group["family"].iloc[0], "beta": group["beta"].iloc[0],
                 "seeds": len(group)}
        entry.update({column: mean_std(group[column], 3) for column in SUMMARY_COLUMNS if column in group})
        degenerate = int(group["degenerate"].astype(bool).sum()) if "degenerate" in group else 0
        entry["marks"] = f"degenerate ({degenerate}/{len(group)} seeds)" if degenerate else ""
        out.append(entry)
    return pd.DataFrame(out)
