"""The demo's lyrics: coverage, instrumentals, languages leaning by genre, wrong matches, the file."""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from musiclust.data.demo import (
    GENRE_RECIPES,
    LYRICS_JSONL,
    METADATA_ZIP,
    PHRASEBOOKS,
    DemoSpec,
    demo_lyrics,
    generate_demo_corpus,
    write_song,
)
from musiclust.data.demo.plan import plan_tracks

FIELDS = ["track_id", "title", "artist", "album", "duration", "lyrics", "instrumental", "language"]
TINY = DemoSpec(n_genres=6, tracks_per_genre=3, clip_seconds=2.0, seed=0)
# Large enough for shares per genre to be measured, and cheap: no audio is rendered.
LARGE = DemoSpec(n_genres=10, tracks_per_genre=60, seed=0)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_lyrics")
    generate_demo_corpus(TINY, out)
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_lyrics_file_has_one_entry_per_track_in_the_local_format(corpus: Path) -> None:
    records = read_jsonl(corpus / LYRICS_JSONL)
    with zipfile.ZipFile(corpus / METADATA_ZIP) as archive:
        tracks = pd.read_csv(archive.open("fma_metadata/tracks.csv"), index_col=0, header=[0, 1])
    assert [r["track_id"] for r in records] == list(tracks.index)
    assert all(list(r) == FIELDS for r in records)
    planned = demo_lyrics(TINY)
    for record in records:
        entry = planned[record["track_id"]]
        assert record["instrumental"] == (entry.status == "instrumental")
        assert (record["lyrics"] is not None) == (entry.status in ("found", "wrong_match"))
        assert (record["language"] is None) == (record["lyrics"] is None)
        assert record["duration"] == round(TINY.clip_seconds)
        if entry.status != "wrong_match":  # the entry names the track itself
            assert record["title"] == tracks.loc[record["track_id"], ("track", "title")]
            assert record["artist"] == tracks.loc[record["track_id"], ("artist", "name")]


def test_lyrics_file_is_deterministic(corpus: Path, tmp_path: Path) -> None:
    generate_demo_corpus(TINY, tmp_path)
    assert (tmp_path / LYRICS_JSONL).read_bytes() == (corpus / LYRICS_JSONL).read_bytes()
    generate_demo_corpus(replace(TINY, seed=1), tmp_path / "other")
    assert (tmp_path / "other" / LYRICS_JSONL).read_bytes() != (corpus / LYRICS_JSONL).read_bytes()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_demo_coverage(seed: int) -> None:
    """Part of the tracks, not all: between one in six and one in three have lyrics."""
    statuses = Counter(t.status for t in demo_lyrics(DemoSpec(seed=seed)).values())
    n = sum(statuses.values())
    assert 1 / 6 <= statuses["found"] / n <= 1 / 3
    assert 0.1 <= statuses["instrumental"] / n <= 0.35
    assert statuses["not_found"] > statuses["found"]
    assert 1 <= statuses["wrong_match"] <= 5


def test_languages_and_themes_lean_by_genre_with_overlap() -> None:
    plan = plan_tracks(LARGE)
    lyrics = demo_lyrics(LARGE)
    genre_of = {t.track_id: GENRE_RECIPES[t.genres[0]].name for t in plan if len(t.genres) == 1}
    found = [(genre_of[i], t) for i, t in lyrics.items() if i in genre_of and t.status == "found"]
    languages = Counter(t.language for _, t in found)
    assert len(languages) == len(PHRASEBOOKS) >= 4
    per_genre = {g: Counter(t.language for genre, t in found if genre == g) for g in set(genre_of.values())}
    sings = Counter(genre_of[i] for i, t in lyrics.items() if i in genre_of and t.status == "found")
    instrumental = Counter(genre_of[i] for i, t in lyrics.items() if i in genre_of and t.status == "instrumental")
    # Vocal genres sing more than classical; classical is instrumental more often.
    assert sings["Hip-Hop"] > 4 * sings["Classical"] and sings["Pop"] > 3 * sings["Electronic"]
    assert instrumental["Classical"] > 3 * instrumental["Hip-Hop"]
    # International leans to Spanish and Portuguese, Blues to English; neither is a single language.
    intl = per_genre["International"]
    assert (intl["es"] + intl["pt"]) / sum(intl.values()) > 0.5 and len(intl) >= 3
    assert per_genre["Blues"].most_common(1)[0][0] == "en" and len(per_genre["Blues"]) >= 2
    # Vocabulary leans too: "city" words in hip-hop far more than in folk, but not only there.
    city = set(PHRASEBOOKS["en"].themes["city"][0])

    def city_share(genre: str) -> float:
        lines = [ln for g, t in found if g == genre and t.language == "en" for ln in t.lyrics.lower().splitlines()]
        return sum(any(word in ln for word in city) for ln in lines) / len(lines)

    assert city_share("Hip-Hop") > 2 * city_share("Folk") > 0


def test_wrong_matches_name_another_song() -> None:
    plan = plan_tracks(LARGE)
    lyrics = demo_lyrics(LARGE)
    from musiclust.data.demo.names import make_credits

    credits = make_credits(LARGE, plan)
    titles = {c.title for c in credits.values()}
    wrong = {i: t for i, t in lyrics.items() if t.status == "wrong_match"}
    assert len(wrong) == round(0.03 * len(plan))
    for track_id, entry in wrong.items():
        assert entry.lyrics and entry.artist != credits[track_id].artist
        assert entry.title not in titles


def test_songs_are_deterministic_and_in_their_language() -> None:
    import numpy as np

    song = write_song("es", {"party": 1.0}, np.random.default_rng(7), title="La Noche")
    assert song == write_song("es", {"party": 1.0}, np.random.default_rng(7), title="La Noche")
    stanzas = song.split("\n\n")
    assert len(stanzas) == 4 and stanzas[1] == stanzas[3] and stanzas[1].startswith("La Noche")
    assert " de el " not in song and " a el " not in song
    english_words = {w for nouns, verbs in PHRASEBOOKS["en"].themes.values() for w in nouns + verbs}
    assert not any(word in song for word in english_words if len(word) > 4)


def test_the_local_provider_reads_the_demo_file(corpus: Path) -> None:
    """The contract with the lyrics package: its reader takes the file as written."""
    local = pytest.importorskip("musiclust.lyrics.local")
    entries = local.read_local_lyrics(corpus / LYRICS_JSONL)
    records = read_jsonl(corpus / LYRICS_JSONL)
    assert set(entries) == {r["track_id"] for r in records}
    for record in records:
        assert entries[record["track_id"]]["lyrics"] == record["lyrics"]
        assert bool(entries[record["track_id"]].get("instrumental")) == record["instrumental"]
