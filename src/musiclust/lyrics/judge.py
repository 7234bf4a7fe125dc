"""Judging a provider's answer: is it the song we asked for?

Lyrics sources are full of wrong matches (about a third of one public FMA lyrics set is a
different song by a different artist), so every answer is scored before it is kept:

- title similarity and artist similarity (after :mod:`musiclust.lyrics.normalize`), each
  the best of rapidfuzz's ratio and token-sort ratio, in [0, 1];
- duration agreement when both durations are known: 1 within ``duration_tolerance_s`` (LRCLIB
  matches within ±2 s), falling to 0 at ``max_duration_diff_s``.

The score is their weighted mean (duration left out when unknown). An answer is rejected, with
the reason, when the title or the artist is below its own minimum (a famous song given to an
unknown artist has a perfect title and must still fail), when the durations are too far apart,
when no duration can be compared (a Genius answer carries none, some datasets have none) and
the title or the artist agrees less than ``min_similarity_without_duration`` (the check that
would have caught another version of the song is missing, so the names must carry it), when
the score is under ``min_score``, or outright when its artist is a placeholder or a lyrics
site's translation/romanisation account, or when the titles' numbers differ ("Part 1" is not
"Part 2"). A placeholder title ("Untitled", "Track 3", "Intro")
names no song, so it needs an artist match of at least ``placeholder_min_artist`` and agreeing
durations.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from musiclust.defaults import defaults
from musiclust.lyrics.normalize import (
    artist_names,
    is_placeholder_artist,
    is_placeholder_title,
    is_pseudo_artist,
    is_translation_title,
    normalize_title,
    title_numbers,
)
from musiclust.lyrics.types import Candidate, Query

# The config's `lyrics:` defaults (schemas/config.schema.yaml); the other criteria are not settings.
_LYRICS = defaults("$defs", "lyrics")


@dataclass(frozen=True)
class MatchCriteria:
    """Thresholds of the judge (config: ``datasets.<name>.lyrics``)."""

    min_score: float = _LYRICS["min_score"]
    min_title_similarity: float = _LYRICS["min_title_similarity"]
    min_artist_similarity: float = _LYRICS["min_artist_similarity"]
    max_duration_diff_s: float = _LYRICS["max_duration_diff_s"]
    duration_tolerance_s: float = 2.0
    placeholder_min_artist: float = 0.9
    min_similarity_without_duration: float = _LYRICS["min_similarity_without_duration"]
    title_weight: float = 0.4
    artist_weight: float = 0.4
    duration_weight: float = 0.2


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    score: float
    title_similarity: float
    artist_similarity: float
    duration_diff_s: float | None
    reason: str  # why rejected, or a short summary when accepted


def similarity(a: str, b: str) -> float:
    """Similarity of two normalised strings in [0, 1] (0 when either is empty)."""
    if not a or not b:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.token_sort_ratio(a, b)) / 100.0


def title_similarity(a: str | None, b: str | None) -> float:
    return similarity(normalize_title(a), normalize_title(b))


def artist_similarity(a: str | None, b: str | None) -> float:
    """Best match between any credited name of one and any of the other."""
    names_a, names_b = artist_names(a), artist_names(b)
    return max((similarity(x, y) for x in names_a for y in names_b), default=0.0)


def _duration_score(diff: float, criteria: MatchCriteria) -> float:
    if diff <= criteria.duration_tolerance_s:
        return 1.0
    span = max(criteria.max_duration_diff_s - criteria.duration_tolerance_s, 1e-9)
    return max(0.0, 1.0 - (diff - criteria.duration_tolerance_s) / span)


def judge(query: Query, candidate: Candidate, criteria: MatchCriteria = MatchCriteria()) -> Verdict:
    """Score ``candidate`` against ``query`` and accept or reject it, saying why."""
    title_sim = title_similarity(query.title, candidate.title)
    artist_sim = artist_similarity(query.artist, candidate.artist)
    diff = None
    if query.duration and candidate.duration:
        diff = abs(float(query.duration) - float(candidate.duration))
    weights = criteria.title_weight + criteria.artist_weight
    score = criteria.title_weight * title_sim + criteria.artist_weight * artist_sim
    if diff is not None:
        weights += criteria.duration_weight
        score += criteria.duration_weight * _duration_score(diff, criteria)
    score = round(score / weights, 4)

    def verdict(accepted: bool, reason: str) -> Verdict:
        return Verdict(accepted, score, round(title_sim, 4), round(artist_sim, 4), diff, reason)

    def quoted(label: str, asked: str | None, got: str | None, sim: float, minimum: float) -> str:
        return f"{label} {got!r} ≠ {asked!r} (similarity {sim:.2f} < {minimum:.2f})"

    # Sites' pseudo-artists, unless the track's own artist really is called that way.
    if is_pseudo_artist(candidate.artist) and not is_pseudo_artist(query.artist):
        return verdict(False, f"artist {candidate.artist!r} is a translation/romanisation page, not the song")
    if is_translation_title(candidate.title) and not is_translation_title(query.title):
        return verdict(False, f"title {candidate.title!r} is a translation/romanisation, not the song")
    if is_placeholder_artist(candidate.artist):
        return verdict(False, f"artist {candidate.artist!r} is a placeholder: the answer cannot be verified")
    if is_placeholder_artist(query.artist):
        return verdict(False, f"the track's artist {query.artist!r} is a placeholder: the answer cannot be verified")
    if title_sim < criteria.min_title_similarity:
        return verdict(False, quoted("title", query.title, candidate.title, title_sim, criteria.min_title_similarity))
    if title_numbers(query.title) != title_numbers(candidate.title):
        return verdict(False, f"title {candidate.title!r} ≠ {query.title!r} (their numbers differ)")
    if artist_sim < criteria.min_artist_similarity:
        return verdict(False, quoted("artist", query.artist, candidate.artist, artist_sim, criteria.min_artist_similarity))
    if diff is not None and diff > criteria.max_duration_diff_s:
        return verdict(
            False,
            f"duration {candidate.duration:.0f} s ≠ {query.duration:.0f} s "
            f"(off by {diff:.0f} s > {criteria.max_duration_diff_s:.0f} s)",
        )
    strict = criteria.min_similarity_without_duration
    if diff is None and min(title_sim, artist_sim) < strict:
        return verdict(False, f"no duration to compare: title and artist must agree to {strict:.2f} "
                              f"(title {title_sim:.2f}, artist {artist_sim:.2f}: {candidate.artist!r}, "
                              f"{candidate.title!r})")
    placeholder = is_placeholder_title(query.title) or is_placeholder_title(candidate.title)
    if placeholder and (artist_sim < criteria.placeholder_min_artist or diff is None
                        or diff > criteria.duration_tolerance_s):
        return verdict(
            False,
            f"title {query.title!r} is a placeholder: it needs the same artist "
            f"(≥ {criteria.placeholder_min_artist:.2f}) and duration (± {criteria.duration_tolerance_s:.0f} s)",
        )
    if score < criteria.min_score:
        return verdict(False, f"score {score:.2f} < {criteria.min_score:.2f} (title {title_sim:.2f}, artist {artist_sim:.2f})")
    return verdict(True, f"score {score:.2f} (title {title_sim:.2f}, artist {artist_sim:.2f})")


def best_candidate(
    query: Query, candidates: list[Candidate], criteria: MatchCriteria
) -> tuple[Candidate, Verdict] | None:
    """The highest-scoring accepted candidate, else the highest-scoring rejected one."""
    judged = [(c, judge(query, c, criteria)) for c in candidates]
    if not judged:
        return None
    # Accepted first, then by score; ties keep the provider's order (its own ranking).
    return max(judged, key=lambda pair: (pair[1].accepted, pair[1].score))
