"""Parquet tables keyed by ``track_id``, with arrays in fixed-size list columns.

The contract every rule relies on: a table has an int64 ``track_id`` column; an array per
track is stored flattened in a ``FixedSizeList`` column whose per-track shape is recorded in
the schema metadata under ``shape:<column>`` (JSON). A reader gets back ``(n_tracks, *shape)``
without guessing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

TRACK_ID = "track_id"
_SHAPE_KEY = "shape:{}"


def array_column(values: np.ndarray) -> pa.FixedSizeListArray:
    """One fixed-size list per row from an array of shape ``(n_rows, *shape)``."""
    values = np.ascontiguousarray(values)
    n_rows = values.shape[0]
    width = int(np.prod(values.shape[1:], dtype=np.int64)) if values.ndim > 1 else 1
    flat = pa.array(values.reshape(n_rows * width))
    return pa.FixedSizeListArray.from_arrays(flat, width)


def build_table(
    track_ids: np.ndarray,
    arrays: Mapping[str, np.ndarray] | None = None,
    columns: Mapping[str, object] | None = None,
    metadata: Mapping[str, object] | None = None,
) -> pa.Table:
    """A table with ``track_id``, array columns (shape recorded) and plain columns."""
    track_ids = np.asarray(track_ids, dtype=np.int64)
    names: list[str] = [TRACK_ID]
    data: list[pa.Array] = [pa.array(track_ids, type=pa.int64())]
    meta: dict[bytes, bytes] = {}
    for name, values in (arrays or {}).items():
        values = np.asarray(values)
        if values.shape[0] != len(track_ids):
            raise ValueError(f"column {name!r} has {values.shape[0]} rows, expected {len(track_ids)}")
        names.append(name)
        data.append(array_column(values))
        meta[_SHAPE_KEY.format(name).encode()] = json.dumps(list(values.shape[1:])).encode()
    for name, values in (columns or {}).items():
        names.append(name)
        data.append(values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values))
    for key, value in (metadata or {}).items():
        meta[key.encode()] = json.dumps(value).encode()
    table = pa.table(data, names=names)
    return table.replace_schema_metadata(meta)


def write_table(table: pa.Table, path: str | os.PathLike) -> None:
    """Write atomically: a crash never leaves a half-written table at ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def read_table(path: str | os.PathLike, columns: list[str] | None = None) -> pa.Table:
    return pq.read_table(path, columns=columns)


def array_shape(table: pa.Table | pa.Schema, name: str) -> tuple[int, ...]:
    """The per-track shape of array column ``name`` (of a table, or a schema read from a footer)."""
    schema = table if isinstance(table, pa.Schema) else table.schema
    raw = (schema.metadata or {}).get(_SHAPE_KEY.format(name).encode())
    if raw is None:
        raise KeyError(f"column {name!r} has no recorded shape in the table's schema metadata")
    return tuple(json.loads(raw))


def column_array(table: pa.Table, name: str) -> np.ndarray:
    """The array column ``name`` as ``(n_rows, *shape)``."""
    shape = array_shape(table, name)
    column = table.column(name).combine_chunks()
    flat = column.flatten().to_numpy(zero_copy_only=False)
    return flat.reshape((table.num_rows, *shape))


def table_metadata(table: pa.Table, key: str, default: object = None) -> object:
    raw = (table.schema.metadata or {}).get(key.encode())
    return default if raw is None else json.loads(raw)


def track_ids(table: pa.Table) -> np.ndarray:
    return table.column(TRACK_ID).to_numpy().astype(np.int64)


def read_array_shards(paths: list[str | os.PathLike], name: str) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the array column ``name`` of several shards: ``(track_ids, values)``."""
    ids, values = [], []
    for path in paths:
        table = read_table(path)
        if table.num_rows == 0:
            continue
        ids.append(track_ids(table))
        values.append(column_array(table, name))
    if not ids:
        return np.empty(0, dtype=np.int64), np.empty((0,), dtype=np.float32)
    return np.concatenate(ids), np.concatenate(values)


def shards_size(paths: list[str | os.PathLike], name: str) -> tuple[int, tuple[int, ...]]:
    """Rows over all shards and the per-track shape of ``name``, read from the footers only."""
    if not paths:
        raise ValueError(f"no shards of {name!r} to read")
    rows = sum(pq.read_metadata(path).num_rows for path in paths)
    return rows, array_shape(pq.read_schema(paths[0]), name)


def iter_array_shards(paths: list[str | os.PathLike], name: str,
                      batch_rows: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(track_ids, values)`` of the array column ``name``, one shard (or ``batch_rows`` rows
    of one) at a time, in order: what ``read_array_shards`` concatenates, without holding it all."""
    for path in paths:
        source = pq.ParquetFile(path)
        if source.metadata.num_rows == 0:
            continue
        shape = array_shape(source.schema_arrow, name)
        for batch in source.iter_batches(batch_size=batch_rows or source.metadata.num_rows,
                                         columns=[TRACK_ID, name]):
            table = pa.Table.from_batches([batch])
            flat = table.column(name).combine_chunks().flatten().to_numpy(zero_copy_only=False)
            yield track_ids(table), flat.reshape((table.num_rows, *shape))
