import numpy as np
import pytest
import soundfile as sf

from musiclust.features.decode import DecodeSettings, UnusableTrack, decode_window, from_pcm16, pad_centered, to_pcm16
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.spectral import MelSettings, Mfcc2dSettings, MfccStatsSettings, log_mel, mfcc_2d, mfcc_stats, settings_for
from musiclust.tables import column_array, track_ids


def test_window_matches_full_decode_of_the_same_span(tone):
    path = tone(seconds=20.0)
    settings = DecodeSettings(sample_rate=44100, window_s=4.0)
    window = decode_window(str(path), settings)
    full, rate = sf.read(path, dtype="float32")
    start = int((20.0 - 4.0) / 2 * rate)
    assert window.shape == (4 * 44100,)
    # Seeking inside the MP3 lands on the same samples as decoding it whole.
    assert np.abs(window - full[start : start + window.size]).max() < 1e-4


def test_window_is_resampled_and_short_clips_padded(tone):
    path = tone(seconds=3.0)
    window = decode_window(str(path), DecodeSettings(sample_rate=22050, window_s=6.0))
    assert window.shape == (6 * 22050,)
    assert np.all(window[:1000] == 0) and np.all(window[-1000:] == 0)
    assert np.abs(window[window.size // 2 - 500 : window.size // 2 + 500]).max() > 0.1


@pytest.mark.parametrize(
    "content, reason",
    [(b"", "empty file"), (b"this is not audio at all" * 40, "undecodable")],
)
def test_broken_files_are_unusable(tmp_path, content, reason):
    path = tmp_path / "broken.mp3"
    path.write_bytes(content)
    with pytest.raises(UnusableTrack) as failure:
        decode_window(str(path), DecodeSettings())
    assert failure.value.reason == reason


def test_missing_short_and_silent_files(tmp_path, tone):
    with pytest.raises(UnusableTrack, match="missing file"):
        decode_window(str(tmp_path / "nope.mp3"), DecodeSettings())
    with pytest.raises(UnusableTrack, match="too short"):
        decode_window(str(tone("short.wav", seconds=0.3, fmt="WAV")), DecodeSettings(min_duration_s=1.0))
    with pytest.raises(UnusableTrack, match="silent"):
        decode_window(str(tone("silent.wav", amplitude=0.0, noise=0.0, fmt="WAV")), DecodeSettings())


def test_pcm16_round_trip_and_padding():
    signal = np.linspace(-1, 1, 101, dtype=np.float32)
    assert np.abs(from_pcm16(to_pcm16(signal)) - signal).max() < 1e-4
    assert pad_centered(np.ones(4), 8).tolist() == [0, 0, 1, 1, 1, 1, 0, 0]
    assert pad_centered(np.arange(8), 4).tolist() == [2, 3, 4, 5]


def test_feature_shapes_follow_settings():
    signal = np.random.default_rng(0).standard_normal(6 * 22050).astype(np.float32) * 0.1
    mel = log_mel(signal, 22050, MelSettings())
    assert mel.shape == (128, 256)
    assert abs(mel.mean()) < 1e-4 and abs(mel.std() - 1) < 1e-3
    assert log_mel(signal, 22050, MelSettings(n_mels=64, n_frames=300)).shape == (64, 300)
    assert mfcc_stats(signal, 22050, MfccStatsSettings()).shape == (40,)
    assert mfcc_stats(signal, 22050, MfccStatsSettings(stats=("mean", "std"))).shape == (80,)
    assert mfcc_2d(signal, 22050, Mfcc2dSettings()).shape == (20, 128)
    with pytest.raises(ValueError, match="unknown feature kind"):
        settings_for("chroma", {})


def test_shard_decodes_good_tracks_and_records_failures(tmp_path, tone):
    good = [str(tone(f"{i}.mp3", frequency=220.0 * (i + 1), seed=i)) for i in range(3)]
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"\x00" * 10)
    settings = DecodeSettings(window_s=2.0)
    audio, failures = decode_shard([10, 11, 12, 13], [good[0], str(broken), good[1], good[2]], settings, workers=2, progress=False)
    assert track_ids(audio).tolist() == [10, 12, 13]
    assert column_array(audio, "audio").shape == (3, 2 * 22050)
    assert failures.column("track_id").to_pylist() == [11]
    assert failures.column("reason").to_pylist() == ["undecodable"]

    mel = feature_shard(audio, "mel", MelSettings(n_frames=64), workers=1, progress=False)
    assert column_array(mel, "mel").shape == (3, 128, 64)
    parallel = feature_shard(audio, "mel", MelSettings(n_frames=64), workers=2, progress=False)
    # Same values; BLAS runs single-threaded in the pool, so only rounding may differ.
    assert np.allclose(column_array(parallel, "mel"), column_array(mel, "mel"), atol=1e-4)


def test_empty_shard_keeps_its_shape(tmp_path):
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"")
    audio, failures = decode_shard([1], [str(broken)], DecodeSettings(window_s=2.0), progress=False)
    assert audio.num_rows == 0 and failures.num_rows == 1
    mfcc = feature_shard(audio, "mfcc2d", Mfcc2dSettings(), progress=False)
    assert column_array(mfcc, "mfcc2d").shape == (0, 20, 128)
