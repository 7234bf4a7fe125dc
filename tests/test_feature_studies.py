"""The pipeline's features against the studies' recipe, on demo clips.

The studies' recipe: ``librosa.load`` of the whole clip at 22,050 Hz, librosa's features,
then a crop (log-mels: the centre 256 frames of the whole clip's spectrogram) or a truncation
(MFCCs: the first 3 s, zero-padded). The pipeline decodes only spans and caches int16 audio.

Tolerances, from measurements on 12 demo clips (8 genres, 30 s and 29.3 s) with a margin:

- The decode itself (float, before the int16 cache) gives the study's samples: log-mel dB
  within 0.002 dB (tolerance 0.01), MFCCs within 3e-4 (tolerance 2e-3).
- The int16 cache moves quiet bins: log-mel dB at most 0.68 dB (tolerance 2), 0.012 dB on
  average (tolerance 0.05); MFCC statistics 0.009 (tolerance 0.05); 2-D MFCCs 0.12 (0.5).
  For scale: MFCCs reach 70-450 in magnitude.
- The old crop (half a hop off the study's frame grid, zeros at its edges) misses by
  13-36 dB at worst and 0.85-1.4 dB on average: far outside both tolerances.

``power_to_db(ref=max)`` is taken over the crop here, over the whole clip in the study: the
dB differ by a constant (the test adds it back) except below the study's 80 dB floor, which
the test applies too. After per-spectrogram standardisation the constant cancels; only bins
at the floor differ (measured: up to 0.27 standard deviations on clips with silent passages).
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest

from musiclust.data.demo import GENRE_RECIPES, encode_mp3, synthesize_track
from musiclust.features.clip import table_clips
from musiclust.features.decode import DecodeSettings, decode_clip
from musiclust.features.plan import DecodePlan, span_params
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.spectral import (
    MelSettings,
    Mfcc2dSettings,
    MfccStatsSettings,
    log_mel,
    mfcc_2d,
    mfcc_stats,
)
from musiclust.parquet_tables import column_array

SR = 22050
TOP_DB = 80.0
MEL_DB_DECODE = 0.01
MEL_DB_MAX, MEL_DB_MEAN = 2.0, 0.05
MFCC_DECODE = 2e-3
MFCC_STATS_TOL = 0.05
MFCC2D_TOL = 0.5

MEL = MelSettings(standardize=False)
MFCC2D = Mfcc2dSettings(standardize=False)
STATS = {
    "start": MfccStatsSettings(),  # the second study's paper: 40 means of the first 3 s
    "center": MfccStatsSettings(placement="center"),
    "whole": MfccStatsSettings(n_mfcc=20, stats=("mean", "std"), placement="whole"),  # its code, FMA's
}


@pytest.fixture(scope="module")
def clips(tmp_path_factory) -> list[Path]:
    """Demo MP3s at 44.1 kHz: three genres at 30 s, one of 29.3 s (an odd number of frames to
    crop), one of 4 s (fewer than 256 frames)."""
    out = tmp_path_factory.mktemp("studies")
    paths = []
    for index, (genre, seconds) in enumerate([(0, 30.0), (3, 30.0), (5, 30.0), (2, 29.3), (6, 4.0)]):
        audio = synthesize_track(GENRE_RECIPES[genre], seconds, 44100, np.random.default_rng(index))
        path = out / f"{index}.mp3"
        path.write_bytes(encode_mp3(audio, 44100))
        paths.append(path)
    return paths


def study_mel(y: np.ndarray, n_frames: int = 256) -> np.ndarray:
    """The first study: whole-clip log-mel (ref max), centre crop; a short clip followed by silence."""
    if 1 + len(y) // 512 < n_frames:
        y = librosa.util.fix_length(y, size=(n_frames - 1) * 512)
    db = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=512, n_mels=128), ref=np.max)
    start = (db.shape[1] - n_frames) // 2
    return db[:, start : start + n_frames]


def as_study_db(ours: np.ndarray, study: np.ndarray) -> np.ndarray:
    """Our dB (ref: the crop's max) on the study's scale (ref: the clip's max), with its floor."""
    return np.maximum(ours + study.max(), -TOP_DB)


def study_excerpt(y: np.ndarray, placement: str, seconds: float = 3.0) -> np.ndarray:
    size = int(seconds * SR)
    if placement == "whole":
        return y
    if placement == "start":
        return librosa.util.fix_length(y[:size], size=size)  # the second study: truncate or zero-pad
    start = (len(y) - size) // 2
    return y[start : start + size] if start >= 0 else np.pad(y, (-start, size - len(y) + start))


def study_stats(y: np.ndarray, settings: MfccStatsSettings) -> np.ndarray:
    mfcc = librosa.feature.mfcc(y=study_excerpt(y, settings.placement), sr=SR, n_mfcc=settings.n_mfcc)
    return np.concatenate([getattr(np, name)(mfcc, axis=1) for name in settings.stats])


def study_mfcc2d(y: np.ndarray) -> np.ndarray:
    return librosa.feature.mfcc(y=study_excerpt(y, "start"), sr=SR, n_mfcc=20)[:, :128]


def old_mel(y: np.ndarray) -> np.ndarray:
    """musiclust before this change: the centred 6 s window, then its centre (n-1)·hop+1 samples
    with librosa's own zero padding, so frames sat half a hop off the study's grid."""
    window, span = 6 * SR, 255 * 512 + 1
    start = (len(y) - window) // 2
    segment = y[start : start + window][(window - span) // 2 :][:span]
    power = librosa.feature.melspectrogram(y=segment, sr=SR, n_fft=2048, hop_length=512, n_mels=128)
    return librosa.power_to_db(power, ref=np.max)[:, :256]


def pipeline(paths: list[Path], features: dict) -> dict[str, np.ndarray]:
    """What the rules do: decode a shard with the plan of ``features``, then each feature kind."""
    plan = DecodePlan.from_params(SR, span_params(features))
    audio, failures = decode_shard(list(range(len(paths))), [str(p) for p in paths], DecodeSettings(), plan, progress=False)
    assert failures.num_rows == 0
    return {kind: column_array(feature_shard(audio, kind, settings, progress=False), kind) for kind, settings in features.items()}


def test_decoded_spans_give_the_studys_features(clips):
    """Before the int16 cache, the decode reproduces librosa.load of the whole clip."""
    plan = DecodePlan.from_params(SR, span_params({"mel": MEL, "mfcc_stats": STATS["start"], "mfcc2d": MFCC2D}))
    for path in clips:
        y, _ = librosa.load(path, sr=SR)
        clip = decode_clip(str(path), DecodeSettings(), plan)
        assert clip.clip_length == len(y)
        study = study_mel(y)
        assert np.abs(as_study_db(log_mel(clip, MEL), study) - study).max() < MEL_DB_DECODE
        assert np.abs(mfcc_stats(clip, STATS["start"]) - study_stats(y, STATS["start"])).max() < MFCC_DECODE
        assert np.abs(mfcc_2d(clip, MFCC2D) - study_mfcc2d(y)).max() < MFCC_DECODE


def test_pipeline_mel_and_mfcc2d_match_the_studies(clips):
    features = pipeline(clips, {"mel": MEL, "mfcc2d": MFCC2D})
    for index, path in enumerate(clips):
        y, _ = librosa.load(path, sr=SR)
        study = study_mel(y)
        error = np.abs(as_study_db(features["mel"][index], study) - study)
        assert error.max() < MEL_DB_MAX and error.mean() < MEL_DB_MEAN, (path.name, error.max(), error.mean())
        assert np.abs(features["mfcc2d"][index] - study_mfcc2d(y)).max() < MFCC2D_TOL
        if len(y) >= 6 * SR:
            # The old crop would not pass: the test can fail for the bug it guards.
            old = np.abs(as_study_db(old_mel(y), study) - study)
            assert old.max() > 5 * MEL_DB_MAX and old.mean() > 10 * MEL_DB_MEAN, (path.name, old.max(), old.mean())


def test_short_clip_mel_is_the_clip_then_silence(clips):
    path = clips[-1]
    y, _ = librosa.load(path, sr=SR)
    mel = pipeline([path], {"mel": MEL})["mel"][0]
    whole = librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=512, n_mels=128), ref=np.max)
    n_clip = whole.shape[1]  # 1 + len // hop frames, all kept, from frame 0
    assert n_clip < 256
    assert np.abs(as_study_db(mel, whole)[:, :n_clip] - whole).max() < MEL_DB_MAX
    # After the clip's last windows: silence, at the 80 dB floor, not 0 dB (the loudest value).
    assert np.allclose(mel[:, n_clip + 4 :], mel.max() - TOP_DB)


@pytest.mark.parametrize("placement", ["start", "center", "whole"])
def test_pipeline_mfcc_stats_match_the_studies(clips, placement):
    settings = STATS[placement]
    values = pipeline(clips, {"mel": MEL, "mfcc_stats": settings})["mfcc_stats"]
    assert values.shape == (len(clips), settings.n_mfcc * len(settings.stats))
    for index, path in enumerate(clips):
        y, _ = librosa.load(path, sr=SR)
        assert np.abs(values[index] - study_stats(y, settings)).max() < MFCC_STATS_TOL, (path.name, placement)


def test_tolerance_tells_placements_apart(clips):
    """Statistics of the wrong excerpt would fail the test above (measured: 2.6 apart at most)."""
    y, _ = librosa.load(clips[0], sr=SR)
    start, center = (study_stats(y, STATS[p]) for p in ("start", "center"))
    assert np.abs(start - center).max() > 10 * MFCC_STATS_TOL


def test_decoded_shard_reads_back_its_spans(clips):
    plan = DecodePlan.from_params(SR, span_params({"mel": MEL, "mfcc_stats": STATS["start"]}))
    audio, _ = decode_shard([7], [str(clips[0])], DecodeSettings(), plan, progress=False)
    (clip,) = table_clips(audio, SR)
    y, _ = librosa.load(clips[0], sr=SR)
    assert clip.spans == ((0, 3 * SR), (264192, 396800))
    for start, stop in clip.spans:
        assert np.abs(clip.segment(start, stop) - y[start:stop]).max() < 2 / 32767
