"""Decode once: the part of each clip that the features need, at the analysis sample rate.

The studies load whole 30 s clips and then crop a few seconds. Here only the window is read
(libsndfile seeks inside MP3s), mixed to mono and resampled with soxr, which is where most of
the feature stage's speed comes from. Short clips are zero-padded to the window, centred.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import soundfile as sf
import soxr

# MP3 frames after a seek decode wrongly until the bit reservoir refills: read this many
# samples before the window and drop them (measured: about 3,000 samples at 44.1 kHz).
_SEEK_PREROLL = 8192
# Extra source samples either side of the window so the resampler's edges fall outside it.
_RESAMPLE_MARGIN_S = 0.02


class UnusableTrack(Exception):
    """A track that cannot be used, with a short machine-readable reason."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class DecodeSettings:
    sample_rate: int = 22050
    window_s: float = 6.0
    align: str = "center"  # "center" | "start"
    mono: bool = True
    min_duration_s: float = 1.0
    silence_rms_db: float = -60.0

    @property
    def window_samples(self) -> int:
        return int(round(self.window_s * self.sample_rate))


def _window_start(total_s: float, window_s: float, align: str) -> float:
    if align == "start" or total_s <= window_s:
        return 0.0
    return (total_s - window_s) / 2.0


def decode_window(path: str, settings: DecodeSettings) -> np.ndarray:
    """The window of ``path`` as float32 mono samples at ``settings.sample_rate``.

    Raises :class:`UnusableTrack` for a missing, undecodable, too short or silent file.
    """
    if not os.path.exists(path):
        raise UnusableTrack("missing file", str(path))
    if os.path.getsize(path) == 0:
        raise UnusableTrack("empty file", "0 bytes")
    try:
        handle = sf.SoundFile(path)
    except (sf.LibsndfileError, RuntimeError, OSError) as error:
        raise UnusableTrack("undecodable", str(error)) from error
    with handle:
        source_rate = handle.samplerate
        total_frames = handle.frames
        if total_frames <= 0:
            raise UnusableTrack("empty", "no audio frames")
        total_s = total_frames / source_rate
        if total_s < settings.min_duration_s:
            raise UnusableTrack("too short", f"{total_s:.2f} s < {settings.min_duration_s} s")
        start_s = _window_start(total_s, settings.window_s, settings.align)
        margin = int(_RESAMPLE_MARGIN_S * source_rate)
        first = max(0, int(round(start_s * source_rate)) - margin)
        last = min(total_frames, int(round((start_s + settings.window_s) * source_rate)) + margin)
        seek_to = max(0, first - _SEEK_PREROLL)
        try:
            handle.seek(seek_to)
            block = handle.read(last - seek_to, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as error:
            raise UnusableTrack("undecodable", str(error)) from error
    block = block[first - seek_to :]
    if block.shape[0] < settings.min_duration_s * source_rate * 0.5:
        # The header promised more frames than the stream holds (a truncated file).
        raise UnusableTrack("truncated", f"{block.shape[0]} of {total_frames} frames decodable")
    signal = block.mean(axis=1) if settings.mono else block[:, 0]
    if source_rate != settings.sample_rate:
        signal = soxr.resample(signal, source_rate, settings.sample_rate, quality="HQ")
    # Drop the resampling margin that precedes the window.
    lead = int(round((start_s * source_rate - first) * settings.sample_rate / source_rate))
    signal = signal[lead : lead + settings.window_samples].astype(np.float32, copy=False)
    rms_db = 10.0 * np.log10(np.mean(signal.astype(np.float64) ** 2) + 1e-20)
    if rms_db < settings.silence_rms_db:
        raise UnusableTrack("silent", f"RMS {rms_db:.1f} dB < {settings.silence_rms_db} dB")
    return pad_centered(signal, settings.window_samples)


def pad_centered(signal: np.ndarray, length: int) -> np.ndarray:
    """Zero-pad (centred) or centre-crop ``signal`` along its last axis to ``length``."""
    size = signal.shape[-1]
    if size == length:
        return signal
    if size > length:
        offset = (size - length) // 2
        return signal[..., offset : offset + length]
    before = (length - size) // 2
    pad = [(0, 0)] * (signal.ndim - 1) + [(before, length - size - before)]
    return np.pad(signal, pad)


def to_pcm16(signal: np.ndarray) -> np.ndarray:
    """float [-1, 1] → int16: the cache keeps decoder precision at half the bytes of float32."""
    return np.round(np.clip(signal, -1.0, 1.0) * 32767.0).astype(np.int16)


def from_pcm16(pcm: np.ndarray) -> np.ndarray:
    return pcm.astype(np.float32) / 32767.0
