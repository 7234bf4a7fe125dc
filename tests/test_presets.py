"""Every preset (presets/*.yaml, README "Presets") is a valid config over config.yaml, plans exactly
its own representations and algorithms on the demo at tiny sizes, and one runs for real."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from snakemake.utils import update_config

from musiclust.config_validation import load_schema, validate_config
from musiclust.representations.registry import expand_representations

from .conftest import ROOT, snakemake, tiny_config

PRESETS = ROOT / "presets"

# Per preset: the representations (β sweeps expanded) and algorithms its plan must have, no others.
EXPECTED = {
    "task1_lyrics.yaml": ({"text_vae_lyrics", "text_pca_lyrics", "text_vae_lyrics_musiclust"}, {"kmeans"}),
    "task2_audio_text.yaml": (
        {"conv_vae_mel", "conv_ae_mel", "pca_mel", "pca_text_metadata", "hybrid_mel_metadata",
         "hybrid_mel_metadata_weighted", "pca_musicnn", "vae_musicnn", "hybrid_musicnn_metadata",
         "conv_vade_mel", "conv_vae_mel_musiclust"},
        {"kmeans", "agglomerative", "dbscan"},
    ),
    "task3_conditional.yaml": (
        {"cvae_mel", "pca_mel", "conv_ae_mel", "pca_text_metadata", "hybrid_cvae_metadata", "cvae_mel_musiclust"},
        {"kmeans", "agglomerative", "dbscan"},
    ),
    "study2_easy.yaml": ({"vae_mfcc", "pca_mfcc", "vade_mfcc"}, {"kmeans"}),
    "study2_medium.yaml": (
        {"conv_vae_mfcc2d", "vae_mfcc", "text_lyrics", "text_lyrics_tfidf", "multimodal_vae_concat",
         "multimodal_vae_poe", "vae_musicnn", "multimodal_vae_musicnn"},
        {"kmeans", "agglomerative", "dbscan"},
    ),
    "study2_hard.yaml": (
        {f"beta_vae_mfcc{extra}_beta{b}" for b in ("0.5", "1", "4", "10") for extra in ("", "_musiclust")},
        {"kmeans", "agglomerative", "dbscan"},
    ),
}


def merged(name: str) -> dict:
    """The preset merged over config.yaml, as `snakemake --configfile presets/NAME` does."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    update_config(config, yaml.safe_load((PRESETS / name).read_text()))
    return config


def tiny(name: str) -> dict:
    """The preset over the tests' tiny config, on the demo (task 1: its own synthetic corpus,
    smaller), one epoch."""
    config = tiny_config()
    update_config(config, yaml.safe_load((PRESETS / name).read_text()))
    if config["datasets"][config["dataset"]]["kind"] == "synthetic_lyrics":
        config["datasets"][config["dataset"]]["synthetic_lyrics"]["songs_per_language"] = 8
    else:
        config["dataset"] = "demo"
    for spec in config["representations"].values():
        if "training" in spec:
            spec["training"]["epochs"] = 1
    config["seeds"] = [0]  # (a preset's three seeds: the same jobs thrice)
    return config


def test_every_preset_is_listed():
    assert {p.name for p in PRESETS.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_is_valid_and_selects_its_own(name):
    config = merged(name)
    validate_config(config, load_schema(ROOT / "schemas" / "config.schema.yaml"))
    representations, algorithms = EXPECTED[name]
    only = config["only"]
    assert set(expand_representations({r: config["representations"][r] for r in only["representations"]})) == representations
    assert set(only["algorithms"]) == algorithms
    if config["dataset"] != "lyrics_task1":
        assert config["dataset"] == "fma_small" and config["datasets"]["fma_small"]["kind"] == "fma"


def test_study_settings():
    """The settings the studies state (spot checks of what the README promises)."""
    task2 = merged("task2_audio_text.yaml")
    assert task2["datasets"]["fma_small"]["selection"]["tracks"] == 100
    assert task2["datasets"]["fma_small"]["selection"]["tracks_per_genre"] is None
    training = task2["representations"]["conv_vae_mel"]["training"]
    assert (training["epochs"], training["batch_size"], training["learning_rate"]) == (25, 16, 0.001)
    assert task2["clustering"]["algorithms"]["dbscan"] == {"eps": 1.5, "min_samples": 5}
    assert task2["text"]["encoders"]["multilingual"]["model"] == "paraphrase-multilingual-mpnet-base-v2"
    task3 = merged("task3_conditional.yaml")
    assert task3["representations"]["cvae_mel"]["training"]["beta"] == 0.5
    easy = merged("study2_easy.yaml")
    assert easy["datasets"]["fma_small"]["selection"]["tracks_per_genre"] == 600
    assert len(easy["datasets"]["fma_small"]["selection"]["genres"]) == 5
    assert easy["clustering"]["algorithms"]["kmeans"]["k"] == 5
    hard = merged("study2_hard.yaml")
    assert hard["representations"]["beta_vae_mfcc"]["betas"] == [0.5, 1, 4, 10]
    assert hard["representations"]["beta_vae_mfcc"]["training"]["epochs"] == 30


STUDY_LOSS = {"first": {"reconstruction": "mean", "free_bits": 0.0}, "second": {"reconstruction": "sum", "free_bits": 0.0}}
BEYOND = {"early_stopping": False, "kl_warmup_epochs": 0, "holdout_fraction": 0.0}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_study_rows_train_with_the_studys_loss_and_extras_are_named(name):
    """A row that reproduces a study trains with the study's loss and nothing beyond it (the
    first run's defaults never reach it); a row beyond the study is labelled "(musiclust)", and
    the `*_musiclust` rows are the same models with musiclust's training."""
    config = merged(name)
    study = STUDY_LOSS["second" if name.startswith("study2") else "first"]
    labels = config["report"]["labels"]
    for rep in config["only"]["representations"]:
        spec = config["representations"][rep]
        if "training" not in spec:
            continue
        training = {**config["training"], **spec["training"]}
        expanded = [f"{rep}_beta{b:g}" for b in spec["betas"]] if "betas" in spec else [rep]
        beyond = all("musiclust" in labels.get(r, "") for r in expanded)
        if rep.endswith("_musiclust"):
            assert beyond and training["early_stopping"] and training["reconstruction"] == "sum", rep
        elif not beyond:
            assert {k: training[k] for k in {**study, **BEYOND}} == {**study, **BEYOND}, rep
            assert "channels" not in spec["arch"] or spec["arch"]["batch_norm"] is False, rep  # the studies' backbone


def _resized_defaults() -> dict:
    """config.yaml with every run-size default changed (seeds, epochs, batch, β, dimensions)."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["seeds"] = [7]
    for spec in config["representations"].values():
        if "training" in spec:
            spec["training"].update(epochs=999, batch_size=3)
        if "betas" in spec:
            spec["betas"] = [99]
        if "arch" in spec:
            spec["arch"]["latent_dim"] = 3
        if "n_components" in spec:
            spec["n_components"] = 3
    return config


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_states_its_own_run_size(name):
    """config.yaml's defaults are sized for a quick first run: a preset states its seeds, epochs,
    batch, β and dimensions itself, so that resizing the defaults does not change what it runs."""
    def settings(config):
        update_config(config, yaml.safe_load((PRESETS / name).read_text()))
        representations = {r: config["representations"][r] for r in config["only"]["representations"]}
        return config["seeds"], representations, config["report"]["layout"]

    assert settings(_resized_defaults()) == settings(yaml.safe_load((ROOT / "config.yaml").read_text()))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_preset_plans_its_representations_on_the_demo(name, tmp_path):
    config = tiny(name)
    result = snakemake(tmp_path, config, "--dry-run")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    planned = set(re.findall(r"\brep=([\w.]+)", result.stdout))
    assert planned == EXPECTED[name][0], planned


def test_only_names_an_unknown_representation(tmp_path):
    config = tiny("study2_easy.yaml")
    config["only"]["representations"] = ["vae_mfcc", "no_such_rep"]
    result = snakemake(tmp_path, config, "--dry-run")
    assert result.returncode != 0
    assert "no_such_rep" in result.stdout + result.stderr


def test_study2_easy_runs_on_the_demo(tmp_path):
    """A real run of one preset (about 50 s): its tables hold its rows and no others."""
    config = tiny("study2_easy.yaml")
    result = snakemake(tmp_path, config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    report = tmp_path / "results" / "demo" / "report"
    metrics = pd.read_csv(report / "metrics.csv")
    assert set(metrics["representation"]) == {"vae_mfcc", "pca_mfcc", "vade_mfcc"}
    # VaDE's own clusters (its prior's components, k = the demo's 6 genres) beside K-Means (k = 5)
    assert set(zip(metrics["algorithm"], metrics["k"])) == {("kmeans", 5), ("vade", 6)}
    assert set(metrics.loc[metrics["algorithm"] == "vade", "representation"]) == {"vade_mfcc"}
    assert "vae_mfcc" in (report / "summary.md").read_text()
    # summary.csv laid out like the study's Table 1 (report.layout: study2), its row names
    summary = pd.read_csv(report / "summary.csv")
    assert list(summary.columns) == ["Method", "Silhouette ↑", "Calinski-Harabasz ↑", "Davies-Bouldin ↓",
                                     "Adjusted Rand Index ↑", "Normalized Mutual Info ↑", "Purity ↑", "marks"]
    assert list(summary["Method"]) == ["Basic VAE + K-Means", "PCA + K-Means", "VaDE (musiclust) + K-Means",
                                       "VaDE (musiclust) + own clusters"]
    page = (report / "index.html").read_text()
    assert "Tables 1–3" in page and "Basic VAE + K-Means" in page  # the page shows the study's table too
    assert (report / "index.html").exists()
