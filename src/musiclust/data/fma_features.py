"""FMA's precomputed audio features, ``fma_metadata/features.csv``, as the feature kind ``fma_features``.

The file holds 518 librosa features of every one of FMA's 106,574 tracks, so the whole of FMA
can be clustered from ``fma_metadata.zip`` alone (no 93 GiB of audio). Its layout:

- a three-row column header: ``feature`` (the group: ``mfcc``, ``chroma_cens``, ...),
  ``statistics`` (``kurtosis``, ``max``, ``mean``, ``median``, ``min``, ``skew``, ``std``) and
  ``number`` (``01``, ``02``, ... within the group), each row starting with its own name;
- a ``track_id`` row naming the index column, then one row of numbers a track.

Columns are named ``{feature}/{statistics}/{number}`` here; a config may keep only some groups.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.parquet_tables import build_table

FMA_FEATURES = "fma_features"
FEATURES_CSV = "features.csv"
# The groups of FMA's features.csv and their width (values × 7 statistics): 518 in all.
FEATURE_GROUPS = {
    "chroma_cens": 84, "chroma_cqt": 84, "chroma_stft": 84, "mfcc": 140, "rmse": 7, "spectral_bandwidth": 7,
    "spectral_centroid": 7, "spectral_contrast": 49, "spectral_rolloff": 7, "tonnetz": 42, "zcr": 7,
}
STATISTICS = ("kurtosis", "max", "mean", "median", "min", "skew", "std")
_HEADER_ROWS = ("feature", "statistics", "number")


class FmaFeaturesError(ValueError):
    """features.csv cannot be used as it is; the message says what is wrong and where."""


def read_header(path: str | os.PathLike) -> list[str]:
    """The feature columns' names, ``{feature}/{statistics}/{number}``, from the header rows."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [next(csv.reader([handle.readline()])) for _ in range(len(_HEADER_ROWS) + 1)]
    for row, name in zip(rows, (*_HEADER_ROWS, "track_id")):
        if not row or row[0] != name:
            raise FmaFeaturesError(
                f"{path}: not FMA's features.csv: expected a header row starting with {name!r}, found "
                f"{row[:1] or 'an empty line'} (rows: feature, statistics, number, then track_id)")
    widths = {len(row) for row in rows[:3]}
    if len(widths) != 1:
        raise FmaFeaturesError(f"{path}: the three header rows have different lengths {sorted(widths)}")
    return ["/".join(parts) for parts in zip(*(row[1:] for row in rows[:3]))]


def read_fma_features(path: str | os.PathLike, groups: Sequence[str] | None = None) -> pd.DataFrame:
    """``features.csv`` as float32 columns ``{feature}/{statistics}/{number}`` indexed by
    ``track_id``, only the feature ``groups`` asked for (None: all, in the file's order)."""
    path = Path(path)
    if not path.is_file():
        raise FmaFeaturesError(f"{path} does not exist (FMA's features.csv comes in fma_metadata.zip)")
    names = read_header(path)
    present = list(dict.fromkeys(name.split("/", 1)[0] for name in names))
    if groups is not None:
        unknown = [g for g in groups if g not in present]
        if unknown:
            raise FmaFeaturesError(f"{path}: feature group(s) {unknown} not in the file (it has: {', '.join(present)})")
    keep = [i for i, name in enumerate(names) if groups is None or name.split("/", 1)[0] in groups]
    frame = pd.read_csv(path, skiprows=len(_HEADER_ROWS) + 1, header=None, index_col=0,
                        usecols=[0, *(i + 1 for i in keep)], dtype={i + 1: np.float32 for i in keep})
    frame.columns = [names[i] for i in keep]
    frame.index = frame.index.astype(np.int64).rename("track_id")
    bad = ~np.isfinite(frame.to_numpy())
    if bad.any():
        rows = frame.index[bad.any(axis=1)].tolist()
        raise FmaFeaturesError(f"{path}: {int(bad.sum())} missing or infinite value(s), track_id {rows[:5]}")
    return frame


def fma_features_shard(path: str | os.PathLike, track_ids: np.ndarray, groups: Sequence[str] | None = None):
    """The ``fma_features`` of the selected tracks as one feature shard (pyarrow table)."""
    frame = read_fma_features(path, groups)
    ids = np.asarray(track_ids, dtype=np.int64)
    missing = np.setdiff1d(ids, frame.index.to_numpy())
    if len(missing):
        raise FmaFeaturesError(f"{path}: no features for {len(missing)} selected track(s), track_id "
                               f"{missing[:5].tolist()}; is it the features.csv of this dataset?")
    values = frame.loc[ids].to_numpy(dtype=np.float32)
    return build_table(ids, arrays={FMA_FEATURES: values}, metadata={"kind": FMA_FEATURES, "columns": list(frame.columns)})


def features_csv_text(frame: pd.DataFrame) -> str:
    """``frame`` (columns ``{feature}/{statistics}/{number}``, indexed by track_id) in FMA's layout."""
    parts = [name.split("/") for name in frame.columns]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for position, label in enumerate(_HEADER_ROWS):
        writer.writerow([label, *(p[position] for p in parts)])
    writer.writerow(["track_id", *([""] * len(parts))])
    for track_id, row in zip(frame.index, frame.to_numpy()):
        writer.writerow([int(track_id), *(f"{v:.6e}" for v in row)])
    return out.getvalue()


def feature_columns(groups: Sequence[str] | None = None) -> list[str]:
    """FMA's column names (its order: groups, then statistics, then number), for writers of the format."""
    columns = []
    for group, width in FEATURE_GROUPS.items():
        if groups is not None and group not in groups:
            continue
        per_statistic = width // len(STATISTICS)
        columns += [f"{group}/{stat}/{n:02d}" for stat in STATISTICS for n in range(1, per_statistic + 1)]
    return columns
