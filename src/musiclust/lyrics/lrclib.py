"""LRCLIB (https://lrclib.net): a public lyrics database with an API and no key.

``GET /api/get`` with ``track_name``, ``artist_name`` and, when known, ``album_name`` and
``duration`` (the server matches durations within ±2 s; a miss is 404 ``TrackNotFound``), then,
when that misses or its answer is rejected, ``GET /api/search`` with ``track_name`` and
``artist_name`` (at most 20 records). The exact lookup compares lower-cased, accent- and
punctuation-free title and artist whole, and the search needs every word of ``artist_name`` in
the record, while LRCLIB files the main artist: a track credited "A feat. B" or "BTS (방탄소년단)"
is asked under each spelling (:func:`~musiclust.lyrics.normalize.artist_credits`). Records carry ``id``, ``trackName``, ``artistName``,
``albumName``, ``duration``, ``instrumental``, ``plainLyrics`` and ``syncedLyrics``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from musiclust.defaults import defaults
from musiclust.lyrics.cache import AnswerCache, cache_key
from musiclust.lyrics.http import DEFAULT_HTTP, HttpClient, HttpSettings
from musiclust.lyrics.judge import MatchCriteria, Verdict, best_candidate
from musiclust.lyrics.normalize import artist_credits, cache_text, fewest_words, search_title
from musiclust.lyrics.types import Candidate, Outcome, ProviderError, Query

DEFAULT_BASE_URL = defaults("$defs", "lyrics", "lrclib")["base_url"]  # (the schema's)
_RECORD_FIELDS = ("id", "trackName", "artistName", "albumName", "duration", "instrumental", "plainLyrics", "syncedLyrics")
_LRC_TIMESTAMP = re.compile(r"^\s*(?:\[\d+:\d+(?:[.:]\d+)?\])+\s?", re.MULTILINE)


def plain_from_synced(synced: str) -> str:
    """LRC lyrics without their ``[mm:ss.xx]`` timestamps."""
    return _LRC_TIMESTAMP.sub("", synced).strip()


def _record(raw: object) -> dict:
    if not isinstance(raw, dict) or "trackName" not in raw:
        raise TypeError("not an LRCLIB record")
    return {name: raw.get(name) for name in _RECORD_FIELDS}


def _candidate(record: dict) -> Candidate:
    lyrics = record.get("plainLyrics") or None
    if not lyrics and record.get("syncedLyrics"):
        lyrics = plain_from_synced(record["syncedLyrics"]) or None
    duration = record.get("duration")
    return Candidate(
        title=record.get("trackName"),
        artist=record.get("artistName"),
        album=record.get("albumName"),
        duration=float(duration) if isinstance(duration, (int, float)) else None,
        lyrics=lyrics,
        instrumental=bool(record.get("instrumental")),
        source_id=f"lrclib:{record.get('id')}",
    )


def _usable(candidate: Candidate, verdict: Verdict) -> bool:
    return verdict.accepted and (candidate.instrumental or bool(candidate.lyrics))


class LrclibProvider:
    name = "lrclib"

    def __init__(self, cache: AnswerCache, criteria: MatchCriteria, settings: HttpSettings = DEFAULT_HTTP,
                 base_url: str = DEFAULT_BASE_URL) -> None:
        self.cache = cache
        self.criteria = criteria
        self.base_url = base_url.rstrip("/")
        self.server = urlsplit(self.base_url).netloc
        self.http = HttpClient(settings)

    def _ask(self, kind: str, params: dict) -> tuple[object, float]:
        key_params = {k: (cache_text(v) if isinstance(v, str) else v) for k, v in params.items()}
        key = cache_key(self.name, kind, self.server, key_params)
        return self.cache.get_or_fetch(key, lambda: self._request(kind, params))

    def _request(self, kind: str, params: dict) -> object:
        """The answer as cached: a record or None (``get``), a list of records (``search``)."""
        response = self.http.get(f"{self.base_url}/api/{kind}", params=params)
        what = f"lrclib {kind}"
        if kind == "get" and response.status_code == 404:
            body = self.http.json(response, what)
            if isinstance(body, dict) and body.get("name") == "TrackNotFound":
                return None
            raise self.http.fail(response, what)
        if response.status_code != 200:
            raise self.http.fail(response, what)
        body = self.http.json(response, what)
        try:
            if kind == "get":
                return _record(body)
            if not isinstance(body, list):
                raise TypeError("not a list")
            return [_record(item) for item in body]
        except TypeError as error:
            raise ProviderError(f"{what}: unexpected answer from {self.server} ({error})") from None

    def lookup(self, query: Query) -> Outcome:
        if not query.title or not query.artist:
            return Outcome("not_found", "not asked: the track has no title or no artist to match")
        # LRCLIB files the main artist ("A", not "A feat. B") under one spelling: the exact
        # lookup is asked with each spelling of the credit, the search (which needs every word
        # of artist_name in the record) with the spellings of fewest words.
        credits = artist_credits(query.artist)
        extra: dict = {}
        if query.album:
            extra["album_name"] = query.album
        if query.duration:
            extra["duration"] = round(query.duration)
        # The exact lookup first; the search when it misses or its answer is not usable.
        judged: list[tuple[Candidate, Verdict]] = []
        for artist in credits:
            record, fetched_at = self._ask("get", {"track_name": query.title, "artist_name": artist, **extra})
            if record is not None:
                judged.append(best_candidate(query, [_candidate(record)], self.criteria))
                if _usable(*judged[-1]):
                    return self._outcome(*judged[-1], fetched_at)
        records: dict[tuple, dict] = {}  # (both searches may return a record)
        for artist in fewest_words(credits):
            found, fetched_at = self._ask("search", {"track_name": search_title(query.title), "artist_name": artist})
            records.update(((r.get("id"), r.get("trackName"), r.get("artistName")), r) for r in found)
        usable = [c for c in map(_candidate, records.values()) if c.lyrics or c.instrumental]
        best = best_candidate(query, usable or [_candidate(r) for r in records.values()], self.criteria)
        if best is not None:
            judged.append(best)
        if not judged:
            return Outcome("not_found", "no record by get or search", fetched_at=fetched_at)
        # Accepted before rejected, then the higher score: the most informative answer.
        return self._outcome(*max(judged, key=lambda pair: (pair[1].accepted, pair[1].score)), fetched_at)

    def _outcome(self, candidate: Candidate, verdict: Verdict, fetched_at: float) -> Outcome:
        if not verdict.accepted:
            return Outcome("rejected", verdict.reason, candidate, verdict.score, fetched_at)
        if candidate.instrumental:
            return Outcome("instrumental", f"{candidate.source_id}: {verdict.reason}", candidate, verdict.score, fetched_at)
        if not candidate.lyrics:
            # A record with neither lyrics nor the instrumental flag: nothing to use.
            return Outcome("not_found", f"{candidate.source_id} has no lyrics", candidate, verdict.score, fetched_at)
        return Outcome("found", f"{candidate.source_id}: {verdict.reason}", candidate, verdict.score, fetched_at)

    def close(self) -> None:
        self.http.close()
