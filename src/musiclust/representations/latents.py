"""``latents.parquet``: what every representation writes and what clustering reads.

Columns: ``track_id``, ``mean`` (the vector clustered) and, for variational models,
``logvar``; a multimodal model adds ``has_text`` (which tracks its text encoder saw), a model that
clusters by itself (``vade``, ``conv_vade``) ``mixture_component`` (its prior's most responsible
component per track: its own clusters). The schema metadata keeps the representation's facts
(family, dims, ..., ``n_components``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musiclust.parquet_tables import build_table, column_array, read_table, table_metadata, track_ids, write_table

MEAN = "mean"
LOGVAR = "logvar"
MIXTURE_COMPONENT = "mixture_component"
# The algorithm name a model's own clusters take in the evaluation, beside those run on its latents.
OWN_CLUSTERS = "vade"


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


def read_own_clusters(path: str | Path) -> dict[str, tuple[np.ndarray, int]]:
    """A model's own clusters, ``{OWN_CLUSTERS: (label per track, number of components)}``, in the
    rows' order; empty when the latents have none (every family but the mixture-prior ones)."""
    table = read_table(path)
    if MIXTURE_COMPONENT not in table.column_names:
        return {}
    labels = table.column(MIXTURE_COMPONENT).to_numpy().astype(np.int32)
    n_components = table_metadata(table, "info", {}).get("n_components")
    if not isinstance(n_components, int):
        raise ValueError(f"{path}: has a {MIXTURE_COMPONENT} column but no n_components in its info metadata")
    return {OWN_CLUSTERS: (labels, n_components)}
