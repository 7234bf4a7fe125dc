"""Features larger than memory: a budget, lazily read shards, and a memory-mapped copy.

A representation job knows the size of its features from the shards' footers before reading
any of them (``FeatureShards``). Under the budget (``resources.memory_budget_mb``) it reads
them whole, as before; over it, PCA fits incrementally on batches and training reads its
rows from a memory-mapped ``.npy`` written shard by shard, so the job's own memory stays
near one shard whatever the number of tracks.
"""

from __future__ import annotations

import errno
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from musiclust.representations.inputs import feature_column, read_features
from musiclust.representations.registry import feature_source
from musiclust.parquet_tables import iter_array_shards, shards_size

# Working copies a fit makes beside its input (flattened float32, standardised copy, the
# solver's own): an in-memory PCA needs about this many times the features' size (measured:
# 4.6 times on 25,000 128×128 spectrograms, benchmarks/memory.py).
IN_MEMORY_COPIES = 5
# What a job takes before its data: interpreter, NumPy, scikit-learn, torch.
BASE_MB = 1000
_MB = 1024 * 1024


@dataclass(frozen=True)
class MemoryBudget:
    """The memory a job may use for its features, in MiB (None: no limit, always in memory)."""

    mb: float | None = None

    def fits(self, nbytes: int, copies: int = IN_MEMORY_COPIES) -> bool:
        return self.mb is None or copies * nbytes <= self.mb * _MB

    def batch_rows(self, row_bytes: int, minimum: int = 1, share: int = 16) -> int:
        """Rows of a batch taking ``1/share`` of the budget (at least ``minimum``)."""
        if self.mb is None:
            return max(minimum, 4096)
        return max(minimum, int(self.mb * _MB / share // max(row_bytes, 1)))


@dataclass(frozen=True)
class FeatureShards:
    """The array column ``column`` of Parquet shards, sized without reading them."""

    paths: tuple[str, ...]
    column: str

    def __post_init__(self) -> None:
        rows, shape = shards_size(list(self.paths), self.column)
        object.__setattr__(self, "n_rows", rows)
        object.__setattr__(self, "shape", shape)

    @property
    def row_bytes(self) -> int:
        return 4 * math.prod(self.shape)  # float32

    @property
    def nbytes(self) -> int:
        return self.n_rows * self.row_bytes

    def batches(self, batch_rows: int | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(track_ids, float32 values)`` a shard (or ``batch_rows`` rows of one) at a time."""
        for ids, values in iter_array_shards(list(self.paths), self.column, batch_rows):
            yield ids, values.astype(np.float32, copy=False)

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        parts = list(self.batches())
        if not parts:
            return np.empty(0, dtype=np.int64), np.empty((0, *self.shape), dtype=np.float32)
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def memory_map(self, path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
        """Write every row to the ``.npy`` file ``path``, shard by shard, and map it read-only:
        ``(track_ids, memmap (n, *shape))``. Pages are read on demand and, being backed by the
        file, can always be dropped by the kernel: no out-of-memory kill, whatever the size."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        target = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(self.n_rows, *self.shape))
        ids = np.empty(self.n_rows, dtype=np.int64)
        start = 0
        for shard_ids, values in self.batches():
            target[start:start + len(values)] = values
            ids[start:start + len(values)] = shard_ids
            start += len(values)
        target.flush()
        del target
        # Copy-on-write: writable for torch.from_numpy, yet nothing is ever written back.
        return ids, np.load(path, mmap_mode="c")


def declared_mem_mb(paths: Sequence[str | os.PathLike], features: str, budget_mb: float | None,
                    copies: int = IN_MEMORY_COPIES) -> int:
    """The memory (MiB) to declare for a job holding ``copies`` of ``features``: grows with the
    data (rows and shape from the shards' footers), capped where the job streams instead. A
    missing file raises FileNotFoundError naming it (Snakemake then decides when it exists)."""
    for path in paths:
        if not Path(path).exists():
            raise FileNotFoundError(errno.ENOENT, "feature file not written yet", str(path))
    data_mb = copies * feature_shards(paths, feature_column(features)).nbytes / _MB
    if budget_mb is not None:
        data_mb = min(data_mb, budget_mb)
    return int(math.ceil(BASE_MB + data_mb))


def rebatched(arrays: Iterable[np.ndarray], rows: int) -> Iterator[np.ndarray]:
    """The rows of ``arrays`` in batches of ``rows``; the last batch takes the remainder
    (``rows`` to ``2·rows − 1`` rows), so no batch is shorter than ``rows`` unless all are."""
    pending: list[np.ndarray] = []
    held = 0
    for array in arrays:
        pending.append(array)
        held += len(array)
        while held >= 2 * rows:
            joined = np.concatenate(pending)
            yield joined[:rows]
            pending, held = [joined[rows:]], held - rows
    if held:
        yield np.concatenate(pending)


def feature_shards(paths: Sequence[str | os.PathLike], column: str) -> FeatureShards:
    return FeatureShards(tuple(str(p) for p in paths), column)


def load_features(paths: Sequence[str | os.PathLike], features: str, budget: MemoryBudget,
                  spill: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """``(track_ids, values)`` of ``features``: in memory under the budget, else memory-mapped
    from ``spill`` (a ``.npy`` the caller deletes when done). Text embeddings are one small table."""
    if feature_source(features) == "text":
        return read_features(paths, features)
    shards = feature_shards(paths, feature_column(features))
    if budget.fits(shards.nbytes, copies=2):  # the array, and the standardised copy of vectors
        return read_features(paths, features)
    return shards.memory_map(spill)
