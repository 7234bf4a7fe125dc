import librosa
import numpy as np
import pytest
import soundfile as sf

from musiclust.features.clip import DecodedAudio, NotDecoded, from_pcm16, to_pcm16
from musiclust.features.decode import DecodeSettings, UnusableTrack, decode_clip
from musiclust.features.plan import DecodePlan
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.spectral import (
    MelSettings,
    Mfcc2dSettings,
    MfccStatsSettings,
    log_mel,
    mfcc_2d,
    mfcc_stats,
    settings_for,
)
from musiclust.parquet_tables import column_array, track_ids

DEFAULT_PLAN = DecodePlan.from_params(22050, {"mel": {}, "mfcc_stats": {}, "mfcc2d": {}})


def centre_plan(sample_rate: int, seconds: float) -> DecodePlan:
    return DecodePlan.from_params(sample_rate, {"mfcc_stats": {"placement": "center", "duration_s": seconds}})


def test_span_matches_full_decode_of_the_same_span(tone):
    path = tone(seconds=20.0)
    clip = decode_clip(str(path), DecodeSettings(sample_rate=44100), centre_plan(44100, 4.0))
    full, rate = sf.read(path, dtype="float32")
    start = (len(full) - 4 * rate) // 2
    assert clip.spans == ((start, start + 4 * rate),) and clip.clip_length == len(full)
    # Seeking inside the MP3 (with its pre-roll) lands on the same samples as decoding it whole.
    assert np.abs(clip.samples - full[start : start + 4 * rate]).max() < 1e-4


@pytest.mark.parametrize("rate, fmt", [(44100, "MP3"), (48000, "WAV")])
def test_resampled_spans_sit_on_the_whole_clips_grid(tmp_path, tone, rate, fmt):
    """A span resampled alone equals the same samples of the whole clip resampled by librosa.load
    (measured: 1e-7; 48 kHz → 22,050 Hz is a 320:147 ratio, so reads start on 320-sample blocks)."""
    path = tone(f"tone.{fmt.lower()}", seconds=20.0, sample_rate=rate, fmt=fmt)
    y, _ = librosa.load(path, sr=22050)
    clip = decode_clip(str(path), DecodeSettings(), DEFAULT_PLAN)
    assert clip.clip_length == len(y) and len(clip.spans) == 2  # the first 3 s, the centre 6 s
    for start, stop in clip.spans:
        assert np.abs(clip.segment(start, stop) - y[start:stop]).max() < 1e-5


def test_short_clip_reads_zeros_beyond_its_end(tone):
    clip = decode_clip(str(tone(seconds=3.0)), DecodeSettings(), DEFAULT_PLAN)
    assert clip.clip_length == 3 * 22050 and clip.spans == ((0, 3 * 22050),)
    mel_start, mel_stop = MelSettings().span(clip.clip_length, 22050)
    segment = clip.segment(mel_start, mel_stop)
    assert np.all(segment[:1024] == 0) and np.all(segment[1024 + 3 * 22050 :] == 0)
    assert np.abs(segment[1024 : 1024 + 3 * 22050]).max() > 0.1
    assert log_mel(clip, MelSettings()).shape == (128, 256)
    assert mfcc_2d(clip, Mfcc2dSettings()).shape == (20, 128)


def test_segment_zero_fills_outside_the_clip_and_refuses_undecoded_audio():
    audio = DecodedAudio(np.arange(1, 7, dtype=np.float32), ((0, 2), (6, 10)), clip_length=10, sample_rate=1)
    assert audio.segment(-2, 2).tolist() == [0, 0, 1, 2]
    assert audio.segment(7, 12).tolist() == [4, 5, 6, 0, 0]
    assert audio.segment(20, 22).tolist() == [0, 0]
    with pytest.raises(NotDecoded, match=r"\[1, 7\) were not decoded"):
        audio.segment(1, 7)
    with pytest.raises(ValueError):
        DecodedAudio(np.zeros(3), ((0, 2),), clip_length=10, sample_rate=1)


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty file"), (b"this is not audio at all" * 40, "not audio")],
)
def test_broken_files_are_unusable(tmp_path, content, reason):
    path = tmp_path / "broken.mp3"
    path.write_bytes(content)
    with pytest.raises(UnusableTrack) as failure:
        decode_clip(str(path), DecodeSettings(), DEFAULT_PLAN)
    assert failure.value.reason == reason


def test_missing_short_and_silent_files(tmp_path, tone):
    with pytest.raises(UnusableTrack, match="missing file"):
        decode_clip(str(tmp_path / "nope.mp3"), DecodeSettings(), DEFAULT_PLAN)
    with pytest.raises(UnusableTrack, match="too short"):
        decode_clip(str(tone("short.wav", seconds=0.3, fmt="WAV")), DecodeSettings(min_duration_s=1.0), DEFAULT_PLAN)
    with pytest.raises(UnusableTrack, match="silent"):
        decode_clip(str(tone("silent.wav", amplitude=0.0, noise=0.0, fmt="WAV")), DecodeSettings(), DEFAULT_PLAN)


def test_truncated_stream_is_recorded_when_the_plan_reads_past_its_end(tone):
    path = tone(seconds=20.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # the header still promises 20 s
    whole = DecodePlan.from_params(22050, {"mfcc_stats": {"placement": "whole"}})
    with pytest.raises(UnusableTrack) as failure:
        decode_clip(str(path), DecodeSettings(), whole)
    assert failure.value.reason == "truncated"
    # The first 3 s are intact, and a plan that reads only them cannot tell.
    start = DecodePlan.from_params(22050, {"mfcc_stats": {"placement": "start"}})
    assert decode_clip(str(path), DecodeSettings(), start).spans == ((0, 3 * 22050),)


def test_pcm16_round_trip():
    signal = np.linspace(-1, 1, 101, dtype=np.float32)
    assert np.abs(from_pcm16(to_pcm16(signal)) - signal).max() < 1e-4


def test_feature_shapes_follow_settings():
    signal = np.random.default_rng(0).standard_normal(10 * 22050).astype(np.float32) * 0.1
    clip = DecodedAudio.from_signal(signal, 22050)
    mel = log_mel(clip, MelSettings())
    assert mel.shape == (128, 256)
    assert abs(mel.mean()) < 1e-4 and abs(mel.std() - 1) < 1e-3
    assert log_mel(clip, MelSettings(n_mels=64, n_frames=300)).shape == (64, 300)
    assert mfcc_stats(clip, MfccStatsSettings()).shape == (40,)
    assert mfcc_stats(clip, MfccStatsSettings(stats=("mean", "std"), placement="whole")).shape == (80,)
    assert mfcc_2d(clip, Mfcc2dSettings()).shape == (20, 128)
    with pytest.raises(ValueError, match="unknown feature kind"):
        settings_for("chroma", {})
    with pytest.raises(ValueError, match="placement"):
        settings_for("mfcc2d", {"placement": "whole"})


def test_shard_decodes_good_tracks_and_records_failures(tmp_path, tone):
    good = [str(tone(f"{i}.mp3", frequency=220.0 * (i + 1), seed=i)) for i in range(3)]
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00" * 10)
    plan = DecodePlan.from_params(22050, {"mel": {"n_frames": 64}})
    audio, failures = decode_shard([10, 11, 12, 13], [good[0], str(broken), good[1], good[2]], DecodeSettings(), plan, workers=2, progress=False)
    assert track_ids(audio).tolist() == [10, 12, 13]
    assert audio.column("clip_length").to_pylist() == [8 * 22050] * 3
    assert failures.column("track_id").to_pylist() == [11]
    assert failures.column("reason").to_pylist() == ["not audio"]

    mel = feature_shard(audio, "mel", MelSettings(n_frames=64), workers=1, progress=False)
    assert column_array(mel, "mel").shape == (3, 128, 64)
    assert mel.column("track_id").type == "int64"
    parallel = feature_shard(audio, "mel", MelSettings(n_frames=64), workers=2, progress=False)
    # Same values; BLAS runs single-threaded in the pool, so only rounding may differ.
    assert np.allclose(column_array(parallel, "mel"), column_array(mel, "mel"), atol=1e-4)
    # A feature that needs audio the plan did not decode is a bug, not a failed track.
    with pytest.raises(NotDecoded):
        feature_shard(audio, "mfcc_stats", MfccStatsSettings(), progress=False)


def test_empty_shard_keeps_its_shape(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"")
    audio, failures = decode_shard([1], [str(broken)], DecodeSettings(), DEFAULT_PLAN, progress=False)
    assert audio.num_rows == 0 and failures.num_rows == 1
    mfcc = feature_shard(audio, "mfcc2d", Mfcc2dSettings(), progress=False)
    assert column_array(mfcc, "mfcc2d").shape == (0, 20, 128)
