"""A dataset of precomputed features: a Parquet or CSV table a researcher already has.

Columns: ``track_id`` (integers, unique), optional ``genre``, ``title``, ``artist`` (and any of
``split``, ``language``), and numeric feature columns, which become the feature kind
``table`` that any representation can read (``features: table``). Every problem is named
before anything runs on it: a missing ``track_id``, non-numeric feature columns, NaN or
infinite values, duplicate ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.tables import build_table

TABLE_FEATURES = "table"
LABEL_COLUMNS = ("genre", "title", "artist", "split", "language")


class FeatureTableError(ValueError):
    """The feature table cannot be used; the message says which column or rows and why."""


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FeatureTableError(f"feature table {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".csv", ".tsv"):
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",")
    raise FeatureTableError(f"feature table {path}: unknown format {suffix!r} (use .parquet, .csv or .tsv)")


def _examples(values) -> str:
    values = list(values)
    return ", ".join(map(str, values[:5])) + (f" and {len(values) - 5} more" if len(values) > 5 else "")


def _label(value) -> str | None:
    """A label as text; numeric codes (read as floats beside missing values) without ``.0``."""
    if pd.isna(value):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_feature_table(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(tracks, features)``, both indexed by ``track_id``: the label columns (None where
    absent) and the numeric feature columns (float32), in the table's column order."""
    path = Path(path)
    frame = _read(path)
    if "track_id" not in frame:
        raise FeatureTableError(f"feature table {path}: no track_id column (columns: {_examples(frame.columns)})")
    ids = pd.to_numeric(frame["track_id"], errors="coerce")
    if ids.isna().any() or (ids != ids.round()).any():
        bad = frame.loc[ids.isna() | (ids != ids.round()), "track_id"]
        raise FeatureTableError(f"feature table {path}: track_id must be integers; found {_examples(bad)}")
    duplicated = ids[ids.duplicated()].unique()
    if len(duplicated):
        raise FeatureTableError(f"feature table {path}: duplicate track_id {_examples(duplicated)}")
    frame = frame.set_index(ids.astype("int64").rename("track_id")).drop(columns="track_id")
    feature_columns = [c for c in frame.columns if c not in LABEL_COLUMNS]
    if not feature_columns:
        raise FeatureTableError(f"feature table {path}: no feature columns besides {', '.join(LABEL_COLUMNS)}")
    non_numeric = [c for c in feature_columns if not pd.api.types.is_numeric_dtype(frame[c])
                   or pd.api.types.is_bool_dtype(frame[c])]
    if non_numeric:
        raise FeatureTableError(
            f"feature table {path}: non-numeric feature column(s) {_examples(non_numeric)}; label columns may be "
            f"only {', '.join(LABEL_COLUMNS)}")
    features = frame[feature_columns].astype(np.float64)
    bad = ~np.isfinite(features.to_numpy())
    if bad.any():
        columns = [c for c, flag in zip(feature_columns, bad.any(axis=0)) if flag]
        rows = features.index[bad.any(axis=1)]
        raise FeatureTableError(f"feature table {path}: {int(bad.sum())} NaN or infinite value(s) in column(s) "
                                f"{_examples(columns)} (track_id {_examples(rows)}); fill or drop them first")
    tracks = pd.DataFrame(index=frame.index)
    for column in LABEL_COLUMNS:
        values = frame[column] if column in frame else pd.Series(None, index=frame.index, dtype=object)
        # Numeric genre codes are labels too: compare them as strings.
        tracks[column] = pd.Series([_label(v) for v in values], index=frame.index, dtype=object)
    tracks["audio_path"] = None
    tracks["subset"] = None
    return tracks, features.astype(np.float32)


def feature_table_shard(path: str | Path, track_ids: np.ndarray) -> object:
    """The ``table`` feature kind for the selected tracks, as a feature shard (pyarrow table)."""
    _, features = read_feature_table(path)
    values = features.loc[np.asarray(track_ids, dtype=np.int64)].to_numpy()
    return build_table(np.asarray(track_ids, dtype=np.int64), arrays={TABLE_FEATURES: values},
                       metadata={"kind": TABLE_FEATURES, "columns": list(features.columns)})
