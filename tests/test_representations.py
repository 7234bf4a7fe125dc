import numpy as np
import pandas as pd
import pytest

from musiclust.report.disentanglement_table import disentanglement_rows, disentanglement_summary
from musiclust.report.metrics_tables import metrics_report
from musiclust.representations.estimators import AutoencoderRepresentation, PCARepresentation, RawRepresentation
from musiclust.representations.latents import read_latents, write_latents
from musiclust.representations.learned import fit_learned
from musiclust.representations.registry import LEARNED_FAMILIES, expand_representations
from musiclust.parquet_tables import read_table, table_metadata, write_table


def test_learned_family_names_match_the_model_registry():
    from musiclust.models.registry import known_families

    assert set(LEARNED_FAMILIES) == set(known_families())


def test_audio_feature_names_match_the_feature_stage():
    # The registry keeps its own copy so that planning never imports librosa.
    from musiclust.features.spectral import FEATURE_KINDS
    from musiclust.representations.registry import AUDIO_FEATURES

    assert tuple(AUDIO_FEATURES) == tuple(FEATURE_KINDS)


def test_beta_sweep_expands_to_one_representation_per_beta():
    reps = {
        "pca_mel": {"family": "pca", "features": "mel"},
        "beta_vae": {"family": "conv_vae", "features": "mfcc2d", "betas": [0.5, 4], "training": {"epochs": 3}},
    }
    expanded = expand_representations(reps)
    assert list(expanded) == ["pca_mel", "beta_vae_beta0.5", "beta_vae_beta4"]
    assert expanded["beta_vae_beta4"]["training"] == {"epochs": 3, "beta": 4.0}
    assert "betas" not in expanded["beta_vae_beta0.5"]
    assert reps["beta_vae"]["betas"] == [0.5, 4]  # the config itself is left alone


def test_pca_is_clamped_to_the_data_and_raw_is_standardised():
    features = np.random.default_rng(0).standard_normal((10, 4, 5)).astype(np.float32)
    pca = PCARepresentation(32, seed=0)
    assert pca.fit_transform(features).shape == (10, 10) and pca.info()["n_components"] == 10
    raw = RawRepresentation().fit_transform(features)
    assert raw.shape == (10, 20)
    assert np.allclose(raw.mean(axis=0), 0, atol=1e-6)


def test_vector_inputs_are_standardised_spectrograms_are_not():
    model = AutoencoderRepresentation("vae")
    vectors = np.array([[100.0, 1.0], [300.0, 3.0]], dtype=np.float32)
    assert np.allclose(model._inputs(vectors, fit=True), [[-1, -1], [1, 1]])
    assert np.allclose(model._inputs(vectors[:1], fit=False), [[-1, -1]])  # the fitted scaler, reused
    images = np.full((2, 3, 4), 7.0, dtype=np.float32)
    assert np.array_equal(model._inputs(images, fit=True), images)


def test_unknown_training_setting_is_named():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'epoch'"):
        AutoencoderRepresentation("vae", epoch=3)


@pytest.mark.parametrize("family", ["cvae", "conv_ae"])
def test_a_config_entry_fits_with_its_history_and_facts(tmp_path, family):
    rng = np.random.default_rng(0)
    features = rng.standard_normal((12, 16, 32)).astype(np.float32)
    genres = np.array(["a", "b", None] * 4, dtype=object)
    spec = {"family": family, "features": "mel", "arch": {"latent_dim": 4, "channels": [4, 8]},
            "training": {"epochs": 2, "batch_size": 4}}
    ids = np.arange(100, 112)
    fitted = fit_learned("m", spec, {"learning_rate": 1e-3, "device": "cpu"}, ids, features, genres, seed=0,
                         checkpoint_path=tmp_path / "state.pt")
    info = fitted.info
    assert (tmp_path / "state.pt").exists()  # (the workflow's adapter moves it into place)
    latents_path, history_path = tmp_path / "latents.parquet", tmp_path / "history.parquet"
    write_latents(latents_path, ids, fitted.model.latents_, logvar=fitted.model.logvar_, info=info)
    write_table(fitted.history(), history_path)
    read_ids, mean, stored = read_latents(latents_path)
    assert read_ids.tolist() == ids.tolist() and mean.shape == (12, 4)
    assert stored["saw_labels"] == (family == "cvae")
    if family == "cvae":
        assert info["beta"] == 0.5  # the study's default when the config names none
    assert {"active_dims", "collapsed", "latent_dim"} <= set(stored)
    history = read_table(history_path)
    assert history.column("epoch").to_pylist() == [1, 2]
    assert table_metadata(history, "info")["active_dims"] == stored["active_dims"]
    assert {"loss", "reconstruction", "kl", "time_s"} <= set(history.column_names)
    kl = table_metadata(history, "kl_per_dim")
    assert (kl is None) == (family == "conv_ae")

    rows = disentanglement_rows([latents_path], [history_path], kl_threshold=0.01)
    assert rows.loc[0, "representation"] == "m" and rows.loc[0, "latent_dim"] == 4
    assert 0 <= rows.loc[0, "mean_abs_correlation"] <= 1
    assert disentanglement_summary(rows).loc[0, "seeds"] == 1


def test_label_conditioned_and_collapsed_representations_are_marked_in_the_report():
    metrics = pd.DataFrame([
        {"representation": "cvae_mel", "algorithm": "kmeans", "seed": 0, "ari": 0.9, "n_tracks": 5, "saw_labels": True,
         "collapsed": False, "active_dims": 12},
        {"representation": "pca_mel", "algorithm": "kmeans", "seed": 0, "ari": 0.2, "n_tracks": 5, "saw_labels": False,
         "collapsed": False, "active_dims": None},
        {"representation": "vae_mfcc", "algorithm": "kmeans", "seed": 0, "ari": 0.0, "n_tracks": 5,
         "saw_labels": False, "collapsed": True, "active_dims": 0, "silhouette": 0.9},
        {"representation": "vae_mfcc", "algorithm": "dbscan", "seed": 0, "ari": 0.0, "n_tracks": 5,
         "saw_labels": False, "collapsed": True, "active_dims": 0, "noise_share": 0.8},
    ])
    page = metrics_report(metrics, pd.DataFrame(columns=["track_id", "stage", "reason", "detail"]), "demo")
    assert "| cvae_mel †" in page and "| pca_mel " in page
    assert "† cvae_mel: trained with the genre labels" in page
    rows = {line.split("|")[1].strip() + "/" + line.split("|")[2].strip(): line for line in page.splitlines()
            if line.startswith("| ") and "representation" not in line}
    assert "collapsed (1/1 seeds)" in rows["vae_mfcc/kmeans"] and "collapsed" not in rows["pca_mel/kmeans"]
    assert "noise-dominated" in rows["vae_mfcc/dbscan"]
    assert "**Collapsed** (vae_mfcc)" in page
