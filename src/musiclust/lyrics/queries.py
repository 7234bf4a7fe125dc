"""What is known of each track to ask the providers: title, artist, and album and duration
when the dataset has them.

``tracks.parquet`` holds title and artist; FMA's ``tracks.csv`` (and the demo's, in the same
format) also has the album title and the track's duration, which LRCLIB's exact lookup and the
judge's duration check use. They are read here rather than added to ``tracks.parquet`` so that
track selection (and everything downstream of it) is untouched by the lyrics stage.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from musiclust.lyrics.types import Query
from musiclust.parquet_tables import read_table

_FMA_EXTRAS = {("album", "title"): "album", ("track", "duration"): "duration"}


def _value(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def read_fma_extras(tracks_csv: str | Path) -> pd.DataFrame:
    """Album title and duration (s) by track id from an FMA-format ``tracks.csv``."""
    raw = pd.read_csv(tracks_csv, index_col=0, header=[0, 1], low_memory=False)
    frame = pd.DataFrame(index=raw.index.astype("int64"))
    for column, name in _FMA_EXTRAS.items():
        frame[name] = raw[column] if column in raw.columns else None
    return frame


def build_queries(tracks_parquet: str | Path, tracks_csv: str | Path | None = None) -> list[Query]:
    """One query per selected track, in ``tracks.parquet``'s order."""
    tracks = read_table(tracks_parquet).to_pandas()
    columns = set(tracks.columns)
    extras = read_fma_extras(tracks_csv) if tracks_csv and Path(tracks_csv).exists() else None
    queries = []
    for row in tracks.to_dict("records"):
        track_id = int(row["track_id"])
        album = _value(row.get("album")) if "album" in columns else None
        duration = _value(row.get("duration")) if "duration" in columns else None
        if extras is not None and track_id in extras.index:
            album = album or _value(extras.at[track_id, "album"])
            duration = duration or _value(extras.at[track_id, "duration"])
        queries.append(Query(
            track_id=track_id,
            title=_value(row.get("title")),
            artist=_value(row.get("artist")),
            album=str(album) if album is not None else None,
            duration=float(duration) if duration is not None and float(duration) > 0 else None,
        ))
    return queries
