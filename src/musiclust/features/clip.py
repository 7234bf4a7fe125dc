"""Decoded audio of one clip: the samples that were decoded and where they sit in the clip.

The decoder reads only the spans of a clip that the features need (see ``plan``). Feature
code asks for clip samples by position, ``audio.segment(start, stop)``, in the clip's own
coordinates at the analysis rate, exactly as it would index ``librosa.load(path)[0]``.
Outside the clip the segment is zeros, which is what librosa's centred STFT pads with;
inside the clip, asking for samples that were not decoded is a bug (the decode plan and the
feature disagree) and raises rather than silently returning zeros.

The decoded-audio shard stores the samples as int16 (decoder precision at half the bytes
of float32) in a variable-length list column, with each track's spans and clip length.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from musiclust.parquet_tables import build_table

AUDIO_COLUMN = "audio"
SPANS_COLUMN = "spans"
LENGTH_COLUMN = "clip_length"


PLACEMENTS = ("start", "center", "whole")


def excerpt(placement: str, duration: int, clip_length: int) -> tuple[int, int]:
    """Clip samples of a ``duration``-sample excerpt: the first, the centre, or the whole clip.
    An excerpt reaching outside a short clip reads zeros there: the study's zero padding
    (at the end for ``start``, either side for ``center``)."""
    if placement == "whole":
        return 0, clip_length
    if placement == "start":
        return 0, duration
    if placement == "center":
        start = (clip_length - duration) // 2
        return start, start + duration
    raise ValueError(f"unknown placement {placement!r} (known: {', '.join(PLACEMENTS)})")


class NotDecoded(LookupError):
    """A feature asked for clip audio that the decode plan did not include."""


def to_pcm16(signal: np.ndarray) -> np.ndarray:
    """float [-1, 1] → int16."""
    return np.round(np.clip(signal, -1.0, 1.0) * 32767.0).astype(np.int16)


def from_pcm16(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32767.0


@dataclass(frozen=True)
class DecodedAudio:
    """``samples`` is the concatenation of ``spans`` ([start, stop) in clip samples, sorted and
    disjoint) of a clip of ``clip_length`` samples at ``sample_rate``. int16 samples are PCM."""

    samples: np.ndarray
    spans: tuple[tuple[int, int], ...]
    clip_length: int
    sample_rate: int

    def __post_init__(self):
        sizes = [stop - start for start, stop in self.spans]
        if sum(sizes) != len(self.samples):
            raise ValueError(f"{len(self.samples)} samples for spans {self.spans} ({sum(sizes)} samples)")

    @classmethod
    def from_signal(cls, signal: np.ndarray, sample_rate: int) -> DecodedAudio:
        """A whole clip already in memory (e.g. from ``librosa.load``): every sample decoded."""
        signal = np.asarray(signal, dtype=np.float32)
        return cls(signal, ((0, len(signal)),), len(signal), sample_rate)

    def segment(self, start: int, stop: int) -> np.ndarray:
        """Clip samples ``[start, stop)`` as float32; zeros where the range lies outside the clip."""
        out = np.zeros(max(0, stop - start), dtype=np.float32)
        low, high = max(start, 0), min(stop, self.clip_length)
        if low >= high:
            return out
        offset = 0
        for span_start, span_stop in self.spans:
            if span_start <= low and high <= span_stop:
                piece = self.samples[offset + low - span_start : offset + high - span_start]
                out[low - start : high - start] = from_pcm16(piece) if piece.dtype == np.int16 else piece
                return out
            offset += span_stop - span_start
        raise NotDecoded(
            f"clip samples [{low}, {high}) were not decoded (decoded spans: {list(self.spans)}); "
            "the decode plan and the feature settings disagree: rerun the decoding"
        )


def clips_table(ids: Sequence[int], clips: Sequence[DecodedAudio], sample_rate: int, metadata: dict | None = None) -> pa.Table:
    """A decoded-audio shard: ``track_id``, int16 ``audio``, flattened ``spans``, ``clip_length``."""
    pcm = [clip.samples if clip.samples.dtype == np.int16 else to_pcm16(clip.samples) for clip in clips]
    offsets = np.concatenate([[0], np.cumsum([len(p) for p in pcm], dtype=np.int64)]).astype(np.int64)
    values = np.concatenate(pcm) if pcm else np.zeros(0, dtype=np.int16)
    # large_list: int64 offsets, so a shard of whole clips never overflows 2^31 samples.
    audio = pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values, type=pa.int16()))
    spans = pa.array([[int(v) for span in clip.spans for v in span] for clip in clips], type=pa.list_(pa.int64()))
    lengths = pa.array([clip.clip_length for clip in clips], type=pa.int64())
    return build_table(
        np.asarray(ids, dtype=np.int64),
        columns={AUDIO_COLUMN: audio, SPANS_COLUMN: spans, LENGTH_COLUMN: lengths},
        metadata={"sample_rate": sample_rate, **(metadata or {})},
    )


def table_clips(table: pa.Table, sample_rate: int) -> list[DecodedAudio]:
    """The clips of a decoded-audio shard, in row order (samples are views of the column)."""
    if table.num_rows == 0:
        return []
    audio = table.column(AUDIO_COLUMN).combine_chunks()
    values = audio.values.to_numpy(zero_copy_only=False)
    offsets = audio.offsets.to_numpy()
    spans = table.column(SPANS_COLUMN).to_pylist()
    lengths = table.column(LENGTH_COLUMN).to_numpy()
    clips = []
    for row in range(table.num_rows):
        flat = spans[row]
        pairs = tuple((flat[i], flat[i + 1]) for i in range(0, len(flat), 2))
        samples = values[offsets[row] : offsets[row + 1]]
        clips.append(DecodedAudio(samples, pairs, int(lengths[row]), sample_rate))
    return clips
