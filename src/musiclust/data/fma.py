"""The Free Music Archive's metadata: reading ``tracks.csv`` and laying out audio paths.

Facts about FMA this module respects:

- ``tracks.csv`` has a two-row column header (``('track', 'title')``, ``('artist', 'name')``, ...)
  followed by a ``track_id`` line naming the index.
- ``('track', 'genre_top')`` is empty for tracks whose genres span several root genres.
- ``('set', 'subset')`` is ordered: small ⊂ medium ⊂ large, so a "small" track belongs to the
  medium and large sets too.
- A few clips of fma_small are empty or only a fraction of a second long.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from musiclust.data.catalog import KNOWN_BROKEN_FMA_TRACKS

SUBSETS = ("small", "medium", "large")

# (top, sub) column of tracks.csv → column name in musiclust's track table.
_COLUMNS = {
    ("track", "title"): "title",
    ("artist", "name"): "artist",
    ("track", "genre_top"): "genre",
    ("set", "subset"): "subset",
    ("set", "split"): "split",
    ("track", "language_code"): "language",
}


def read_tracks_csv(path: str | Path) -> pd.DataFrame:
    """FMA's ``tracks.csv`` as a flat frame indexed by ``track_id``.

    Columns: title, artist, genre (None where FMA leaves genre_top empty), subset (ordered
    categorical small < medium < large), split, language.
    """
    raw = pd.read_csv(path, index_col=0, header=[0, 1], low_memory=False)
    missing = [col for col in _COLUMNS if col not in raw.columns and col[1] != "language_code"]
    if missing:
        raise ValueError(f"{path}: not an FMA tracks.csv, columns missing: {missing}")
    frame = pd.DataFrame(index=raw.index.astype("int64"))
    frame.index.name = "track_id"
    for column, name in _COLUMNS.items():
        frame[name] = raw[column] if column in raw.columns else None
    for name in ("title", "artist", "genre", "split", "language"):
        frame[name] = frame[name].astype("object").where(frame[name].notna(), None)
    frame["subset"] = pd.Categorical(frame["subset"], categories=SUBSETS, ordered=True)
    return frame


def audio_relpath(track_id: int, extension: str = "mp3") -> str:
    """FMA's layout: track 2 → ``000/000002.mp3``, track 12345 → ``012/012345.mp3``."""
    name = f"{int(track_id):06d}"
    return f"{name[:3]}/{name}.{extension}"


def fma_exclusions(kind: str) -> frozenset[int]:
    """Tracks known to be unusable in a dataset of this kind."""
    return KNOWN_BROKEN_FMA_TRACKS if kind == "fma" else frozenset()
