"""Text through Snakemake: the task-1 corpus (text only) and the demo's lyrics, then what edits rerun."""

from __future__ import annotations

import copy
import json
from collections import Counter

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from musiclust.text.store import embedding_metadata, read_source_used, read_text_features
from tests.conftest import ROOT, snakemake
from tests.conftest import planned_jobs as planned


pytestmark = pytest.mark.workflow


def text_config(dataset: str) -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["dataset"] = dataset
    config["datasets"]["lyrics_task1"]["synthetic_lyrics"].update(songs_per_language=12)
    config["datasets"]["demo"]["demo"].update(n_genres=6, tracks_per_genre=4, clip_seconds=2.0, n_broken=1)
    config["text"]["encoders"]["minilm"]["batch_size"] = 16
    config["text"]["encoders"]["tfidf"]["n_components"] = 8
    config["text"]["threads"] = 1
    return config


@pytest.fixture(scope="module")
def task1(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("text_task1")
    config = text_config("lyrics_task1")
    config["text"]["embeddings"] = ["lyrics-minilm", "lyrics-tfidf", "metadata-tfidf"]
    result = snakemake(workdir, config, "all_text")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return workdir, config


def test_task1_corpus_is_text_only(task1):
    workdir, _ = task1
    base = workdir / "results" / "lyrics_task1"
    tracks = pd.read_parquet(base / "tracks.parquet")
    assert json.loads(pq.read_schema(base / "tracks.parquet").metadata[b"n_shards"]) == 0
    assert tracks["genre"].value_counts().to_dict() == {"English": 12, "Spanish": 12}
    assert tracks["audio_path"].isna().all()
    assert not (base / "features").exists() and not (base / "raw").exists()


def test_task1_embeddings(task1):
    workdir, _ = task1
    text = workdir / "results" / "lyrics_task1" / "text"
    ids, minilm = read_text_features(text / "lyrics-minilm.parquet")
    assert minilm.shape == (24, 384)
    assert set(read_source_used(text / "lyrics-minilm.parquet").values()) == {"lyrics"}
    ids_tfidf, tfidf = read_text_features(text / "lyrics-tfidf.parquet")
    assert tfidf.shape == (24, 8) and ids_tfidf.tolist() == ids.tolist()
    meta = embedding_metadata(text / "lyrics-tfidf.parquet")
    assert meta["encoder"] == "tfidf" and meta["encoder_settings"]["n_components"] == 8
    assert meta["n_excluded"] == 0


def test_finished_text_run_has_nothing_to_do(task1):
    workdir, config = task1
    assert planned(workdir, config, "all_text") == Counter()


def test_encoder_edit_reruns_only_its_embeddings(task1):
    workdir, config = task1
    edited = copy.deepcopy(config)
    edited["text"]["encoders"]["tfidf"]["n_components"] = 6
    assert planned(workdir, edited, "all_text") == Counter({"embed_text": 2, "all_text": 1})
    edited = copy.deepcopy(config)
    edited["text"]["encoders"]["minilm"]["model"] = "sentence-transformers/all-MiniLM-L6-v2"
    assert planned(workdir, edited, "all_text") == Counter({"embed_text": 1, "all_text": 1})


def test_unknown_encoder_stops_before_any_job(tmp_path):
    config = text_config("lyrics_task1")
    config["text"]["embeddings"] = ["lyrics-bert"]
    result = snakemake(tmp_path, config, "--dry-run", "all_text")
    assert result.returncode != 0
    assert "text.embeddings: 'lyrics-bert' uses encoder 'bert', not defined" in result.stdout + result.stderr
    config = text_config("lyrics_task1")
    config["text"]["encoders"]["tfidf"]["model"] = "x"
    result = snakemake(tmp_path, config, "--dry-run", "all_text")
    assert result.returncode != 0 and "text.encoders.tfidf" in result.stdout + result.stderr


def test_demo_lyrics_reach_the_embeddings_with_the_fallback(tmp_path):
    """Demo generator → local lyrics provider → texts: lyrics where found, metadata elsewhere."""
    config = text_config("demo")
    config["text"]["embeddings"] = ["lyrics-tfidf", "lyrics_or_metadata-tfidf"]
    result = snakemake(tmp_path, config, "all_text")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    base = tmp_path / "results" / "demo"
    lyrics = pd.read_parquet(base / "text" / "lyrics.parquet")
    found = set(lyrics.loc[lyrics["status"] == "found", "track_id"])
    tracks = pd.read_parquet(base / "tracks.parquet")
    assert found and len(found) < len(tracks)
    used = read_source_used(base / "text" / "lyrics_or_metadata-tfidf.parquet")
    assert set(used) == set(tracks["track_id"])
    assert {t for t, source in used.items() if source == "lyrics"} == found & set(tracks["track_id"])
    assert set(read_source_used(base / "text" / "lyrics-tfidf.parquet")) == found & set(tracks["track_id"])
    excluded = pd.read_csv(base / "text" / "sources" / "lyrics-excluded.csv")
    assert len(excluded) == len(tracks) - len(found & set(tracks["track_id"]))
    # No audio was decoded for text: the text stage does not depend on the features.
    assert not (base / "features").exists()
