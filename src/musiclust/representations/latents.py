"""``latents.parquet``: what every representation writes and what clustering reads.

Columns: ``track_id``, ``mean`` (the vector clustered) and, for variational models,
``logvar``; a multimodal model adds ``has_text`` (which tracks its text encoder saw). The schema
metadata keeps the representation's facts (family, dims, ...).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musiclust.tables import build_table, column_array, read_table, table_metadata, track_ids, write_table

MEAN = "mean"
LOGVAR = "logvar"


def write_latents(
    path: str | Path, ids: np.ndarray, mean: np.ndarray, *, logvar: np.ndarray | None = None, info: dict | None = None,
    columns: dict[str, np.ndarray] | None = None,
) -> None:
    """``columns``: plain per-track columns beside the vectors (e.g. ``has_text``)."""
    arrays = {MEAN: np.asarray(mean, dtype=np.float32)}
    if logvar is not None:
        arrays[LOGVAR] = np.asarray(logvar, dtype=np.float32)
    write_table(build_table(ids, arrays=arrays, columns=columns, metadata={"info": info or {}}), path)


def read_latents(path: str | Path) -> tuple[np.ndarray, np.ndarray, dict]:
    """``(track_ids, mean vectors, info)``."""
    table = read_table(path)
    return track_ids(table), column_array(table, MEAN), table_metadata(table, "info", {})
