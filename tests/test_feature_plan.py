"""The decode plan: which clip samples each feature reads, merged into the spans decoded."""

import copy
from pathlib import Path

import pytest
import yaml

from musiclust.config_validation import ConfigError, load_schema, validate_config
from musiclust.features.plan import DecodePlan, merge_spans, span_params
from musiclust.features.spectral import (
    MelSettings,
    Mfcc2dSettings,
    MfccStatsSettings,
    excerpt,
)

ROOT = Path(__file__).resolve().parents[1]
CLIP = 661500  # a 30 s clip at 22,050 Hz, as librosa.load returns it
SECONDS_3 = 3 * 22050


@pytest.fixture
def config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_mel_span_is_the_centre_of_the_whole_clips_frame_grid():
    # 1 + 661500 // 512 = 1292 frames; keep [518, 774); frame i is centred on sample 512·i.
    mel = MelSettings()
    assert mel.first_frame(CLIP) == (1292 - 256) // 2 == 518
    assert mel.span(CLIP, 22050) == (518 * 512 - 1024, 773 * 512 + 1024)
    # An odd number of frames to spare: the extra one goes to the end, as (T - n) // 2 does.
    assert MelSettings(n_frames=255).first_frame(CLIP) == 518
    # A short clip keeps every frame from frame 0; the span reaches past its end (zeros there).
    assert MelSettings().span(3 * 22050, 22050) == (-1024, 255 * 512 + 1024)


def test_excerpts_for_each_placement():
    assert excerpt("start", SECONDS_3, CLIP) == (0, SECONDS_3)
    assert excerpt("center", SECONDS_3, CLIP) == ((CLIP - SECONDS_3) // 2, (CLIP - SECONDS_3) // 2 + SECONDS_3)
    assert excerpt("whole", SECONDS_3, CLIP) == (0, CLIP)
    # Shorter clips: start pads at the end, center either side (zeros outside the clip).
    assert excerpt("start", SECONDS_3, 22050) == (0, SECONDS_3)
    assert excerpt("center", SECONDS_3, 22050) == (-22050, 44100)
    assert MfccStatsSettings(placement="whole", duration_s=1.0).span(CLIP, 22050) == (0, CLIP)
    assert Mfcc2dSettings(placement="center", duration_s=2.0).span(CLIP, 22050) == excerpt("center", 44100, CLIP)
    with pytest.raises(ValueError, match="placement"):
        excerpt("end", SECONDS_3, CLIP)


def test_merge_spans_clips_sorts_and_merges():
    assert merge_spans([(50, 80), (-10, 20), (15, 30), (30, 40), (90, 120), (200, 300)], 100) == [(0, 40), (50, 80), (90, 100)]
    assert merge_spans([(10, 20), (12, 15)], 100) == [(10, 20)]


def test_plan_of_the_default_config_and_of_the_alternatives(config):
    features = config["features"]
    plan = DecodePlan.from_params(22050, span_params(features))
    assert plan.spans(CLIP) == [(0, SECONDS_3), MelSettings().span(CLIP, 22050)]
    centre = copy.deepcopy(features)
    centre["mfcc_stats"]["placement"] = centre["mfcc2d"]["placement"] = "center"
    # The centre 3 s lie inside the log-mel's 6 s: one span.
    assert DecodePlan.from_params(22050, span_params(centre)).spans(CLIP) == [MelSettings().span(CLIP, 22050)]
    whole = copy.deepcopy(features)
    whole["mfcc_stats"].update(placement="whole", n_mfcc=20, stats=["mean", "std"])
    assert DecodePlan.from_params(22050, span_params(whole)).spans(CLIP) == [(0, CLIP)]
    assert DecodePlan.from_params(22050, span_params(whole)).spans(1000) == [(0, 1000)]
    with pytest.raises(ValueError, match="at least one feature"):
        DecodePlan.from_params(22050, {})


def test_decode_params_hold_only_what_moves_a_span(config):
    features = config["features"]
    params = span_params(features)
    assert params == {
        "mel": {"n_fft": 2048, "hop_length": 512, "n_frames": 256},
        "mfcc_stats": {"placement": "start", "duration_s": 3.0},
        "mfcc2d": {"placement": "start", "duration_s": 3.0},
    }
    edited = copy.deepcopy(features)
    edited["mel"].update(n_mels=64, fmax=8000.0, standardize=False)
    edited["mfcc_stats"].update(n_mfcc=20, stats=["mean", "std"])
    edited["mfcc2d"].update(n_frames=64)
    assert span_params(edited) == params  # these edits rerun features, not the decoding
    # Spelled-out defaults or omitted ones: the same params, no rerun.
    del edited["mfcc2d"]["placement"], edited["mel"]["n_fft"]
    assert span_params(edited) == params
    for kind, key, value in [("mfcc_stats", "placement", "whole"), ("mfcc2d", "duration_s", 4.0), ("mel", "hop_length", 256)]:
        moved = copy.deepcopy(features)
        moved[kind][key] = value
        assert span_params(moved) != params, (kind, key)


def test_musicnn_span_joins_the_decode_only_when_a_representation_reads_it(config):
    """MusiCNN reads whole clips by default: a run that does not use it decodes as before."""
    features = config["features"]
    assert "musicnn" in features  # the schema's default block
    without = span_params(features, used=["mel", "mfcc_stats", "mfcc2d"])
    assert without == span_params(features) == span_params({k: v for k, v in features.items() if k != "musicnn"})
    with_musicnn = span_params(features, used=["mel", "musicnn"])
    assert with_musicnn["musicnn"] == {"placement": "whole", "duration_s": 30.0}
    assert DecodePlan.from_params(22050, with_musicnn).spans(CLIP) == [(0, CLIP)]


def test_config_accepts_any_excerpt_and_rejects_mfcc2d_frames_it_cannot_fill(config):
    schema = load_schema(ROOT / "schemas" / "config.schema.yaml")
    long_excerpt = copy.deepcopy(config)
    long_excerpt["features"]["mfcc_stats"]["duration_s"] = 60  # longer than a clip: zero-padded, valid
    validate_config(long_excerpt, schema)
    fits = copy.deepcopy(config)
    fits["features"]["mfcc2d"].update(n_frames=130)  # 1 + 66150 // 512
    validate_config(fits, schema)
    fits["features"]["mfcc2d"]["n_frames"] = 131
    with pytest.raises(ConfigError, match="features.mfcc2d.n_frames: 131 frames is more than the 130"):
        validate_config(fits, schema)
    old = copy.deepcopy(config)
    old["audio"]["window_s"] = 6.0  # the window now comes from the plan
    with pytest.raises(ConfigError, match="audio: Additional properties"):
        validate_config(old, schema)
