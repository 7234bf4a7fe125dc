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

from musiclust.features.clip import DecodedAudio, clips_table, table_clips, to_pcm16
from musiclust.features.decode import DecodeSettings, UnusableTrack, decode_clip
from musiclust.features.plan import DecodePlan
from musiclust.features.spectral import SHARD_EXTRACTORS, extract
from musiclust.parquet_tables import build_table, table_metadata, track_ids

log = logging.getLogger("musiclust.features")

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


def _decode_one(path: str, settings: DecodeSettings, plan: DecodePlan) -> DecodedAudio | UnusableTrack:
    try:
        clip = decode_clip(path, settings, plan)
        # Keep int16 (what the shard stores) so that the pool holds half the bytes.
        return DecodedAudio(to_pcm16(clip.samples), clip.spans, clip.clip_length, clip.sample_rate)
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
    track_ids_: Sequence[int],
    paths: Sequence[str],
    settings: DecodeSettings,
    plan: DecodePlan,
    workers: int = 1,
    progress: bool = True,
) -> tuple[pa.Table, pa.Table]:
    """Decode every track of a shard: ``(audio table, failures table)``.

    The audio table holds the decoded spans of the usable tracks only (see ``clip``); every
    other track is in the failures table with the reason, and is left out downstream.
    """
    results = parallel_map(partial(_decode_one, settings=settings, plan=plan), list(paths), workers, "decode", progress)
    good_ids, clips, failures = [], [], []
    for track_id, path, result in zip(track_ids_, paths, results):
        if isinstance(result, UnusableTrack):
            log.warning("track %s (%s) skipped: %s", track_id, path, result)
            failures.append((int(track_id), "decode", result.reason, result.detail))
        else:
            good_ids.append(int(track_id))
            clips.append(result)
    return clips_table(good_ids, clips, settings.sample_rate), failure_table(failures)


def feature_shard(audio: pa.Table, kind: str, settings, workers: int = 1, progress: bool = True) -> pa.Table:
    """Feature ``kind`` for every track of a decoded audio shard (column named ``kind``)."""
    sample_rate = int(table_metadata(audio, "sample_rate"))
    clips = table_clips(audio, sample_rate)
    if kind in SHARD_EXTRACTORS:
        stacked = SHARD_EXTRACTORS[kind](clips, settings, workers, progress)
        return build_table(track_ids(audio), arrays={kind: stacked}, metadata={"sample_rate": sample_rate, "kind": kind})
    values = parallel_map(partial(extract, kind, settings=settings), clips, workers, kind, progress)
    if values:
        stacked = np.stack(values)
    else:
        # The shape of an empty shard's column comes from a second of silence.
        silence = DecodedAudio.from_signal(np.zeros(sample_rate, dtype=np.float32), sample_rate)
        stacked = extract(kind, silence, settings)[None][:0]
    return build_table(track_ids(audio), arrays={kind: stacked}, metadata={"sample_rate": sample_rate, "kind": kind})
