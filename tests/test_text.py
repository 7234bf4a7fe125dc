"""Text sources (and what each track used), encoders (offline default, TF-IDF), embedding tables."""

from __future__ import annotations

import logging
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from musiclust.text.encoders import (
    SentenceTransformerEncoder,
    TfidfSvdEncoder,
    make_encoder,
    packaged_model_path,
    resolve_model,
)
from musiclust.text.sources import build_source, clean_lyrics, metadata_text, read_lyrics_jsonl
from musiclust.text.store import (
    parse_text_feature,
    read_source_used,
    read_text_features,
    text_feature_path,
    write_text_embeddings,
)

TRACKS = pd.DataFrame(
    {
        "track_id": [10, 20, 30, 40, 50, 60],
        "title": ["Red River", "Night Drive", None, "Untitled", "Blue", None],
        "artist": ["Ada Reed", "The Wires", "Los del Mar", None, "Jo", None],
    }
)
LYRICS = pd.DataFrame(
    {
        "track_id": [10, 20, 30, 40, 50],
        "lyrics": ["[Verse 1]\nI drive the highway\n\n\n[Chorus]\n[00:12.50]Oh, the road", None, "Bailar contigo", None, "[Chorus]"],
        "status": ["found", "instrumental", "found", "rejected", "found"],
    }
)


# --- sources ---------------------------------------------------------------------------------


def test_metadata_text_joins_what_there_is() -> None:
    assert metadata_text("Red River", "Ada Reed") == "Red River – Ada Reed"
    assert metadata_text("  Blue ", None) == "Blue"
    assert metadata_text(float("nan"), "Jo") == "Jo"
    assert metadata_text(None, " ") is None


def test_clean_lyrics_drops_markup_keeps_stanzas() -> None:
    assert clean_lyrics(LYRICS["lyrics"][0]) == "I drive the highway\n\nOh, the road"
    assert clean_lyrics("[Chorus]\n(x2)\n") is None
    assert clean_lyrics(None) is None


def test_metadata_source_leaves_out_tracks_without_title_or_artist() -> None:
    texts, excluded = build_source(TRACKS, "metadata")
    assert texts["track_id"].tolist() == [10, 20, 30, 40, 50]
    assert set(texts["source_used"]) == {"metadata"}
    assert texts.set_index("track_id").loc[30, "text"] == "Los del Mar"
    assert excluded.to_dict("records") == [{"track_id": 60, "reason": "no title or artist"}]


def test_lyrics_source_uses_found_lyrics_only() -> None:
    texts, excluded = build_source(TRACKS, "lyrics", LYRICS)
    assert texts["track_id"].tolist() == [10, 30]
    assert set(texts["source_used"]) == {"lyrics"}
    reasons = dict(zip(excluded["track_id"], excluded["reason"]))
    assert reasons == {20: "lyrics instrumental", 40: "lyrics rejected", 50: "lyrics empty", 60: "no lyrics entry"}
    assert "[Chorus]" not in texts["text"].iloc[0]


def test_fallback_records_the_source_each_track_used() -> None:
    texts, excluded = build_source(TRACKS, "lyrics_or_metadata", LYRICS)
    used = dict(zip(texts["track_id"], texts["source_used"]))
    # Lyrics where found; a rejected, instrumental or empty answer falls back to the metadata.
    assert used == {10: "lyrics", 20: "metadata", 30: "lyrics", 40: "metadata", 50: "metadata"}
    assert texts.set_index("track_id").loc[40, "text"] == "Untitled"
    assert excluded["track_id"].tolist() == [60]
    assert "no title or artist" in excluded["reason"].iloc[0]


def test_lyrics_sources_need_the_lyrics_and_a_known_source() -> None:
    with pytest.raises(ValueError, match="needs the lyrics"):
        build_source(TRACKS, "lyrics")
    with pytest.raises(ValueError, match="unknown text source"):
        build_source(TRACKS, "title")


def test_corpus_lyrics_file_statuses(tmp_path) -> None:
    path = tmp_path / "lyrics.jsonl"
    path.write_text(
        '{"track_id": 1, "lyrics": "la la", "instrumental": false}\n'
        '{"track_id": 2, "lyrics": null, "instrumental": true}\n\n'
        '{"track_id": 3, "lyrics": "  ", "instrumental": false}\n',
        encoding="utf-8",
    )
    frame = read_lyrics_jsonl(path)
    assert frame["status"].tolist() == ["found", "instrumental", "not_found"]
    assert frame["track_id"].dtype == np.int64


# --- TF-IDF + SVD ----------------------------------------------------------------------------

CORPUS = [
    "the road the highway the engine",
    "dance all night the beat the floor",
    "la calle el barrio la ciudad",
    "bailar la fiesta la noche el ritmo",
    "the highway and the dust and the border",
    "the beat the music the lights tonight",
    "el camino la carretera el polvo",
    "cantar bailar la pista el verano",
]


def test_tfidf_is_deterministic_and_normalised() -> None:
    first = TfidfSvdEncoder(n_components=4, seed=0).fit_transform(CORPUS)
    again = TfidfSvdEncoder(n_components=4, seed=0).fit_transform(CORPUS)
    assert first.dtype == np.float32 and first.shape == (8, 4)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    # Texts of one kind sit closer together than texts of another.
    sims = first @ first.T
    assert sims[0, 4] > sims[0, 2] and sims[2, 6] > sims[2, 1]


def test_tfidf_caps_components_with_a_warning(caplog) -> None:
    encoder = TfidfSvdEncoder(n_components=384)
    with caplog.at_level(logging.WARNING):
        vectors = encoder.fit_transform(CORPUS)
    assert encoder.n_components_ == vectors.shape[1] == len(CORPUS) - 1
    assert "capped to 7" in caplog.text


def test_make_encoder_from_config() -> None:
    tfidf = make_encoder({"kind": "tfidf_svd", "n_components": 16, "seed": 3})
    assert isinstance(tfidf, TfidfSvdEncoder) and tfidf.n_components == 16 and tfidf.seed == 3
    st = make_encoder({"kind": "sentence_transformers", "model": "some/model", "batch_size": 8, "device": "cpu"})
    assert isinstance(st, SentenceTransformerEncoder) and st.batch_size == 8
    with pytest.raises(ValueError, match="unknown text encoder kind"):
        make_encoder({"kind": "word2vec"})


# --- the default sentence encoder, offline ---------------------------------------------------


def test_default_model_resolves_to_the_installed_package() -> None:
    path = packaged_model_path("all-MiniLM-L6-v2")
    assert path is not None and (path / "model.safetensors").exists()
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(path)
    # Any other name goes to sentence-transformers unchanged (it downloads, given the internet).
    assert resolve_model("paraphrase-multilingual-mpnet-base-v2") == "paraphrase-multilingual-mpnet-base-v2"


def test_default_encoder_loads_offline_and_embeds_meaningfully() -> None:
    """In a fresh process with the hub unreachable: 384-d unit vectors, similar texts closer."""
    script = (
        "import json, numpy as np\n"
        "from musiclust.text.encoders import SentenceTransformerEncoder\n"
        "e = SentenceTransformerEncoder(batch_size=2, device='cpu', show_progress=False)\n"
        "x = e.encode(['I love you, my darling', 'My sweetheart, I adore you',"
        " 'Quarterly tax filings are due in April', 'The tax return deadline is in spring'])\n"
        "c = SentenceTransformerEncoder(batch_size=2, device='cpu', show_progress=False, long_text='chunks',"
        " chunk_words=8)\n"
        "song = 'I love you, my darling\\nMy sweetheart, I adore you\\nThe tax return deadline is in spring'\n"
        "y = c.encode(['I love you, my darling', song])\n"
        "parts = e.encode(['I love you, my darling', 'My sweetheart, I adore you', 'The tax return deadline is in spring'])\n"
        "mean = parts.mean(axis=0) / np.linalg.norm(parts.mean(axis=0))\n"
        "print(json.dumps({'shape': list(x.shape), 'dtype': str(x.dtype),"
        " 'norms': np.linalg.norm(x, axis=1).tolist(), 'sims': (x @ x.T).tolist(),"
        " 'short_same': float(np.abs(y[0] - x[0]).max()), 'chunk_mean': float(np.abs(y[1] - mean).max())}))\n"
    )
    # A proxy that refuses every connection: any attempt to reach the hub would fail or hang.
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9",
           "HF_HOME": "/nonexistent-hf-home"}
    env.pop("HF_HUB_OFFLINE", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["shape"] == [4, 384] and out["dtype"] == "float32"
    np.testing.assert_allclose(out["norms"], 1.0, atol=1e-4)
    sims = np.array(out["sims"])
    assert sims[0, 1] > sims[0, 2] + 0.3 and sims[2, 3] > sims[1, 3] + 0.3
    # long_text=chunks: a short text is its own single chunk; a long one the mean of its chunks.
    assert out["short_same"] < 1e-5 and out["chunk_mean"] < 1e-5


def test_split_into_chunks() -> None:
    from musiclust.text.encoders import split_into_chunks

    text = "one two three\nfour five\nsix seven eight nine ten eleven\n\ntwelve"
    assert split_into_chunks(text, 5) == ["one two three four five", "six seven eight nine ten", "eleven twelve"]
    assert split_into_chunks("a b c", 5) == ["a b c"]
    assert split_into_chunks("", 5) == [""]
    with pytest.raises(ValueError, match="long_text"):
        SentenceTransformerEncoder(long_text="summarise")


# --- embedding tables and feature names --------------------------------------------------------


def test_embedding_table_round_trip(tmp_path) -> None:
    path = tmp_path / "text" / "lyrics_or_metadata-minilm.parquet"
    vectors = np.arange(12, dtype=np.float32).reshape(3, 4)
    write_text_embeddings(path, np.array([7, 3, 9]), vectors, ["lyrics", "metadata", "lyrics"], {"n_excluded": 2})
    ids, read = read_text_features(path)
    assert ids.tolist() == [7, 3, 9] and ids.dtype == np.int64
    np.testing.assert_array_equal(read, vectors)
    assert read_source_used(path) == {7: "lyrics", 3: "metadata", 9: "lyrics"}


def test_feature_names_and_paths() -> None:
    assert parse_text_feature("lyrics_or_metadata-minilm") == ("lyrics_or_metadata", "minilm")
    assert parse_text_feature("metadata-tfidf") == ("metadata", "tfidf")
    assert parse_text_feature("mel") is None and parse_text_feature("title-minilm") is None
    assert text_feature_path("results/demo", "metadata-minilm") == "results/demo/text/metadata-minilm.parquet"
    with pytest.raises(ValueError, match="not a text feature"):
        text_feature_path("results/demo", "mfcc_stats")


def test_config_checks_that_text_embeddings_name_a_defined_encoder() -> None:
    from musiclust.config_validation import _text_checks

    text = {"encoders": {"minilm": {"kind": "sentence_transformers"}}, "embeddings": ["metadata-minilm", "lyrics-bert"]}
    representations = {"pca_mel": {"family": "pca", "features": "mel"},
                       "text_pca": {"family": "pca", "features": "lyrics_or_metadata-tfidf"},
                       "text_vae": {"family": "vae", "features": "metadata-minilm"},
                       "fused": {"family": "multimodal_vae", "features": "mfcc_stats", "text": "lyrics-bert"}}
    assert _text_checks(text, representations) == [
        "text.embeddings: 'lyrics-bert' uses encoder 'bert', not defined under text.encoders (defined: minilm)",
        "representations.text_pca.features: 'lyrics_or_metadata-tfidf' uses encoder 'tfidf', not defined under "
        "text.encoders (defined: minilm)",
        "representations.fused.text: 'lyrics-bert' uses encoder 'bert', not defined under text.encoders "
        "(defined: minilm)",
    ]
