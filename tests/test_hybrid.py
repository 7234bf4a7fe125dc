"""Early-fusion hybrids on plain arrays: block alignment, concatenation, equal-variance weighting."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from musiclust.config_validation import ConfigError, load_schema, validate_config
from musiclust.representations.hybrid import HybridRepresentation, align_blocks, fuse_latents
from musiclust.representations.registry import representations_for

from .conftest import ROOT

SCHEMA = load_schema(ROOT / "schemas/config.schema.yaml")


def _blocks(seed=0, n=500):
    """A 3-d block of large scale and a 300-d block of small scale: dimensions and scales differ."""
    rng = np.random.default_rng(seed)
    audio = rng.normal(scale=[50.0, 5.0, 0.5], size=(n, 3))
    text = rng.normal(scale=0.01, size=(n, 300))
    return audio, text


def _block_totals(fused, dims):
    bounds = np.cumsum([0, *dims])
    return [fused[:, a:b].var(axis=0).sum() for a, b in zip(bounds[:-1], bounds[1:])]


def test_weighted_hybrid_gives_each_block_equal_total_variance_whatever_its_dimension():
    audio, text = _blocks()
    fused = HybridRepresentation("weighted", block_dims=[3, 300]).fit_transform(np.hstack([audio, text]))
    assert fused.shape == (500, 303)
    np.testing.assert_allclose(_block_totals(fused, [3, 300]), [1.0, 1.0], rtol=1e-4)


def test_weighted_hybrid_follows_configured_weights():
    audio, text = _blocks()
    model = HybridRepresentation("weighted", block_dims=[3, 300], weights=[2.0, 1.0]).fit(np.hstack([audio, text]))
    np.testing.assert_allclose(model.block_variance_, [2.0, 1.0], rtol=1e-4)


def test_weighted_hybrid_keeps_the_geometry_inside_a_block():
    """Block scaling, not per-dimension z-scoring: a block's weak dimensions stay weak."""
    audio, text = _blocks()
    fused = HybridRepresentation("weighted", block_dims=[3, 300]).fit_transform(np.hstack([audio, text]))
    ratios = fused[:, :3].std(axis=0) / fused[:, 0].std()
    np.testing.assert_allclose(ratios, audio.std(axis=0) / audio[:, 0].std(), rtol=1e-4)


def test_concat_hybrid_z_scores_every_dimension_so_the_wider_block_dominates():
    audio, text = _blocks()
    fused = HybridRepresentation("concat", block_dims=[3, 300]).fit_transform(np.hstack([audio, text]))
    np.testing.assert_allclose(fused.std(axis=0), 1.0, rtol=1e-3)
    np.testing.assert_allclose(_block_totals(fused, [3, 300]), [3.0, 300.0], rtol=1e-3)


def test_blocks_are_aligned_by_track_and_missing_tracks_are_dropped_not_zero_filled():
    ids_a = np.array([5, 1, 3, 7])
    ids_b = np.array([7, 3, 5])  # track 1 has no text
    a = np.array([[5.0], [1.0], [3.0], [7.0]])
    b = np.array([[70.0], [30.0], [50.0]])
    ids, (aligned_a, aligned_b), missing = align_blocks([ids_a, ids_b], [a, b])
    assert ids.tolist() == [5, 3, 7]
    assert aligned_a[:, 0].tolist() == [5.0, 3.0, 7.0] and aligned_b[:, 0].tolist() == [50.0, 30.0, 70.0]
    assert missing == [0, 1]
    ids, fused, info = fuse_latents({"audio": (ids_a, a), "text": (ids_b, b)}, "weighted")
    assert ids.tolist() == [5, 3, 7] and fused.shape == (3, 2)
    assert info["tracks_missing_per_part"] == {"audio": 0, "text": 1}


def test_fusion_mistakes_name_themselves():
    audio, text = _blocks()
    both = np.hstack([audio, text])
    with pytest.raises(ValueError, match="at least two blocks"):
        HybridRepresentation("concat", block_dims=[303]).fit(both)
    with pytest.raises(ValueError, match=r"X has 303 feature\(s\), but block_dims \[3, 300, 1\] needs 304"):
        HybridRepresentation("concat", block_dims=[3, 300, 1]).fit(both)
    assert HybridRepresentation("concat", block_dims=[3]).fit(both).block_dims_ == [3, 300]
    with pytest.raises(ValueError, match="weights apply to the weighted"):
        HybridRepresentation("concat", block_dims=[3, 300], weights=[1, 2]).fit(both)
    with pytest.raises(ValueError, match="not parts"):
        fuse_latents({"a": (np.arange(3), audio[:3]), "b": (np.arange(3), text[:3])}, "weighted", {"c": 2.0})
    with pytest.raises(ValueError, match="no track in common"):
        fuse_latents({"a": (np.arange(3), audio[:3]), "b": (np.arange(3) + 10, text[:3])}, "concat")


def _config():
    return yaml.safe_load((ROOT / "config.yaml").read_text())


def test_config_names_a_hybrid_part_that_does_not_exist_or_is_a_hybrid():
    config = _config()
    config["representations"]["bad"] = {"family": "hybrid_concat", "parts": ["conv_vae_mel", "pca_txt_metadata"]}
    config["representations"]["nested"] = {"family": "hybrid_weighted", "parts": ["bad", "vae_mfcc"]}
    with pytest.raises(ConfigError) as error:
        validate_config(config, SCHEMA)
    assert "representations.bad.parts: 'pca_txt_metadata' is not a representation" in str(error.value)
    assert "representations.nested.parts: 'bad' is itself a hybrid" in str(error.value)


def test_config_refuses_features_on_a_hybrid_and_weights_on_a_concat():
    config = _config()
    config["representations"]["bad"] = {"family": "hybrid_concat", "parts": ["vae_mfcc", "text_lyrics"],
                                         "weights": {"vae_mfcc": 2}}
    with pytest.raises(ConfigError, match="representations.bad"):
        validate_config(config, SCHEMA)
    config["representations"]["bad"] = {"family": "hybrid_weighted", "parts": ["vae_mfcc", "text_lyrics"],
                                         "features": "mel"}
    with pytest.raises(ConfigError, match="representations.bad"):
        validate_config(config, SCHEMA)


def test_a_hybrid_is_planned_only_where_the_dataset_can_build_all_its_parts():
    representations = {
        "audio": {"family": "pca", "features": "mfcc_stats"},
        "lyrics": {"family": "raw", "features": "lyrics-minilm"},
        "fused": {"family": "hybrid_concat", "parts": ["audio", "lyrics"]},
    }
    assert representations_for(representations, "demo") == ["audio", "lyrics", "fused"]
    assert representations_for(representations, "synthetic_lyrics") == ["lyrics"]  # no audio, no hybrid
