"""Shard-level feature work: decode a shard of tracks, compute one feature kind for a shard.

A shard job uses its threads through a thread pool (see ``parallel_map``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pyarrow as pa
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from musiclust.features.decode import DecodeSettings, UnusableTrack, decode_window, from_pcm16, to_pcm16
from musiclust.features.spectral import extract
from musiclust.tables import build_table, column_array, table_metadata, track_ids

log = logging.getLogger("musiclust.features")

AUDIO_COLUMN = "audio"
FAILURE_COLUMNS = ("stage", "reason", "detail")


def parallel_map(function: Callable, items: Sequence, workers: int, desc: str, progress: bool = True) -> list:
    """``[function(item) for item in items]`` on ``workers`` threads, in order, with a progress bar.

    Threads, not processes: libsndfile (through cffi), soxr and numpy's FFT release the GIL,
    and threads need no pickling of arrays. BLAS is held to one thread per worker, otherwise
    each mel filter-bank product spreads over every core and the workers fight (measured:
    threads with one BLAS thread each run the mel stage about 2× faster than without).
    """
    bar = partial(tqdm, total=len(items), desc=desc, disable=not progress, mininterval=2.0)
    if workers <= 1 or len(items) < 2:
        return [function(item) for item in bar(items)]
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=workers) as pool:
        return list(bar(pool.map(function, items)))


def _decode_one(path: str, settings: DecodeSettings) -> np.ndarray | UnusableTrack:
    try:
        return to_pcm16(decode_window(path, settings))
    except UnusableTrack as failure:
        return failure
    except Exception as error:  # noqa: BLE001 - one bad file must never stop a run
        return UnusableTrack("undecodable", f"{type(error).__name__}: {error}")


def failure_table(rows: Iterable[tuple[int, str, str, str]]) -> pa.Table:
    rows = list(rows)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    columns = {name: pa.array([r[i + 1] for r in rows], type=pa.string()) for i, name in enumerate(FAILURE_COLUMNS)}
    return build_table(ids, columns=columns)


def decode_shard(
    track_ids_: Sequence[int], paths: Sequence[str], settings: DecodeSettings, workers: int = 1, progress: bool = True
) -> tuple[pa.Table, pa.Table]:
    """Decode every track of a shard: ``(audio table, failures table)``.

    The audio table holds int16 windows (column ``audio``) of the usable tracks only; every
    other track is in the failures table with the reason, and is left out downstream.
    """
    results = parallel_map(partial(_decode_one, settings=settings), list(paths), workers, "decode", progress)
    good_ids, windows, failures = [], [], []
    for track_id, path, result in zip(track_ids_, paths, results):
        if isinstance(result, UnusableTrack):
            log.warning("track %s (%s) skipped: %s", track_id, path, result)
            failures.append((int(track_id), "decode", result.reason, result.detail))
        else:
            good_ids.append(int(track_id))
            windows.append(result)
    audio = np.stack(windows) if windows else np.zeros((0, settings.window_samples), dtype=np.int16)
    table = build_table(
        np.array(good_ids, dtype=np.int64),
        arrays={AUDIO_COLUMN: audio},
        metadata={"sample_rate": settings.sample_rate, "window_s": settings.window_s, "align": settings.align},
    )
    return table, failure_table(failures)


def _extract_one(pcm: np.ndarray, kind: str, sample_rate: int, settings) -> np.ndarray:
    return extract(kind, from_pcm16(pcm), sample_rate, settings)


def feature_shard(audio: pa.Table, kind: str, settings, workers: int = 1, progress: bool = True) -> pa.Table:
    """Feature ``kind`` for every track of a decoded audio shard (column named ``kind``)."""
    sample_rate = int(table_metadata(audio, "sample_rate"))
    windows = column_array(audio, AUDIO_COLUMN)
    function = partial(_extract_one, kind=kind, sample_rate=sample_rate, settings=settings)
    values = parallel_map(function, list(windows), workers, kind, progress)
    if values:
        stacked = np.stack(values)
    else:
        # The shape of an empty shard's column comes from a silent window.
        stacked = extract(kind, np.zeros(windows.shape[1], dtype=np.float32), sample_rate, settings)[None][:0]
    return build_table(track_ids(audio), arrays={kind: stacked}, metadata={"sample_rate": sample_rate, "kind": kind})
