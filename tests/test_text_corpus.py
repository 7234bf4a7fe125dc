"""The first study's task-1 corpus: synthetic English and Spanish lyrics, labelled by language."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from musiclust.data.demo import PHRASEBOOKS
from musiclust.data.synthetic_lyrics import (
    SyntheticLyricsSpec,
    generate_lyrics_corpus,
    read_corpus_tracks,
    write_lyrics_corpus,
)

SPEC = SyntheticLyricsSpec()


def test_default_corpus_is_the_studys_75_plus_75() -> None:
    records = generate_lyrics_corpus(SPEC)
    assert Counter(r["language"] for r in records) == {"en": 75, "es": 75}
    assert [r["track_id"] for r in records] == list(range(1, 151))
    assert all(r["lyrics"] and not r["instrumental"] and r["duration"] is None for r in records)
    assert len({r["lyrics"] for r in records}) == 150


def test_corpus_is_deterministic_by_seed_and_stable_as_it_grows() -> None:
    assert generate_lyrics_corpus(SPEC) == generate_lyrics_corpus(SyntheticLyricsSpec())
    other = generate_lyrics_corpus(replace(SPEC, seed=1))
    assert [r["lyrics"] for r in other] != [r["lyrics"] for r in generate_lyrics_corpus(SPEC)]
    small = generate_lyrics_corpus(replace(SPEC, songs_per_language=5))
    assert [r["lyrics"] for r in small] == [r["lyrics"] for r in generate_lyrics_corpus(SPEC)][:10]


def test_songs_are_in_their_language() -> None:
    import re

    def has(words, text):
        return any(re.search(rf"\b{re.escape(w)}\b", text) for w in words)

    spanish = {w for nouns, verbs in PHRASEBOOKS["es"].themes.values() for w in nouns + verbs if len(w) > 5}
    english = {w for nouns, verbs in PHRASEBOOKS["en"].themes.values() for w in nouns + verbs if len(w) > 5}
    for record in generate_lyrics_corpus(SPEC):
        text = record["lyrics"].lower()
        own, foreign = (english, spanish) if record["language"] == "en" else (spanish, english)
        assert has(own, text)
        assert not has(foreign - own, text)


def test_tracks_frame_labels_by_language(tmp_path) -> None:
    path = tmp_path / "lyrics.jsonl"
    write_lyrics_corpus(replace(SPEC, languages=("en", "es", "fr"), songs_per_language=4), path)
    tracks = read_corpus_tracks(path)
    assert tracks.index.name == "track_id" and tracks.index.dtype == "int64"
    assert tracks["genre"].value_counts().to_dict() == {"English": 4, "Spanish": 4, "French": 4}
    assert tracks["audio_path"].isna().all() and tracks["title"].notna().all()


@pytest.mark.parametrize("changes", [{"languages": ("en", "xx")}, {"languages": ()}, {"songs_per_language": 0},
                                     {"languages": ("en", "en")}])
def test_spec_validation(changes) -> None:
    with pytest.raises(ValueError):
        SyntheticLyricsSpec(**changes)
