"""Audio features from a decoded window: log-mel spectrograms, MFCC statistics, 2-D MFCCs.

Parameters default to the studies' values: the first study's log-mels (128 bands, n_fft 2048,
hop 512, 256 frames, standardised per spectrogram), the second study's 40 MFCCs averaged over
3 s and its 20 × 128 MFCC matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import librosa
import numpy as np

from musiclust.features.decode import pad_centered


@dataclass(frozen=True)
class MelSettings:
    n_mels: int = 128
    n_fft: int = 2048
    hop_length: int = 512
    n_frames: int = 256
    fmin: float = 0.0
    fmax: float | None = None
    standardize: bool = True


@dataclass(frozen=True)
class MfccStatsSettings:
    n_mfcc: int = 40
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 128
    duration_s: float = 3.0
    stats: tuple[str, ...] = field(default=("mean",))


@dataclass(frozen=True)
class Mfcc2dSettings:
    n_mfcc: int = 20
    n_fft: int = 2048
    hop_length: int = 512
    n_mels: int = 128
    n_frames: int = 128
    standardize: bool = True


def _standardize(matrix: np.ndarray) -> np.ndarray:
    std = matrix.std()
    return (matrix - matrix.mean()) / (std if std > 0 else 1.0)


def _frames_span(n_frames: int, hop_length: int) -> int:
    """Samples that give exactly ``n_frames`` centred STFT frames."""
    return (n_frames - 1) * hop_length + 1


def log_mel(signal: np.ndarray, sample_rate: int, settings: MelSettings) -> np.ndarray:
    """``(n_mels, n_frames)`` log-mel spectrogram of the centre of ``signal`` (dB, ref max)."""
    segment = pad_centered(signal, _frames_span(settings.n_frames, settings.hop_length))
    power = librosa.feature.melspectrogram(
        y=segment,
        sr=sample_rate,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        n_mels=settings.n_mels,
        fmin=settings.fmin,
        fmax=settings.fmax,
    )
    db = librosa.power_to_db(power, ref=np.max)
    db = db[:, : settings.n_frames]
    return (_standardize(db) if settings.standardize else db).astype(np.float32)


def _mfcc(segment: np.ndarray, sample_rate: int, settings: MfccStatsSettings | Mfcc2dSettings) -> np.ndarray:
    return librosa.feature.mfcc(
        y=segment,
        sr=sample_rate,
        n_mfcc=settings.n_mfcc,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        n_mels=settings.n_mels,
    )


_STATISTICS = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max}


def mfcc_stats(signal: np.ndarray, sample_rate: int, settings: MfccStatsSettings) -> np.ndarray:
    """MFCC statistics over the centre ``duration_s`` of ``signal``: ``n_mfcc`` values a statistic."""
    segment = pad_centered(signal, int(round(settings.duration_s * sample_rate)))
    coefficients = _mfcc(segment, sample_rate, settings)
    return np.concatenate([_STATISTICS[name](coefficients, axis=1) for name in settings.stats]).astype(np.float32)


def mfcc_2d(signal: np.ndarray, sample_rate: int, settings: Mfcc2dSettings) -> np.ndarray:
    """``(n_mfcc, n_frames)`` MFCC matrix of the centre of ``signal``."""
    segment = pad_centered(signal, _frames_span(settings.n_frames, settings.hop_length))
    coefficients = _mfcc(segment, sample_rate, settings)[:, : settings.n_frames]
    return (_standardize(coefficients) if settings.standardize else coefficients).astype(np.float32)


FEATURE_KINDS = ("mel", "mfcc_stats", "mfcc2d")

_EXTRACTORS = {
    "mel": (MelSettings, log_mel),
    "mfcc_stats": (MfccStatsSettings, mfcc_stats),
    "mfcc2d": (Mfcc2dSettings, mfcc_2d),
}


def settings_for(kind: str, params: dict):
    """The settings dataclass of feature ``kind`` from plain parameters (e.g. a rule's params)."""
    if kind not in _EXTRACTORS:
        raise ValueError(f"unknown feature kind {kind!r} (known: {', '.join(FEATURE_KINDS)})")
    settings_class, _ = _EXTRACTORS[kind]
    values = dict(params)
    if "stats" in values:
        values["stats"] = tuple(values["stats"])
    return settings_class(**values)


def extract(kind: str, signal: np.ndarray, sample_rate: int, settings) -> np.ndarray:
    _, extractor = _EXTRACTORS[kind]
    return extractor(signal, sample_rate, settings)
