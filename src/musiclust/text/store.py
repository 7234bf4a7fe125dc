"""Text embeddings on disk, and how representations name them.

``results/{dataset}/text/{source}-{encoder}.parquet``: ``track_id`` (int64), ``embedding`` (a
fixed-size list column, its shape in the schema metadata) and ``source_used`` (``lyrics`` or
``metadata``), one row per track that has text in that source. The schema metadata also
records the source, the encoder's name and settings, and the number of tracks left out.

A representation reads a text embedding as a feature kind named ``{source}-{encoder}`` (e.g.
``metadata-minilm``): :func:`text_feature_path` gives the file, :func:`read_text_features`
the arrays, like the audio feature shards give theirs.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa

from musiclust.parquet_tables import build_table, column_array, read_table, table_metadata, track_ids, write_table
from musiclust.text.sources import SOURCES

EMBEDDING = "embedding"
SOURCE_USED = "source_used"
_NAME = re.compile(rf"^({'|'.join(SOURCES)})-([A-Za-z0-9_]+)$")


def parse_text_feature(name: str) -> tuple[str, str] | None:
    """``"lyrics_or_metadata-minilm"`` → ``("lyrics_or_metadata", "minilm")``; None if not a text feature."""
    match = _NAME.match(name)
    return (match.group(1), match.group(2)) if match else None


def is_text_feature(name: str) -> bool:
    return parse_text_feature(name) is not None


def text_feature_name(source: str, encoder: str) -> str:
    name = f"{source}-{encoder}"
    if parse_text_feature(name) is None:
        raise ValueError(f"not a text feature: source {source!r} (known: {', '.join(SOURCES)}), encoder {encoder!r}")
    return name


def text_feature_path(dataset_dir: str | os.PathLike, name: str) -> str:
    """Where the text feature ``name`` (``{source}-{encoder}``) of a dataset lives."""
    if parse_text_feature(name) is None:
        raise ValueError(
            f"{name!r} is not a text feature name: expected {{source}}-{{encoder}} with source one of "
            f"{', '.join(SOURCES)}"
        )
    return f"{dataset_dir}/text/{name}.parquet"


def write_text_embeddings(
    path: str | os.PathLike,
    track_ids_: np.ndarray,
    embeddings: np.ndarray,
    source_used: list[str],
    metadata: Mapping[str, object] | None = None,
) -> None:
    embeddings = np.asarray(embeddings, dtype=np.float32)
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings must be (n_tracks, dim), got shape {embeddings.shape}")
    table = build_table(
        track_ids_,
        arrays={EMBEDDING: embeddings},
        columns={SOURCE_USED: pa.array(list(source_used), type=pa.string())},
        metadata=metadata,
    )
    write_table(table, path)


def read_text_features(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(track_ids, embeddings)``: int64 ``(n,)`` and float32 ``(n, dim)``."""
    table = read_table(path)
    if table.num_rows == 0:
        shape = table_metadata(table, f"shape:{EMBEDDING}", [0])
        return np.empty(0, dtype=np.int64), np.empty((0, *shape), dtype=np.float32)
    return track_ids(table), column_array(table, EMBEDDING).astype(np.float32, copy=False)


def read_source_used(path: str | os.PathLike) -> dict[int, str]:
    table = read_table(path, columns=["track_id", SOURCE_USED])
    return dict(zip(track_ids(table).tolist(), table.column(SOURCE_USED).to_pylist()))


def embedding_metadata(path: str | Path) -> dict:
    """The settings a text embedding table was made with (source, encoder, dims, exclusions)."""
    table = read_table(path, columns=["track_id"])
    return {key.decode(): table_metadata(table, key.decode()) for key in (table.schema.metadata or {})
            if not key.startswith(b"shape:")}


def write_source_texts(path: str | os.PathLike, texts, metadata: Mapping[str, object] | None = None) -> None:
    """``text/sources/{source}.parquet``: ``track_id``, ``text``, ``source_used`` (a frame from build_source)."""
    table = build_table(
        texts["track_id"].to_numpy(dtype=np.int64),
        columns={
            "text": pa.array(texts["text"].tolist(), type=pa.string()),
            SOURCE_USED: pa.array(texts["source_used"].tolist(), type=pa.string()),
        },
        metadata=metadata,
    )
    write_table(table, path)


def read_source_texts(path: str | os.PathLike):
    """The frame :func:`write_source_texts` wrote, plus its schema metadata."""
    table = read_table(path)
    metadata = {key.decode(): table_metadata(table, key.decode()) for key in (table.schema.metadata or {})}
    return table.to_pandas(), metadata


def text_source_inputs(dataset_dir: str, resources_dir: str, dataset: str, kind: str, source: str) -> dict[str, str]:
    """What the texts of ``source`` are made from: tracks.parquet, and for the lyrics sources the
    lyrics, fetched (``text/lyrics.parquet``) or, for a corpus whose lyrics are the data
    (``synthetic_lyrics``), its own file."""
    inputs = {"tracks": f"{dataset_dir}/tracks.parquet"}
    if source != "metadata":
        if kind == "synthetic_lyrics":  # nothing to fetch
            inputs["lyrics_jsonl"] = f"{resources_dir}/{dataset}/lyrics.jsonl"
        else:
            inputs["lyrics"] = f"{dataset_dir}/text/lyrics.parquet"
    return inputs
