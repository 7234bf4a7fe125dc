"""A dataset of precomputed features: a Parquet or CSV table a researcher already has.

Columns: ``track_id`` (integers, unique), optional ``genre``, ``title``, ``artist`` (and any of
``split``, ``language``), and numeric feature columns, which become the feature kind
``table`` that any representation can read (``features: table``). Every problem is named
before anything runs on it: a missing ``track_id``, non-numeric feature columns, NaN or
infinite values, duplicate ids. The file is read in batches of rows (Parquet record batches,
CSV chunks): selection reads its labels only, the feature job keeps the selected rows only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from musiclust.parquet_tables import build_table

TABLE_FEATURES = "table"
LABEL_COLUMNS = ("genre", "title", "artist", "split", "language")
# Rows read at a time: 10,000 rows of FMA's 518 statistics are 40 MB as float64.
BATCH_ROWS = 10_000


class FeatureTableError(ValueError):
    """The feature table cannot be used; the message says which column or rows and why."""


def _columns(path: Path) -> list[str]:
    """The table's columns, from its schema or header (before any row is read)."""
    if not path.is_file():
        raise FeatureTableError(f"feature table {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return list(pq.ParquetFile(path).schema_arrow.names)
    if suffix in (".csv", ".tsv"):
        return list(pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=0).columns)
    raise FeatureTableError(f"feature table {path}: unknown format {suffix!r} (use .parquet, .csv or .tsv)")


def _batches(path: Path, batch_rows: int) -> Iterator[pd.DataFrame]:
    """The table ``batch_rows`` rows at a time (Parquet record batches, CSV chunks)."""
    if path.suffix.lower() == ".parquet":
        for batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            yield batch.to_pandas()
    else:
        yield from pd.read_csv(path, sep="\t" if path.suffix.lower() == ".tsv" else ",", chunksize=batch_rows)


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


def read_feature_table(path: str | Path, track_ids: Iterable[int] | None = None, *, with_features: bool = True,
                       batch_rows: int = BATCH_ROWS) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """``(tracks, features)``, both indexed by ``track_id``: the label columns (None where
    absent) of every row, and the numeric feature columns (float32, in the table's column
    order) of the rows in ``track_ids`` (all when None; no features when ``with_features`` is
    false). The file is read and checked ``batch_rows`` rows at a time: only the features kept
    are ever held whole."""
    path = Path(path)
    columns = _columns(path)
    if "track_id" not in columns:
        raise FeatureTableError(f"feature table {path}: no track_id column (columns: {_examples(columns)})")
    feature_columns = [c for c in columns if c not in LABEL_COLUMNS and c != "track_id"]
    if not feature_columns:
        raise FeatureTableError(f"feature table {path}: no feature columns besides {', '.join(LABEL_COLUMNS)}")
    wanted = None if track_ids is None else np.unique(np.asarray(list(track_ids), dtype=np.int64))
    all_ids, labels, kept = [], [], []
    bad_count, bad_columns, bad_rows = 0, set(), []
    for frame in _batches(path, batch_rows):
        ids = pd.to_numeric(frame["track_id"], errors="coerce")
        if ids.isna().any() or (ids != ids.round()).any():
            bad = frame.loc[ids.isna() | (ids != ids.round()), "track_id"]
            raise FeatureTableError(f"feature table {path}: track_id must be integers; found {_examples(bad)}")
        ids = ids.astype("int64").to_numpy()
        all_ids.append(ids)
        non_numeric = [c for c in feature_columns if not pd.api.types.is_numeric_dtype(frame[c])
                       or pd.api.types.is_bool_dtype(frame[c])]
        if non_numeric:
            raise FeatureTableError(
                f"feature table {path}: non-numeric feature column(s) {_examples(non_numeric)}; label columns may be "
                f"only {', '.join(LABEL_COLUMNS)}")
        values = frame[feature_columns].to_numpy(dtype=np.float64)
        bad = ~np.isfinite(values)
        if bad.any():
            bad_count += int(bad.sum())
            bad_columns.update(np.flatnonzero(bad.any(axis=0)).tolist())
            bad_rows.extend(ids[bad.any(axis=1)].tolist())
        batch_labels = pd.DataFrame(index=pd.Index(ids, name="track_id"))
        for column in LABEL_COLUMNS:
            # Numeric genre codes are labels too: compare them as strings.
            source = frame[column] if column in frame else [None] * len(frame)
            batch_labels[column] = pd.Series([_label(v) for v in source], index=batch_labels.index, dtype=object)
        labels.append(batch_labels)
        if with_features:
            rows = slice(None) if wanted is None else np.isin(ids, wanted)
            kept.append((ids[rows], values[rows].astype(np.float32)))
        del frame, values, bad
    every_id = np.concatenate(all_ids) if all_ids else np.empty(0, dtype=np.int64)
    repeated = pd.Series(every_id).duplicated()
    if repeated.any():
        raise FeatureTableError(f"feature table {path}: duplicate track_id {_examples(pd.unique(every_id[repeated]))}")
    if bad_count:
        names = [feature_columns[i] for i in sorted(bad_columns)]
        raise FeatureTableError(f"feature table {path}: {bad_count} NaN or infinite value(s) in column(s) "
                                f"{_examples(names)} (track_id {_examples(bad_rows)}); fill or drop them first")
    tracks = pd.concat(labels) if labels else pd.DataFrame(columns=list(LABEL_COLUMNS),
                                                           index=pd.Index([], dtype="int64", name="track_id"))
    tracks["audio_path"] = None
    tracks["subset"] = None
    if not with_features:
        return tracks, None
    ids = np.concatenate([k[0] for k in kept]) if kept else np.empty(0, dtype=np.int64)
    values = np.concatenate([k[1] for k in kept]) if kept else np.empty((0, len(feature_columns)), np.float32)
    return tracks, pd.DataFrame(values, index=pd.Index(ids, name="track_id"), columns=feature_columns)


def feature_table_shard(path: str | Path, track_ids: np.ndarray) -> object:
    """The ``table`` feature kind for the selected tracks, as a feature shard (pyarrow table)."""
    track_ids = np.asarray(track_ids, dtype=np.int64)
    tracks, features = read_feature_table(path, track_ids)
    values, columns = features.loc[track_ids].to_numpy(), list(features.columns)
    del tracks, features  # (before the shard's own copy)
    return build_table(track_ids, arrays={TABLE_FEATURES: values}, metadata={"kind": TABLE_FEATURES, "columns": columns})
