"""Audio features of a decoded clip: log-mel spectrograms, MFCC statistics, 2-D MFCCs.

Each settings class says which clip samples its feature reads (``span``); the decode plan
is built from those spans and the feature reads the same ones back, so the two cannot drift.
Positions are clip samples at the analysis rate, as in ``librosa.load(path, sr=22050)``.

- ``mel`` (first study): the study runs librosa on the whole clip (centred frames: frame i
  is centred on sample i·hop, zeros padded beyond the clip's ends) and keeps 256 frames.
  Here the same frames come from ``center=False`` on the decoded segment under them, which
  holds n_fft//2 samples of real audio either side.
- ``mfcc_stats``/``mfcc2d`` (second study): the study cuts an excerpt first (its first 3 s,
  zero-padded if shorter) and runs librosa on the excerpt; ``placement`` picks the excerpt.

Parameters default to the studies' values. This module also holds the registry of every audio
feature kind (``FEATURE_KINDS``), with ``musicnn``, the pretrained embeddings of
``features/pretrained/musicnn.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import librosa
import numpy as np

from musiclust.defaults import defaults
from musiclust.features.clip import PLACEMENTS, DecodedAudio, excerpt
from musiclust.features.pretrained.musicnn import MusicnnSettings, musicnn_feature, musicnn_features


# The config's feature defaults (schemas/config.schema.yaml), the one place they are written.
_FEATURES = {kind: defaults("features", kind) for kind in ("mel", "mfcc_stats", "mfcc2d")}


@dataclass(frozen=True)
class MelSettings:
    n_mels: int = _FEATURES["mel"]["n_mels"]
    n_fft: int = _FEATURES["mel"]["n_fft"]
    hop_length: int = _FEATURES["mel"]["hop_length"]
    n_frames: int = _FEATURES["mel"]["n_frames"]
    fmin: float = _FEATURES["mel"]["fmin"]
    fmax: float | None = _FEATURES["mel"]["fmax"]
    standardize: bool = _FEATURES["mel"]["standardize"]

    # The settings that decide which samples are read (the decode rule's params).
    SPAN_FIELDS = ("n_fft", "hop_length", "n_frames")

    def first_frame(self, clip_length: int) -> int:
        """Centre crop of the whole clip's ``1 + clip_length // hop`` frames: frames
        ``[(total - n_frames) // 2, + n_frames)``, the odd frame left over going to the end.
        A clip with fewer frames starts at frame 0 and is padded at the end (see ``log_mel``)."""
        total = 1 + clip_length // self.hop_length
        return max(0, (total - self.n_frames) // 2)

    def span(self, clip_length: int, sample_rate: int) -> tuple[int, int]:
        start = self.first_frame(clip_length) * self.hop_length - self.n_fft // 2
        return start, start + (self.n_frames - 1) * self.hop_length + self.n_fft


@dataclass(frozen=True)
class MfccStatsSettings:
    n_mfcc: int = _FEATURES["mfcc_stats"]["n_mfcc"]
    n_fft: int = _FEATURES["mfcc_stats"]["n_fft"]
    hop_length: int = _FEATURES["mfcc_stats"]["hop_length"]
    n_mels: int = _FEATURES["mfcc_stats"]["n_mels"]
    placement: str = _FEATURES["mfcc_stats"]["placement"]  # start | center | whole
    duration_s: float = _FEATURES["mfcc_stats"]["duration_s"]  # excerpt length; ignored for placement "whole"
    stats: tuple[str, ...] = field(default=tuple(_FEATURES["mfcc_stats"]["stats"]))

    SPAN_FIELDS = ("placement", "duration_s")

    def __post_init__(self):
        if self.placement not in PLACEMENTS:
            raise ValueError(f"mfcc_stats placement {self.placement!r} is not one of {PLACEMENTS}")

    def span(self, clip_length: int, sample_rate: int) -> tuple[int, int]:
        return excerpt(self.placement, round(self.duration_s * sample_rate), clip_length)


@dataclass(frozen=True)
class Mfcc2dSettings:
    n_mfcc: int = _FEATURES["mfcc2d"]["n_mfcc"]
    n_fft: int = _FEATURES["mfcc2d"]["n_fft"]
    hop_length: int = _FEATURES["mfcc2d"]["hop_length"]
    n_mels: int = _FEATURES["mfcc2d"]["n_mels"]
    n_frames: int = _FEATURES["mfcc2d"]["n_frames"]
    placement: str = _FEATURES["mfcc2d"]["placement"]  # start | center (a fixed-size matrix needs a fixed excerpt)
    duration_s: float = _FEATURES["mfcc2d"]["duration_s"]
    standardize: bool = _FEATURES["mfcc2d"]["standardize"]

    SPAN_FIELDS = ("placement", "duration_s")

    def __post_init__(self):
        if self.placement not in ("start", "center"):
            raise ValueError(f"mfcc2d placement {self.placement!r} is not one of ('start', 'center')")

    def span(self, clip_length: int, sample_rate: int) -> tuple[int, int]:
        return excerpt(self.placement, round(self.duration_s * sample_rate), clip_length)


def _standardize(matrix: np.ndarray) -> np.ndarray:
    std = matrix.std()
    return (matrix - matrix.mean()) / (std if std > 0 else 1.0)


def log_mel(audio: DecodedAudio, settings: MelSettings) -> np.ndarray:
    """``(n_mels, n_frames)`` log-mel spectrogram (dB), the centre frames of the whole clip.

    ``power_to_db(ref=max)`` takes the maximum of these frames, not of the whole clip as the
    study did: the dB values differ by a constant, which per-spectrogram standardisation
    removes, except where the 80 dB floor (``top_db``) clips: it sits below this crop's
    maximum rather than the clip's. A clip shorter than ``n_frames`` frames is followed by
    silence, so its padding frames sit at that floor, not at 0 dB (the loudest value).
    """
    segment = audio.segment(*settings.span(audio.clip_length, audio.sample_rate))
    power = librosa.feature.melspectrogram(
        y=segment,
        sr=audio.sample_rate,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        center=False,
        n_mels=settings.n_mels,
        fmin=settings.fmin,
        fmax=settings.fmax,
    )
    db = librosa.power_to_db(power, ref=np.max)
    return (_standardize(db) if settings.standardize else db).astype(np.float32)


def _mfcc(audio: DecodedAudio, settings: MfccStatsSettings | Mfcc2dSettings) -> np.ndarray:
    """librosa's MFCCs of the excerpt, as if the excerpt were the whole signal (centred frames)."""
    segment = audio.segment(*settings.span(audio.clip_length, audio.sample_rate))
    return librosa.feature.mfcc(
        y=segment,
        sr=audio.sample_rate,
        n_mfcc=settings.n_mfcc,
        n_fft=settings.n_fft,
        hop_length=settings.hop_length,
        n_mels=settings.n_mels,
    )


_STATISTICS = {"mean": np.mean, "std": np.std, "min": np.min, "max": np.max}


def mfcc_stats(audio: DecodedAudio, settings: MfccStatsSettings) -> np.ndarray:
    """MFCC statistics over time of the excerpt: ``n_mfcc`` values a statistic, in order."""
    coefficients = _mfcc(audio, settings)
    return np.concatenate([_STATISTICS[name](coefficients, axis=1) for name in settings.stats]).astype(np.float32)


def mfcc_2d(audio: DecodedAudio, settings: Mfcc2dSettings) -> np.ndarray:
    """``(n_mfcc, n_frames)``: the first ``n_frames`` MFCC frames of the excerpt (3 s give 130)."""
    coefficients = librosa.util.fix_length(_mfcc(audio, settings), size=settings.n_frames, axis=1)
    return (_standardize(coefficients) if settings.standardize else coefficients).astype(np.float32)


FEATURE_KINDS = ("mel", "mfcc_stats", "mfcc2d", "musicnn")

_EXTRACTORS = {
    "mel": (MelSettings, log_mel),
    "mfcc_stats": (MfccStatsSettings, mfcc_stats),
    "mfcc2d": (Mfcc2dSettings, mfcc_2d),
    "musicnn": (MusicnnSettings, musicnn_feature),
}
# Kinds computed a shard at a time, ``f(clips, settings, threads, progress) -> (n, ...)``:
# a network runs the patches of every clip of the shard in batches.
SHARD_EXTRACTORS = {"musicnn": musicnn_features}


def settings_for(kind: str, params):
    """The settings dataclass of feature ``kind`` from plain parameters (e.g. a rule's params),
    or the settings themselves."""
    if kind not in _EXTRACTORS:
        raise ValueError(f"unknown feature kind {kind!r} (known: {', '.join(FEATURE_KINDS)})")
    settings_class, _ = _EXTRACTORS[kind]
    if isinstance(params, settings_class):
        return params
    values = dict(params)
    for listed in ("stats", "pool"):
        if listed in values:
            values[listed] = tuple(values[listed])
    return settings_class(**values)


def extract(kind: str, audio: DecodedAudio, settings) -> np.ndarray:
    _, extractor = _EXTRACTORS[kind]
    return extractor(audio, settings)
