"""The judge of lyrics answers, on the kinds of wrong match real lyrics sets are full of."""

from __future__ import annotations

import pytest

from musiclust.lyrics.judge import (
    MatchCriteria,
    artist_similarity,
    best_candidate,
    judge,
    title_similarity,
)
from musiclust.lyrics.normalize import (
    artist_names,
    is_placeholder_artist,
    is_placeholder_title,
    is_pseudo_artist,
    normalize_title,
)
from musiclust.lyrics.types import Candidate, Query


def q(title, artist, duration=None, album=None):
    return Query(1, title, artist, album, duration)


def c(title, artist, duration=None):
    return Candidate(title, artist, duration=duration, lyrics="la la")


@pytest.mark.parametrize("raw, expected", [
    ("Heartbeat (Remastered 2011)", "heartbeat"),
    ("Heartbeat - Remastered 2011", "heartbeat"),
    ("Heartbeat [Live]", "heartbeat"),
    ("Heartbeat (feat. Joe Smith)", "heartbeat"),
    ("Heartbeat ft. Joe Smith", "heartbeat"),
    ("Héartbeat!!", "heartbeat"),
    ("Rock & Roll", "rock and roll"),
    ("[Untitled]", "untitled"),
    ("Песня о любви", "песня о любви"),
    ("Day - Night", "day night"),  # a dash that is part of the title stays
])
def test_titles_are_normalised(raw, expected):
    assert normalize_title(raw) == expected


def test_artist_credits_are_split_and_the_article_dropped():
    assert artist_names("The Nightline feat. Joe & Ann") == ["nightline feat joe and ann", "nightline", "joe", "ann"]
    assert artist_similarity("Nightline", "The Nightline feat. Joe") == 1.0
    assert artist_similarity("Beyoncé", "Beyonce") == 1.0


def test_a_bracketed_other_spelling_of_the_artist_matches_either_spelling():
    assert artist_names("Кино (Kino)") == ["кино kino", "кино", "kino"]
    for credit, name in [("Кино (Kino)", "Кино"), ("Кино (Kino)", "Kino"), ("BTS (방탄소년단)", "BTS"),
                         ("BTS (방탄소년단)", "방탄소년단"), ("Sigur Rós (Sigur Ros) feat. X", "Sigur Rós")]:
        assert artist_similarity(credit, name) == 1.0 and artist_similarity(name, credit) == 1.0
    assert judge(q("Группа крови", "Кино (Kino)", 286), c("Группа крови", "Кино", 285)).accepted
    # A disambiguation number is no other name; another band is still another band.
    assert artist_names("Nirvana (2)") == ["nirvana 2", "nirvana"]
    assert artist_similarity("Кино (Kino)", "Kinoband Orchestra") < 0.7


def test_the_same_song_spelled_differently_is_accepted():
    verdict = judge(q("Heartbeat (Remastered 2011)", "The Nightline", 201), c("heartbeat", "Nightline feat. Joe", 200.4))
    assert verdict.accepted and verdict.score > 0.95
    assert judge(q("Café del Mar", "Énergie & Co."), c("Cafe Del Mar", "Energie and Co")).accepted


def test_near_identical_title_by_another_band_is_rejected():
    verdict = judge(q("Heartbeat", "Nightline"), c("Heartbeats", "The Knife"))
    assert not verdict.accepted
    assert verdict.title_similarity > 0.9
    assert verdict.reason.startswith("artist 'The Knife'")


def test_unknown_artist_given_a_famous_artists_song_is_rejected():
    verdict = judge(q("Yesterday", "The Lonely Bedroom Band", 125), c("Yesterday", "The Beatles", 125))
    assert not verdict.accepted and verdict.title_similarity == 1.0
    assert "The Beatles" in verdict.reason
    # A tribute band's name contains the famous one: still another artist.
    assert not judge(q("Yesterday", "Beatles Tribute Orchestra"), c("Yesterday", "The Beatles")).accepted


@pytest.mark.parametrize("title", ["Untitled", "untitled 3", "Track 07", "[Untitled]", "Intro", "", "04"])
def test_placeholder_titles_need_the_same_artist_and_duration(title):
    assert is_placeholder_title(title)
    assert not judge(q(title, "Foo Fighters Cover Band"), c(title, "Foo Fighters")).accepted
    # The right artist without a duration to confirm it: still nothing identifies the song.
    verdict = judge(q(title or "Untitled", "Lonely Drone"), c(title or "Untitled", "Lonely Drone"))
    assert not verdict.accepted and "placeholder" in verdict.reason
    assert judge(q(title or "Untitled", "Lonely Drone", 301), c(title or "Untitled", "Lonely Drone", 300)).accepted


def test_a_real_title_is_not_a_placeholder():
    assert not is_placeholder_title("Untitled Love Song")
    assert not is_placeholder_title("Track of the Night")


@pytest.mark.parametrize("artist, title", [
    ("Genius English Translations", "Nightline - Corazón (English Translation)"),
    ("Genius Romanizations", "Nightline - 心臓 (Romanized)"),
    ("Genius Traducciones al Español", "Nightline - Heartbeat (Traducción al Español)"),
    ("Genius Deutsche Übersetzungen", "Nightline - Heartbeat (Deutsche Übersetzung)"),
])
def test_translation_and_romanisation_pages_are_rejected(artist, title):
    assert is_pseudo_artist(artist)
    verdict = judge(q("Heartbeat", "Nightline"), c(title, artist))
    assert not verdict.accepted and "translation/romanisation" in verdict.reason


def test_a_translation_title_under_the_real_artist_is_rejected():
    verdict = judge(q("Corazón", "Nightline"), c("Corazón (English Translation)", "Nightline"))
    assert not verdict.accepted and "translation" in verdict.reason


@pytest.mark.parametrize("artist", ["[Deleted Artist]", "Deleted User", "Unknown Artist", "unknown", "Various Artists", "N/A"])
def test_placeholder_artists_are_rejected(artist):
    assert is_placeholder_artist(artist)
    verdict = judge(q("Heartbeat", "Nightline"), c("Heartbeat", artist))
    assert not verdict.accepted and "placeholder" in verdict.reason
    # The other way round: a track credited to nobody cannot confirm any answer.
    assert not judge(q("Heartbeat", artist), c("Heartbeat", "Nightline")).accepted


def test_durations_far_apart_are_rejected():
    verdict = judge(q("Heartbeat", "Nightline", 200), c("Heartbeat", "Nightline", 420))
    assert not verdict.accepted and "duration" in verdict.reason
    assert judge(q("Heartbeat", "Nightline", 200), c("Heartbeat", "Nightline", 206)).accepted


def test_the_thresholds_come_from_the_criteria():
    query, answer = q("Heartbeat", "Nightline", 200), c("Heartbeat Blues", "Nightline", 201)
    assert title_similarity(query.title, answer.title) < 0.8
    assert not judge(query, answer).accepted
    assert judge(query, answer, MatchCriteria(min_title_similarity=0.5, min_score=0.5)).accepted
    undated = q("Heartbeat", "Nightline"), c("Heartbeat Blues", "Nightline")
    assert not judge(*undated, MatchCriteria(min_title_similarity=0.5, min_score=0.5)).accepted
    assert judge(*undated, MatchCriteria(min_title_similarity=0.5, min_score=0.5,
                                         min_similarity_without_duration=0.5)).accepted


def test_without_a_duration_to_compare_title_and_artist_must_agree_closely():
    """A track whose LRCLIB record was 40 s off (another version) must not then be taken from
    Genius, whose answers carry no duration, on a weak match ("Nightlife" for "Nightline")."""
    query = q("Heartbeat", "Nightline", 200)
    assert judge(query, c("Heartbeat", "Nightline", 240)).reason.startswith("duration 240 s ≠ 200 s")
    weak = judge(query, c("Heartbeat", "Nightlife"))
    assert 0.8 < weak.artist_similarity < 0.9 and weak.score >= 0.8  # enough when durations agree:
    assert judge(query, c("Heartbeat", "Nightlife", 201)).accepted
    assert not weak.accepted and "no duration to compare" in weak.reason
    assert judge(query, c("Heartbeat (Remastered)", "The Nightline")).accepted  # the same names still pass


def test_best_candidate_prefers_an_accepted_answer_over_a_higher_ranked_wrong_one():
    query = q("Heartbeat", "Nightline")
    candidates = [c("Heartbeat", "Genius Romanizations"), c("Heartbeats", "The Knife"), c("Heartbeat", "Nightline")]
    chosen, verdict = best_candidate(query, candidates, MatchCriteria())
    assert verdict.accepted and chosen.artist == "Nightline"
    assert best_candidate(query, [], MatchCriteria()) is None


def test_numbered_titles_must_agree():
    assert not judge(q("Nocturne Part 1", "Nightline"), c("Nocturne Part 2", "Nightline")).accepted
    assert not judge(q("Heartbeat", "Nightline"), c("Heartbeat 2", "Nightline")).accepted
    assert judge(q("Track 07", "Nightline", 100), c("Track 7", "Nightline", 100)).accepted


def test_apostrophes_do_not_split_words():
    assert normalize_title("Don’t Stop") == normalize_title("Dont Stop") == "dont stop"
