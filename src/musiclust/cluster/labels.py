"""Genre labels of tracks, for the evaluation only: clustering never sees them."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from musiclust.parquet_tables import read_table


def genres_of(tracks_path: str | Path, ids: np.ndarray) -> np.ndarray:
    """The genre of each of ``ids`` (None where unknown), in the order of ``ids``."""
    table = read_table(tracks_path, columns=["track_id", "genre"]).to_pandas().set_index("track_id")
    genres = table["genre"].reindex(ids)
    return np.array([g if isinstance(g, str) else None for g in genres], dtype=object)
