"""Decode once: the spans of each clip that the features need, at the analysis sample rate.

The studies ``librosa.load`` whole 30 s clips at 22,050 Hz, then crop. Here the file is opened
once and only the spans of the decode plan are read (libsndfile seeks inside MP3s), mixed to
mono and resampled with soxr, which is where most of the feature stage's speed comes from.
Spans are in the coordinates of that whole-clip load: a clip of N source samples has
``ceil(N * rate / source_rate)`` samples (librosa's resampled length), and each span is
resampled from a source position that falls exactly on an output sample, with a margin, so
its samples equal the whole clip's (measured: within 1e-7 of ``librosa.load``).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

from musiclust.defaults import defaults
from musiclust.features.clip import DecodedAudio
from musiclust.features.plan import DecodePlan
from musiclust.features.sniff import preview, sniff

# MP3 frames after a seek decode wrongly until the bit reservoir refills: read this many
# samples before the span and drop them (measured: about 3,000 samples at 44.1 kHz).
_SEEK_PREROLL = 8192
# Output samples either side of a span so the resampler's edges fall outside it (measured:
# 100 suffice for soxr HQ to match a whole-clip resampling to 1e-7).
_RESAMPLE_MARGIN = 512
# A stream that ends this much before its header says is a damaged file, not a short clip.
# Less than this (encoder padding, estimated lengths) and the clip is taken as it decodes.
_TRUNCATION_SLACK_S = 1.0


# The failures table's `reason`, a fixed vocabulary (its `detail` says more, per file).
FAILURE_REASONS = {
    "missing file": "no file at the track's path",
    "unreadable": "the file is there but cannot be read (permissions, a folder, an I/O error)",
    "empty file": "0 bytes, or a header with no audio frames",
    "not audio": "its first bytes are no audio format's (text, an HTML error page, an image, ...)",
    "truncated": "the file is cut: its header promises more than it holds, or the audio ends before the window",
    "undecodable": "an audio format that the decoder refuses",
    "too short": "a whole file, shorter than audio.min_duration_s",
    "silent": "decoded audio quieter than audio.silence_rms_db",
}


_AUDIO = defaults("audio")  # the config's defaults (schemas/config.schema.yaml)


class UnusableTrack(Exception):
    """A track that cannot be used: a ``reason`` of ``FAILURE_REASONS`` and a ``detail``."""

    def __init__(self, reason: str, detail: str = ""):
        if reason not in FAILURE_REASONS:
            raise ValueError(f"unknown failure reason {reason!r} (known: {', '.join(FAILURE_REASONS)})")
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class DecodeSettings:
    sample_rate: int = 22050
    mono: bool = _AUDIO["mono"]
    min_duration_s: float = _AUDIO["min_duration_s"]
    silence_rms_db: float = _AUDIO["silence_rms_db"]


class _StreamEnded(Exception):
    def __init__(self, at: int):
        self.at = at  # source frames actually decodable


def diagnose_unopenable(path: str, error: Exception) -> UnusableTrack:
    """Why libsndfile could not open ``path``, from the file's first bytes: libsndfile's own
    message is the same ("File does not exist or is not a regular file") for most of them."""
    try:
        head = sniff(path)
    except OSError as os_error:
        return UnusableTrack("unreadable", os_error.strerror or str(os_error))
    if head.size == 0:
        return UnusableTrack("empty file", "0 bytes")
    if head.format is None:
        return UnusableTrack("not audio", f"{head.description} of {head.size:,} bytes, starting {preview(path)}")
    if head.truncation is not None:
        return UnusableTrack("truncated", head.truncation)
    return UnusableTrack("undecodable", f"{head.description} of {head.size:,} bytes that libsndfile refuses: {error}")


def clip_length(source_frames: int, source_rate: int, rate: int) -> int:
    """Samples of the whole clip at ``rate``, as ``librosa.load(sr=rate)`` returns them."""
    return source_frames if source_rate == rate else math.ceil(source_frames * rate / source_rate)


def _read_span(handle: sf.SoundFile, start: int, stop: int, source_frames: int, rate: int, mono: bool) -> np.ndarray:
    """Clip samples ``[start, stop)`` at ``rate``, the clip being ``source_frames`` long."""
    source_rate = handle.samplerate
    step = math.gcd(source_rate, rate)
    per_source, per_output = source_rate // step, rate // step  # a block of each, same duration
    # Start the read on a block boundary so that output samples land on the clip's grid.
    block = max(0, (start - _RESAMPLE_MARGIN) // per_output)
    first, first_out = block * per_source, block * per_output
    last = min(source_frames, -(-(stop + _RESAMPLE_MARGIN) * per_source // per_output))
    seek_to = max(0, first - _SEEK_PREROLL)
    handle.seek(seek_to)
    data = handle.read(last - seek_to, dtype="float32", always_2d=True)
    if data.shape[0] < last - seek_to:
        raise _StreamEnded(seek_to + data.shape[0])
    data = data[first - seek_to :]
    signal = data.mean(axis=1) if mono else data[:, 0]
    if source_rate != rate:
        signal = soxr.resample(signal, source_rate, rate, quality="HQ")
    piece = signal[start - first_out : stop - first_out]
    # At the clip's end the resampler may return a sample less: librosa pads with zeros too.
    return np.pad(piece, (0, stop - start - piece.size)).astype(np.float32, copy=False)


def decode_clip(path: str, settings: DecodeSettings, plan: DecodePlan) -> DecodedAudio:
    """The spans of ``path`` that ``plan`` asks for, as float32 samples at ``settings.sample_rate``.

    Raises :class:`UnusableTrack` for a missing, unreadable, empty, non-audio, truncated,
    undecodable, too short or silent file (silence is judged on the decoded samples).
    """
    if plan.sample_rate != settings.sample_rate:
        raise ValueError(f"plan at {plan.sample_rate} Hz, decoding at {settings.sample_rate} Hz")
    if not os.path.exists(path):
        raise UnusableTrack("missing file", str(path))
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise UnusableTrack("empty file", "0 bytes")
    try:
        handle = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise diagnose_unopenable(path, error) from None
    with handle:
        source_rate, announced = handle.samplerate, handle.frames
        if announced <= 0:
            raise UnusableTrack("empty file", "a header with no audio frames")
        frames = announced
        while True:
            if frames < settings.min_duration_s * source_rate:
                # libsndfile sizes a cut WAV by the bytes it has: only its header tells.
                cut = sniff(path).truncation if frames == announced else "the audio ends early"
                if cut:
                    raise UnusableTrack("truncated", f"{cut} ({frames / source_rate:.2f} s of audio)")
                raise UnusableTrack("too short", f"{frames / source_rate:.2f} s < {settings.min_duration_s} s")
            length = clip_length(frames, source_rate, settings.sample_rate)
            spans = plan.spans(length)
            try:
                pieces = [_read_span(handle, a, b, frames, settings.sample_rate, settings.mono) for a, b in spans]
                break
            except _StreamEnded as ended:
                # The header promised more frames than the stream holds.
                if (announced - ended.at) / source_rate > _TRUNCATION_SLACK_S:
                    raise UnusableTrack(
                        "truncated", f"audio ends at {ended.at / source_rate:.2f} s of {announced / source_rate:.2f} s"
                    ) from None
                frames = ended.at  # a little short: plan again on the length that decodes
            except (sf.LibsndfileError, RuntimeError) as error:
                raise UnusableTrack("undecodable", str(error)) from error
    samples = np.concatenate(pieces)
    rms_db = 10.0 * np.log10(np.mean(samples.astype(np.float64) ** 2) + 1e-20)
    if rms_db < settings.silence_rms_db:
        raise UnusableTrack("silent", f"RMS {rms_db:.1f} dB < {settings.silence_rms_db} dB")
    return DecodedAudio(samples, tuple(spans), length, settings.sample_rate)
