"""The features a representation reads, whatever their source: ``(track_ids, array)``.

Audio features are sharded tables (one array column named by the kind), a feature table's
columns are one shard of kind ``table``, and a text embedding ``{source}-{encoder}`` is one
table (column ``embedding``) written by the text rules.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from musiclust.representations.registry import TABLE_FEATURES, feature_source
from musiclust.parquet_tables import read_array_shards
from musiclust.text.store import EMBEDDING, read_text_features


def feature_column(features: str) -> str:
    """The array column holding feature kind ``features`` in its shards (or text table)."""
    return {"table": TABLE_FEATURES, "text": EMBEDDING}.get(feature_source(features), features)


def read_features(paths: Sequence[str | os.PathLike], features: str) -> tuple[np.ndarray, np.ndarray]:
    """Track ids and feature arrays ``(n, *shape)`` of ``features`` from the files ``paths``."""
    source = feature_source(features)
    if source == "text":
        if len(paths) != 1:
            raise ValueError(f"text features {features!r} come from one table, got {len(paths)} paths")
        return read_text_features(paths[0])
    return read_array_shards(list(paths), feature_column(features))
