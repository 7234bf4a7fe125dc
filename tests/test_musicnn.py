"""MusiCNN in PyTorch against the original TensorFlow implementation, and its checkpoint reading.

The reference outputs (tests/data/musicnn_reference.npz) were made once by the original
``musicnn.extractor`` under TensorFlow 2.15 with tests/data/make_musicnn_reference.py (its
docstring has the command). Measured differences: tag probabilities within 3e-6, penultimate
features within 2e-5 (values up to 4); the tolerances below leave room for other CPUs' float
summation orders, and are far below what a wrong layer, padding, epsilon or pooling order gives.
"""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest
import torch

from musiclust.features.clip import DecodedAudio, clips_table
from musiclust.features.pretrained.musicnn import (
    MusicnnSettings,
    log_mel,
    musicnn_feature,
    musicnn_features,
    patches,
)
from musiclust.features.pretrained.musicnn_weights import (
    MODELS,
    checkpoint_prefix,
    is_optimizer_state,
    labels,
    load_musicnn,
    state_dict_from_checkpoint,
    torch_name,
)
from musiclust.features.pretrained.musicnn_model import MusiCNN
from musiclust.features.pretrained.tf_checkpoint import read_checkpoint
from musiclust.features.shards import feature_shard
from musiclust.features.spectral import settings_for
from musiclust.parquet_tables import array_shape, column_array
from tests.data.make_musicnn_reference import clips_checksum, reference_clips

REFERENCE = Path(__file__).parent / "data" / "musicnn_reference.npz"
TAGS_ATOL = 1e-4
PENULTIMATE_ATOL = 1e-3


@pytest.fixture(scope="module")
def reference():
    data = np.load(REFERENCE)
    clips = reference_clips()
    assert str(data["clips_sha256"]) == clips_checksum(clips), "the clip generator drifted: remake the reference"
    return data, clips


@pytest.mark.parametrize("model", MODELS)
def test_tags_and_penultimate_match_the_original(reference, model):
    data, clips = reference
    network = load_musicnn(model)
    for name, clip in clips.items():
        with torch.inference_mode():
            penultimate, logits = network(torch.from_numpy(patches(log_mel(clip))))
        expected_tags = data[f"{model}/{name}/taggram"]
        assert expected_tags.shape == (2, 50)  # 7 s: two whole patches
        np.testing.assert_allclose(torch.sigmoid(logits).numpy(), expected_tags, atol=TAGS_ATOL, err_msg=f"{model} {name}")
        np.testing.assert_allclose(
            penultimate.numpy(), data[f"{model}/{name}/penultimate"], atol=PENULTIMATE_ATOL, err_msg=f"{model} {name}"
        )


@pytest.mark.parametrize("model", MODELS)
def test_state_dict_covers_every_variable_of_the_checkpoint(model):
    variables = read_checkpoint(checkpoint_prefix(model))
    network = MusiCNN()
    targets = {name: value for name, value in network.state_dict().items() if not name.endswith("num_batches_tracked")}
    model_variables = {name: value for name, value in variables.items() if not is_optimizer_state(name)}
    # What is left out is Adam's two moments of each trained variable (batch norm's moving
    # statistics are not trained) and its two β powers.
    trained = [name for name in model_variables if "/moving_" not in name]
    optimizer = set(variables) - set(model_variables)
    assert optimizer == {f"{n}/Adam" for n in trained} | {f"{n}/Adam_1" for n in trained} | {"beta1_power", "beta2_power"}
    # Every model variable has its own place, and every place (but BatchNorm's step counter) a variable.
    places = {torch_name(name): name for name in model_variables}
    assert len(places) == len(model_variables)
    assert set(places) == set(targets)
    assert len(labels(model)) == 50 and labels(model)[0] == ("guitar" if model == "MTT_musicnn" else "rock")
    state = state_dict_from_checkpoint(variables, network)
    for place, tf_name in places.items():
        assert state[place].numel() == model_variables[tf_name].size
        assert sorted(state[place].flatten().tolist()) == pytest.approx(sorted(model_variables[tf_name].ravel().tolist()))


def test_loud_audio_gives_finite_embeddings():
    """numpy ≥ 2 computes the original's 10000·x in float16, which overflows for loud bands."""
    t = np.arange(4 * 16000) / 16000
    loud = (0.9 * np.sin(2 * np.pi * 110 * t)).astype(np.float32)
    spectrogram = log_mel(loud)
    assert np.isfinite(spectrogram).all() and spectrogram.max() > np.log10(10000 * 6.55 + 1)
    assert np.isfinite(musicnn_feature(DecodedAudio.from_signal(loud, 16000), MusicnnSettings(layer="tags"))).all()


def test_decoded_clips_pool_their_patches_as_the_original_tags_them(reference):
    """The workflow's path on clips decoded at 16 kHz: every clip's patches batched together
    (batches cut across clips), the tags pooled per clip, as the original's taggram pooled."""
    data, clips = reference
    decoded = [DecodedAudio.from_signal(clip, 16000) for clip in clips.values()]
    settings = MusicnnSettings(layer="tags", pool=("mean", "max"), batch_size=4)
    pooled = musicnn_features(decoded, settings, threads=1, progress=False)
    assert pooled.shape == (3, 100)
    for row, name in enumerate(clips):
        taggram = data[f"MTT_musicnn/{name}/taggram"]
        expected = np.concatenate([taggram.mean(axis=0), taggram.max(axis=0)])
        np.testing.assert_allclose(pooled[row], expected, atol=TAGS_ATOL, err_msg=name)
    # One clip alone gives its row of the batched shard.
    np.testing.assert_allclose(musicnn_feature(decoded[1], settings), pooled[1], atol=1e-5)


def test_the_shared_decode_at_22050_hz_changes_tags_little(reference):
    """The original loads a 44.1 kHz file straight to 16 kHz; the workflow's decode resamples
    it to 22,050 Hz first, the feature then to 16 kHz (measured: tags within 1.2e-4)."""
    _, clips = reference
    sources = [librosa.resample(clip, orig_sr=16000, target_sr=44100) for clip in clips.values()]
    direct = [DecodedAudio.from_signal(librosa.resample(s, orig_sr=44100, target_sr=16000), 16000) for s in sources]
    twice = [DecodedAudio.from_signal(librosa.resample(s, orig_sr=44100, target_sr=22050), 22050) for s in sources]
    settings = MusicnnSettings(layer="tags")
    np.testing.assert_allclose(
        musicnn_features(twice, settings, progress=False), musicnn_features(direct, settings, progress=False), atol=1e-3
    )


def test_short_clip_is_repeated_to_one_patch_and_excerpts_stay_inside_the_clip():
    spectrogram = np.arange(100 * 96, dtype=np.float32).reshape(100, 96)
    patch = patches(spectrogram)
    assert patch.shape == (1, 187, 96)
    np.testing.assert_array_equal(patch[0, 100:187], spectrogram[:87])
    assert patches(np.zeros((400, 96), np.float32)).shape == (2, 187, 96)
    settings = MusicnnSettings(placement="center", duration_s=3.0)
    assert settings.span(22050 * 10, 22050) == (22050 * 10 // 2 - 33075, 22050 * 10 // 2 + 33075)
    assert settings.span(22050, 22050) == (0, 22050)  # a 1 s clip: all of it, no silence around
    assert MusicnnSettings(placement="start", duration_s=30.0).span(22050 * 10, 22050) == (0, 22050 * 10)


def test_settings_name_the_mistake():
    with pytest.raises(ValueError, match=r"features.musicnn: layer 'logits'"):
        MusicnnSettings(layer="logits")
    with pytest.raises(ValueError, match=r"model 'MTT_vgg'"):
        MusicnnSettings(model="MTT_vgg")


def test_feature_shard_of_decoded_audio_holds_one_embedding_a_track(reference):
    """The compute_features job's path: a decoded-audio shard (int16, 22,050 Hz) in, a
    (tracks, 200) column out; an empty shard gives an empty column of that width."""
    _, clips = reference
    signals = [librosa.resample(clip[: 16000 * 3 + 512], orig_sr=16000, target_sr=22050) for clip in clips.values()]
    audio = clips_table([7, 9], [DecodedAudio.from_signal(s, 22050) for s in signals[:2]], 22050)
    table = feature_shard(audio, "musicnn", settings_for("musicnn", {"pool": ["mean", "max"]}), workers=1, progress=False)
    assert table.column("track_id").to_pylist() == [7, 9]
    values = column_array(table, "musicnn")
    assert values.shape == (2, 400) and np.isfinite(values).all()
    # one patch a clip: its mean is its max
    np.testing.assert_allclose(values[:, :200], values[:, 200:])
    empty = feature_shard(audio.slice(0, 0), "musicnn", MusicnnSettings(), workers=1, progress=False)
    assert empty.num_rows == 0 and array_shape(empty, "musicnn") == (200,)
