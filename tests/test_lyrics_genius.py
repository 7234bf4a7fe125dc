"""The Genius provider against a local stand-in of its API and song pages; the token rule."""

from __future__ import annotations

import logging
import sys

import pytest

from musiclust.logs import log_to_file
from musiclust.lyrics import (
    LyricsSettings,
    MatchCriteria,
    Query,
    fetch_lyrics,
    write_lyrics,
)
from musiclust.lyrics.cache import AnswerCache
from musiclust.lyrics.fetch import _Breaker, lookup_track
from musiclust.lyrics.genius import GeniusProvider, drop_section_headers, extract_lyrics
from musiclust.lyrics.http import HttpSettings
from musiclust.lyrics.lrclib import LrclibProvider
from musiclust.lyrics.types import ProviderError
from tests.lyrics_servers import (
    CLOUDFLARE_HEADERS,
    CLOUDFLARE_PAGE,
    genius_page,
    start_genius_server,
    start_lrclib_server,
)

TOKEN = "tok-SECRET-4f9c1a7e2b"
FAST = HttpSettings(timeout_s=2.0, retries=1, backoff_s=0.01, rate_limit_per_s=1000)
LYRICS = "[Verse 1]\nI hear your heartbeat\nin the night\n\n[Chorus]\nBeat, beat, heartbeat"
SONGS = [
    # A translation page ranks first, as it often does on Genius.
    {"title": "Nightline - Heartbeat (Traducción al Español)", "artist": "Genius Traducciones al Español",
     "lyrics": "Escucho tu latido"},
    {"title": "Heartbeat", "artist": "Nightline", "lyrics": LYRICS},
    {"title": "Static Sea", "artist": "Nightline", "lyrics": None, "instrumental": True},
    {"title": "Quiet Harbour", "artist": "Nightline", "lyrics": None, "html": "<html><body><main>Nothing here"
                                                                             "</main></body></html>"},
    {"title": "Glasshouse", "artist": "Nightline", "lyrics": None, "html": CLOUDFLARE_PAGE},
]


@pytest.fixture
def genius():
    with start_genius_server(SONGS, TOKEN) as server:
        yield server


def provider(server, cache, token=TOKEN, **kw):
    return GeniusProvider(cache, MatchCriteria(), token, FAST, api_url=server.url, web_url=server.url, **kw)


@pytest.fixture
def cache():
    with AnswerCache(":memory:") as cache:
        yield cache


def test_found_skips_translation_pages_and_excluded_elements(genius, cache):
    outcome = provider(genius, cache).lookup(Query(1, "Heartbeat", "Nightline"))
    assert outcome.status == "found"
    assert outcome.candidate.artist == "Nightline"
    # Section headers dropped (the default); the contributors header is not lyrics.
    assert outcome.candidate.lyrics == "I hear your heartbeat\nin the night\n\nBeat, beat, heartbeat"
    search, page = genius.requests
    assert search.path == "/search" and search.query == {"q": "Heartbeat Nightline"}
    assert search.headers["Authorization"] == f"Bearer {TOKEN}"
    # Only the accepted hit's page is fetched, and without the token.
    assert page.path == "/song-1001-lyrics" and "Authorization" not in page.headers


def test_section_headers_can_be_kept(genius, cache):
    outcome = provider(genius, cache, section_headers=True).lookup(Query(1, "Heartbeat", "Nightline"))
    assert outcome.candidate.lyrics.startswith("[Verse 1]\nI hear your heartbeat")


def test_instrumental_hit_needs_no_page(genius, cache):
    outcome = provider(genius, cache).lookup(Query(2, "Static Sea", "Nightline"))
    assert outcome.status == "instrumental" and genius.count("/song") == 0


def test_not_found_and_rejected(genius, cache):
    assert provider(genius, cache).lookup(Query(3, "Zzyzx Road", "Nobody")).status == "not_found"
    rejected = provider(genius, cache).lookup(Query(4, "Heartbeat", "The Knife"))
    assert rejected.status == "rejected" and "artist" in rejected.detail
    assert genius.count("/song") == 0  # a rejected hit's page is never fetched


def test_a_track_lrclib_rejected_for_its_duration_is_not_taken_from_genius_on_a_weak_match(cache):
    """LRCLIB's "Heartbeat" is 40 s longer (another version): rejected. Genius answers carry no
    duration, so its "Heartbeat" by "Nightlife" (artist similarity 0.89, enough when durations
    agree) must match more closely than that to be kept."""
    records = [{"trackName": "Heartbeat", "artistName": "Nightline", "duration": 240, "plainLyrics": "extended"}]
    songs = [{"title": "Heartbeat", "artist": "Nightlife", "lyrics": LYRICS}]
    with start_lrclib_server(records) as lrclib, start_genius_server(songs, TOKEN) as genius:
        providers = [LrclibProvider(cache, MatchCriteria(), FAST, base_url=lrclib.url), provider(genius, cache)]
        breakers = {p.name: _Breaker(3) for p in providers}
        _, outcome = lookup_track(Query(1, "Heartbeat", "Nightline", None, 200.0), providers, breakers)
    assert outcome.status == "rejected"
    assert "off by 40 s" in outcome.detail and "genius: rejected (no duration to compare" in outcome.detail
    assert genius.count("/song") == 0


def test_a_page_without_lyrics_is_an_error_not_cached(genius, cache):
    with pytest.raises(ProviderError, match="no lyrics .*data-lyrics-container"):
        provider(genius, cache).lookup(Query(5, "Quiet Harbour", "Nightline"))
    assert not any("|page|" in key for key in cache.stored_keys())


def test_a_cloudflare_challenge_is_recognised(genius, cache):
    genius.inject("/song-1004", status=403, headers=CLOUDFLARE_HEADERS, body=CLOUDFLARE_PAGE, times=1)
    with pytest.raises(ProviderError, match="blocked by a Cloudflare challenge page \\(HTTP 403\\)"):
        provider(genius, cache).lookup(Query(6, "Glasshouse", "Nightline"))


def test_a_plain_403_is_reported_as_such(genius, cache):
    genius.inject("/search", status=403, body='{"meta": {"status": 403}}', times=1)
    with pytest.raises(ProviderError, match=r"genius search: HTTP 403 from http://127\.0\.0\.1:\d+/search$"):
        provider(genius, cache).lookup(Query(1, "Heartbeat", "Nightline"))


def test_a_wrong_token_is_refused_without_showing_it(genius, cache):
    with pytest.raises(ProviderError) as error:
        provider(genius, cache, token="wrong-token-123").lookup(Query(1, "Heartbeat", "Nightline"))
    assert "HTTP 401" in str(error.value) and "GENIUS_ACCESS_TOKEN" in str(error.value)
    assert "wrong-token-123" not in str(error.value)


def test_a_missing_token_stops_with_the_variable_named(cache):
    with pytest.raises(ValueError, match="GENIUS_ACCESS_TOKEN"):
        GeniusProvider(cache, MatchCriteria(), None)


def test_malformed_json_and_500s(genius, cache):
    genius.inject("/search", status=200, body="<html>oops</html>", times=1)
    with pytest.raises(ProviderError, match="malformed JSON"):
        provider(genius, cache).lookup(Query(1, "Heartbeat", "Nightline"))
    genius.inject("/search", status=500, body="{}", times=1)
    assert provider(genius, cache).lookup(Query(1, "Heartbeat", "Nightline")).status == "found"


def test_extract_lyrics_states():
    assert extract_lyrics(genius_page("a\nb"))["lyrics"] == "a\nb"
    assert extract_lyrics(genius_page(None, instrumental=True))["state"] == "instrumental"
    unreleased = "<html><body><div>Lyrics for this song have yet to be released.</div></body></html>"
    assert extract_lyrics(unreleased) == {"state": "unreleased", "lyrics": None}
    assert drop_section_headers("[Intro]\na\n\n[Verse 2: X]\nb [not a header]") == "a\n\nb [not a header]"


def test_the_token_appears_in_no_file_log_or_message(genius, tmp_path):
    """Run the whole fetch as a rule would (log file, cache, table), failures included."""
    log_path = tmp_path / "fetch.log"
    stderr, root_handlers = sys.stderr, list(logging.getLogger().handlers)
    log_to_file(str(log_path))
    logging.getLogger("urllib3").setLevel(logging.DEBUG)  # even urllib3's request lines
    try:
        genius.inject("/song-1004", status=403, headers=CLOUDFLARE_HEADERS, body=CLOUDFLARE_PAGE, times=10)
        settings = LyricsSettings.from_dict({
            "providers": ["genius"], "genius": {"api_url": genius.url, "web_url": genius.url},
            "rate_limit_per_s": 1000, "retries": 1, "backoff_s": 0.01,
        })
        queries = [Query(1, "Heartbeat", "Nightline"), Query(2, "Static Sea", "Nightline"),
                   Query(5, "Quiet Harbour", "Nightline"), Query(6, "Glasshouse", "Nightline")]
        table = fetch_lyrics(queries, settings, tmp_path / "resources" / "cache.sqlite", genius_token=TOKEN)
        write_lyrics(table, tmp_path / "results" / "lyrics.parquet")
        bad_token = fetch_lyrics(queries[:1], settings, tmp_path / "resources" / "cache2.sqlite",
                                 genius_token=TOKEN + "x")
        write_lyrics(bad_token, tmp_path / "results" / "lyrics2.parquet")
    finally:
        logging.getLogger("urllib3").setLevel(logging.NOTSET)
        root = logging.getLogger()
        for handler in list(root.handlers):
            handler.flush()
            root.removeHandler(handler)
        for handler in root_handlers:
            root.addHandler(handler)
        sys.stderr.close()
        sys.stderr = stderr
    assert table.column("status").to_pylist() == ["found", "instrumental", "error", "error"]
    assert bad_token.column("status").to_pylist() == ["error"]
    assert "Cloudflare" in table.column("detail")[3].as_py()
    assert "/search" in log_path.read_text()  # the log did record the requests
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 4
    for path in files:
        assert TOKEN.encode() not in path.read_bytes(), f"the token leaked into {path.name}"
