"""Lyrics providers against local stand-ins of their servers, the cache, and the fetch loop."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from musiclust import __version__
from musiclust.lyrics import (
    COLUMNS,
    LyricsSettings,
    MatchCriteria,
    Query,
    fetch_lyrics,
    write_lyrics,
)
from musiclust.lyrics.cache import AnswerCache, parse_refetch
from musiclust.lyrics.fetch import _Breaker, lookup_track
from musiclust.lyrics.http import HttpSettings, RateLimiter
from musiclust.lyrics.local import LocalProvider
from musiclust.lyrics.lrclib import LrclibProvider, plain_from_synced
from musiclust.lyrics.types import ProviderError
from tests.lyrics_servers import (
    CLOUDFLARE_HEADERS,
    CLOUDFLARE_PAGE,
    start_lrclib_server,
)
from tests.test_lyrics_local import QUERIES, demo_style_entries, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
FAST = HttpSettings(timeout_s=2.0, retries=2, backoff_s=0.01, rate_limit_per_s=1000, max_retry_after_s=5)

RECORDS = [
    {"trackName": "Heartbeat", "artistName": "Nightline", "albumName": "Pulse", "duration": 200,
     "plainLyrics": "I hear your heartbeat\nin the night", "syncedLyrics": "[00:01.00] I hear your heartbeat"},
    {"trackName": "Static Sea", "artistName": "Nightline", "albumName": "Pulse", "duration": 180,
     "instrumental": True},
    {"trackName": "Lluvia", "artistName": "Los Faros", "albumName": "Mar", "duration": 150,
     "plainLyrics": None, "syncedLyrics": "[00:01.00]La lluvia cae\n[00:04.50]sobre el mar"},
    {"trackName": "Yesterday", "artistName": "The Beatles", "albumName": "Help!", "duration": 125,
     "plainLyrics": "Yesterday, all my troubles"},
]
HEARTBEAT = Query(1, "Heartbeat", "Nightline", "Pulse", 201.0)


@pytest.fixture
def lrclib():
    with start_lrclib_server(RECORDS) as server:
        yield server


@pytest.fixture
def cache(tmp_path):
    with AnswerCache(tmp_path / "cache.sqlite") as cache:
        yield cache


def provider(server, cache, settings=FAST, criteria=None):
    return LrclibProvider(cache, criteria or MatchCriteria(), settings, base_url=server.url)


# --- LRCLIB ---------------------------------------------------------------------------------

def test_lrclib_found_by_exact_lookup_names_the_tool(lrclib, cache):
    outcome = provider(lrclib, cache).lookup(HEARTBEAT)
    assert outcome.status == "found"
    assert outcome.candidate.lyrics.startswith("I hear your heartbeat")
    assert outcome.score == 1.0 and "lrclib:1" in outcome.detail
    assert (lrclib.count("/api/get"), lrclib.count("/api/search")) == (1, 0)
    request = lrclib.requests[0]
    assert request.query == {"track_name": "Heartbeat", "artist_name": "Nightline", "album_name": "Pulse", "duration": "201"}
    agent = request.headers["User-Agent"]
    assert agent.startswith(f"musiclust/{__version__}") and "https://" in agent


def test_lrclib_not_found_asks_get_then_search(lrclib, cache):
    outcome = provider(lrclib, cache).lookup(Query(2, "Nowhere Song", "Nobody Band", None, 100.0))
    assert outcome.status == "not_found" and outcome.candidate is None
    assert (lrclib.count("/api/get"), lrclib.count("/api/search")) == (1, 1)


def test_lrclib_instrumental(lrclib, cache):
    outcome = provider(lrclib, cache).lookup(Query(3, "Static Sea", "Nightline", "Pulse", 180.0))
    assert outcome.status == "instrumental" and outcome.candidate.lyrics is None


def test_lrclib_search_fallback_when_the_exact_lookup_misses(lrclib, cache):
    # Another album name and a duration 5 s off: /api/get misses, /api/search finds it.
    outcome = provider(lrclib, cache).lookup(Query(4, "Heartbeat (Remastered 2011)", "Nightline", "Best Of", 205.0))
    assert outcome.status == "found" and outcome.candidate.title == "Heartbeat"
    assert (lrclib.count("/api/get"), lrclib.count("/api/search")) == (1, 1)
    # The search is asked without the version suffix, which it would require word for word.
    assert lrclib.requests[1].query == {"track_name": "Heartbeat", "artist_name": "Nightline"}


def test_lrclib_holding_the_main_artist_finds_a_featured_credit(lrclib, cache):
    """LRCLIB files "Heartbeat" under "Nightline", not "Nightline feat. Joe": the exact lookup is
    asked with the main artist too, and the search (every word of artist_name in the record)
    with the main artist only."""
    outcome = provider(lrclib, cache).lookup(Query(8, "Heartbeat", "Nightline feat. Joe", "Pulse", 200.0))
    assert outcome.status == "found" and outcome.candidate.artist == "Nightline"
    assert [r.query["artist_name"] for r in lrclib.requests] == ["Nightline feat. Joe", "Nightline"]
    # Neither lookup matches this title: the search finds it, asked with the main artist.
    outcome = provider(lrclib, cache).lookup(Query(9, "Heartbeat (Radio Edit)", "Nightline (feat. Joe)", None, None))
    assert outcome.status == "found" and outcome.candidate.title == "Heartbeat"
    searches = [r.query for r in lrclib.requests if r.path == "/api/search"]
    assert searches == [{"track_name": "Heartbeat", "artist_name": "Nightline"}]


@pytest.mark.parametrize("credit", ["Кино (Kino)", "Kino (Кино)"])
def test_an_artist_with_a_bracketed_romanisation_is_found_under_its_name(credit):
    records = [{"trackName": "Группа крови", "artistName": "Кино", "duration": 286, "plainLyrics": "Тёплое место"},
               {"trackName": "Dynamite", "artistName": "BTS", "duration": 199, "plainLyrics": "Cos ah ah"}]
    with start_lrclib_server(records) as server, AnswerCache(":memory:") as cache:
        kino = provider(server, cache).lookup(Query(10, "Группа крови", credit, None, 286.0))
        bts = provider(server, cache).lookup(Query(11, "Dynamite", "BTS (방탄소년단)", None, 199.0))
    assert kino.status == "found" and kino.candidate.lyrics == "Тёплое место"
    assert bts.status == "found" and bts.score == 1.0


def test_lrclib_synced_lyrics_lose_their_timestamps(lrclib, cache):
    outcome = provider(lrclib, cache).lookup(Query(5, "Lluvia", "Los Faros", "Mar", 150.0))
    assert outcome.candidate.lyrics == "La lluvia cae\nsobre el mar"
    assert plain_from_synced("[00:01.00][00:30.00]A\n[01:02.5]B") == "A\nB"


def test_lrclib_wrong_song_is_rejected_with_the_reason():
    records = [{"trackName": "Yesterday", "artistName": "The Beatles", "duration": 125, "plainLyrics": "x"}]
    with start_lrclib_server(records) as server, AnswerCache(":memory:") as cache:
        # The server's search ignores the artist here, as fuzzy searches do.
        server.inject("/api/search", status=200, body=json.dumps([{"id": 9, **records[0]}]))
        outcome = provider(server, cache).lookup(Query(6, "Yesterday", "The Lonely Bedroom Band", None, 125.0))
    assert outcome.status == "rejected"
    assert outcome.candidate.artist == "The Beatles" and "The Beatles" in outcome.detail


def test_lrclib_timeouts_are_retried(lrclib, cache):
    lrclib.inject("/api/get", delay=1.5, times=1)
    settings = HttpSettings(timeout_s=0.5, retries=2, backoff_s=0.01, rate_limit_per_s=1000)
    outcome = provider(lrclib, cache, settings).lookup(HEARTBEAT)
    assert outcome.status == "found"
    assert lrclib.count("/api/get") == 2


def test_lrclib_timeouts_exhausted_are_an_error_and_not_cached(lrclib, cache):
    lrclib.inject("/api/get", delay=1.0, times=3)
    settings = HttpSettings(timeout_s=0.3, retries=2, backoff_s=0.01, rate_limit_per_s=1000)
    with pytest.raises(ProviderError, match="timed out after 3 attempts"):
        provider(lrclib, cache, settings).lookup(HEARTBEAT)
    assert cache.stored_keys() == []
    time.sleep(1.0)  # let the held-back answers drain
    assert provider(lrclib, cache, settings).lookup(HEARTBEAT).status == "found"


def test_lrclib_429_honours_retry_after(lrclib, cache):
    lrclib.inject("/api/get", status=429, headers={"Retry-After": "1"}, body="{}", times=1)
    outcome = provider(lrclib, cache).lookup(HEARTBEAT)
    assert outcome.status == "found"
    first, second = lrclib.requests[:2]
    assert second.time - first.time >= 0.95  # waited as told, not the 0.01 s backoff


def test_a_long_retry_after_is_capped(lrclib, cache):
    lrclib.inject("/api/get", status=429, headers={"Retry-After": "3600"}, body="{}", times=1)
    settings = HttpSettings(timeout_s=2, retries=2, backoff_s=0.01, rate_limit_per_s=1000, max_retry_after_s=0.5)
    started = time.monotonic()
    assert provider(lrclib, cache, settings).lookup(HEARTBEAT).status == "found"
    assert time.monotonic() - started < 5


def test_lrclib_500s_are_retried_then_reported(lrclib, cache):
    lrclib.inject("/api/get", status=500, body='{"name": "UnknownError"}', times=2)
    assert provider(lrclib, cache).lookup(HEARTBEAT).status == "found"
    assert lrclib.count("/api/get") == 3

    other = Query(7, "Lluvia", "Los Faros", "Mar", 150.0)
    lrclib.inject("/api/get", status=503, body="down", times=3)
    with pytest.raises(ProviderError, match=r"HTTP 503 from http://127\.0\.0\.1:\d+/api/get after 3 attempts"):
        provider(lrclib, cache).lookup(other)
    assert not any("Lluvia" in key or "lluvia" in key for key in cache.stored_keys())


def test_lrclib_429_forever_says_rate_limited(lrclib, cache):
    lrclib.inject("/api/get", status=429, headers={"Retry-After": "0"}, body="{}", times=3)
    with pytest.raises(ProviderError, match="rate-limited"):
        provider(lrclib, cache).lookup(HEARTBEAT)


def test_lrclib_malformed_json_is_an_error_and_not_cached(lrclib, cache):
    lrclib.inject("/api/get", status=200, body='{"trackName": "Heartbeat", "artistN', times=1)
    with pytest.raises(ProviderError, match="malformed JSON"):
        provider(lrclib, cache).lookup(HEARTBEAT)
    assert cache.stored_keys() == []
    lrclib.inject("/api/search", status=200, body='{"not": "a list"}', times=1)
    with pytest.raises(ProviderError, match="unexpected answer"):
        provider(lrclib, cache).lookup(Query(8, "Nowhere", "Nobody", None, None))


def test_a_cloudflare_page_is_recognised(lrclib, cache):
    lrclib.inject("/api/get", status=403, headers=CLOUDFLARE_HEADERS, body=CLOUDFLARE_PAGE, times=1)
    with pytest.raises(ProviderError, match="Cloudflare challenge page \\(HTTP 403\\)"):
        provider(lrclib, cache).lookup(HEARTBEAT)


# --- the cache --------------------------------------------------------------------------------

def test_answers_are_cached_and_asked_once(lrclib, tmp_path):
    path = tmp_path / "cache.sqlite"
    with AnswerCache(path) as cache:
        assert provider(lrclib, cache).lookup(HEARTBEAT).status == "found"
        assert provider(lrclib, cache).lookup(Query(2, "Nowhere", "Nobody", None, None)).status == "not_found"
    asked = lrclib.count()
    with AnswerCache(path) as cache:
        # Spelling variants of the same query (case, spaces) are one key.
        variant = Query(1, "  HEARTBEAT", "nightline ", "pulse", 201.0)
        assert provider(lrclib, cache).lookup(variant).status == "found"
        assert provider(lrclib, cache).lookup(Query(2, "Nowhere", "Nobody", None, None)).status == "not_found"
        assert cache.hits == 3 and cache.misses == 0
    assert lrclib.count() == asked


def test_refetch_asks_again(lrclib, tmp_path):
    path = tmp_path / "cache.sqlite"
    with AnswerCache(path) as cache:
        provider(lrclib, cache).lookup(HEARTBEAT)
    with AnswerCache(path, refetch_before=parse_refetch(True)) as cache:
        provider(lrclib, cache).lookup(HEARTBEAT)
        provider(lrclib, cache).lookup(HEARTBEAT)  # refetched once, then cached again
    assert lrclib.count("/api/get") == 2
    with AnswerCache(path, refetch_before=parse_refetch("2000-01-01")) as cache:
        provider(lrclib, cache).lookup(HEARTBEAT)
    assert lrclib.count("/api/get") == 2


def test_parse_refetch():
    assert parse_refetch(False) is None and parse_refetch(None) is None
    assert parse_refetch(True, now=5.0) == 5.0
    assert parse_refetch("2024-01-02") == parse_refetch("2024-01-02T00:00:00Z") == 1704153600.0
    with pytest.raises(ValueError, match="neither true, false nor an ISO date"):
        parse_refetch("yesterday")


def test_requests_are_rate_limited(lrclib, cache):
    settings = HttpSettings(timeout_s=2, retries=0, rate_limit_per_s=10)
    slow = provider(lrclib, cache, settings)
    started = time.monotonic()
    for i in range(6):
        slow.lookup(Query(100 + i, f"Song {i}", "Nobody", None, None))  # get + search each
    assert time.monotonic() - started >= 11 / 10 - 0.05
    limiter = RateLimiter(0)
    limiter.wait()  # no limit: no wait


def test_every_attempt_waits_for_the_rate_limit_and_retry_after_holds_the_next_request(lrclib, cache):
    """Gaps between the requests as the stand-in received them: retries of a 500 and of a 429 are
    spaced by the limiter's interval like any request (backoff 0 here), a Retry-After (capped at
    0.4 s) spaces the 429's retries and, once they are exhausted, the next track's request too.
    Lower bounds only, at 80 %: a loaded machine can only make the gaps longer."""
    interval = 0.1
    settings = HttpSettings(timeout_s=2, retries=2, backoff_s=0, rate_limit_per_s=1 / interval, max_retry_after_s=0.4)
    polite = provider(lrclib, cache, settings)
    lrclib.inject("/api/get", status=500, body='{"name": "UnknownError"}', times=2)
    assert polite.lookup(HEARTBEAT).status == "found"  # get: 500, 500, 200
    lrclib.inject("/api/get", status=429, headers={"Retry-After": "1"}, body="{}", times=3)
    with pytest.raises(ProviderError, match="rate-limited"):
        polite.lookup(Query(7, "Lluvia", "Los Faros", "Mar", 150.0))  # get: 429, 429, 429
    assert polite.lookup(Query(3, "Static Sea", "Nightline", "Pulse", 180.0)).status == "instrumental"
    gaps = [b.time - a.time for a, b in zip(lrclib.requests, lrclib.requests[1:])]
    assert len(gaps) == 6 and all(path == "/api/get" for path in (r.path for r in lrclib.requests))
    assert min(gaps) >= 0.8 * interval, gaps
    assert min(gaps[3:]) >= 0.8 * 0.4, gaps  # Retry-After: before each retry, then before the next track


def test_the_first_retry_waits_the_backoff(lrclib, cache):
    """Retry k waits backoff_s · 2^(k−1): 0.25 s, then 0.5 s (urllib3's formula: 0, then 0.5)."""
    settings = HttpSettings(timeout_s=2, retries=2, backoff_s=0.25, rate_limit_per_s=1000)
    lrclib.inject("/api/get", status=503, body="down", times=2)
    assert provider(lrclib, cache, settings).lookup(HEARTBEAT).status == "found"
    first, second, third = (r.time for r in lrclib.requests[:3])
    assert second - first >= 0.8 * 0.25 and third - second >= 0.8 * 0.5


# --- the fetch loop ---------------------------------------------------------------------------

def test_providers_are_tried_in_order_and_every_answer_is_in_the_detail(tmp_path, lrclib, cache):
    local = LocalProvider(write_jsonl(tmp_path / "l.jsonl", demo_style_entries()[:1]), MatchCriteria())
    remote = provider(lrclib, cache)
    breakers = {"local": _Breaker(3), "lrclib": _Breaker(3)}
    name, outcome = lookup_track(Query(3, "Lluvia", "Los Faros", "Mar", 150.0), [local, remote], breakers)
    assert (name, outcome.status) == ("lrclib", "found")
    assert outcome.detail.startswith("local: not_found (track 3 not in l.jsonl); lrclib: found (lrclib:3")
    name, _ = lookup_track(QUERIES[0], [local, remote], breakers)
    assert name == "local" and lrclib.count() == 1  # lrclib not asked once local found it


def test_an_error_outranks_a_rejection_and_a_miss(tmp_path, lrclib, cache):
    local = LocalProvider(write_jsonl(tmp_path / "l.jsonl", demo_style_entries()), MatchCriteria())
    lrclib.inject("/api/get", status=500, body="{}", times=3)
    breakers = {"local": _Breaker(3), "lrclib": _Breaker(3)}
    name, outcome = lookup_track(QUERIES[3], [local, provider(lrclib, cache)], breakers)
    assert (name, outcome.status) == ("lrclib", "error")
    assert "local: rejected" in outcome.detail and "HTTP 500" in outcome.detail


def test_a_failing_provider_is_left_alone_after_consecutive_errors(lrclib, cache):
    lrclib.inject("/api/get", status=403, headers=CLOUDFLARE_HEADERS, body=CLOUDFLARE_PAGE, times=100)
    remote = provider(lrclib, cache)
    breakers = {"lrclib": _Breaker(2)}
    details = [lookup_track(Query(i, f"Song {i}", "Band", None, None), [remote], breakers)[1].detail for i in range(5)]
    assert lrclib.count() == 2
    assert details[4].startswith("not asked: 2 failures in a row (last: lrclib get: blocked by a Cloudflare")


def test_fetch_lyrics_writes_the_table(tmp_path, lrclib):
    local = write_jsonl(tmp_path / "lyrics.jsonl", demo_style_entries())
    settings = LyricsSettings.from_dict(
        {"providers": ["local", "lrclib"], "lrclib": {"base_url": lrclib.url}, "rate_limit_per_s": 1000,
         "retries": 1, "backoff_s": 0.01}, local_path=str(local))
    queries = [*QUERIES, Query(6, "Yesterday", "The Beatles", None, 125.0)]
    table = fetch_lyrics(queries, settings, tmp_path / "cache.sqlite", progress=False)
    write_lyrics(table, tmp_path / "out" / "lyrics.parquet")
    read = pq.read_table(tmp_path / "out" / "lyrics.parquet")
    assert tuple(read.column_names) == COLUMNS
    assert str(read.schema.field("track_id").type) == "int64"
    assert str(read.schema.field("fetched_at").type) == "timestamp[ms, tz=UTC]"
    frame = read.to_pandas().set_index("track_id")
    assert frame["status"].to_dict() == {1: "found", 2: "instrumental", 3: "rejected", 4: "rejected",
                                         5: "not_found", 6: "found"}
    assert frame.loc[6, "provider"] == "lrclib" and frame.loc[1, "provider"] == "local"
    # Track 3: not in the local file; LRCLIB's "Lluvia" lasts 150 s, the track 30 s.
    assert frame.loc[3, "detail"].startswith("local: not_found (no lyrics in lyrics.jsonl for this track); "
                                             "lrclib: rejected (duration 150 s ≠ 30 s")
    # A rejected answer's lyrics are never handed on; its match is shown for the record.
    assert pd.isna(frame.loc[4, "lyrics"]) and frame.loc[4, "matched_artist"] == "The Beatles"
    assert frame.loc[4, "match_score"] < 0.8
    assert frame["fetched_at"].notna().all()


# --- a crash halfway --------------------------------------------------------------------------

_FETCH_SCRIPT = """
import sys, json
from musiclust.lyrics import LyricsSettings, Query, fetch_lyrics
args = json.loads(sys.argv[1])
queries = [Query(**q) for q in args["queries"]]
settings = LyricsSettings.from_dict(args["settings"])
fetch_lyrics(queries, settings, args["cache"], progress=False)
print("finished")
"""


def test_a_killed_fetch_reruns_without_asking_again_what_arrived(tmp_path):
    records = [{"trackName": f"Song {i}", "artistName": "Band", "duration": 100, "plainLyrics": f"words {i}"}
               for i in range(0, 40, 2)]  # even songs exist; odd ones need the search too
    queries = [{"track_id": i, "title": f"Song {i}", "artist": "Band", "album": None, "duration": 100.0}
               for i in range(40)]
    cache_path = tmp_path / "cache.sqlite"
    with start_lrclib_server(records, delay=0.05) as server:
        args = {"queries": queries, "cache": str(cache_path),
                "settings": {"providers": ["lrclib"], "lrclib": {"base_url": server.url}, "rate_limit_per_s": 1000}}
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
        process = subprocess.Popen([sys.executable, "-c", _FETCH_SCRIPT, json.dumps(args)], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while server.count() < 20 and time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode()
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert process.returncode == -signal.SIGKILL
        first_run = server.count()
        assert 20 <= first_run < 60  # killed halfway (a full run asks 60 times)

        with sqlite3.connect(cache_path) as db:
            cached = {key for (key,) in db.execute("SELECT key FROM answers")}
        assert len(cached) >= first_run - 2  # at most the request in flight was lost

        table = fetch_lyrics([Query(**q) for q in queries], LyricsSettings.from_dict(args["settings"]),
                             cache_path, progress=False)
        rerun = server.requests[first_run:]
    with AnswerCache(cache_path) as cache:
        keys = cache.stored_keys()
    asked_again = [r for r in rerun if any(_key_matches(key, r) for key in cached)]
    assert asked_again == []
    assert len(rerun) == 60 - len(cached)
    assert len(keys) == 60
    found = [s == "found" for s in table.column("status").to_pylist()]
    assert found == [i % 2 == 0 for i in range(40)]


def _key_matches(key: str, request) -> bool:
    kind = request.path.rsplit("/", 1)[-1]
    return key.startswith(f"lrclib|{kind}|") and f'"track_name": "{request.query["track_name"].lower()}"' in key


def test_a_run_logs_its_status_counts(caplog, tmp_path, lrclib):
    caplog.set_level(logging.INFO)
    settings = LyricsSettings.from_dict({"providers": ["lrclib"], "lrclib": {"base_url": lrclib.url},
                                         "rate_limit_per_s": 1000, "retries": 0})
    lrclib.inject("/api/get", status=500, body="{}", times=1)
    table = fetch_lyrics([HEARTBEAT], settings, tmp_path / "c.sqlite", progress=False)
    assert table.column("status").to_pylist() == ["error"]
    assert "lyrics of 1 tracks: {'error': 1}" in caplog.text
