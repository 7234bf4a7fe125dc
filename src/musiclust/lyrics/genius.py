"""Genius (https://genius.com): the API's search, then the lyrics from the song's web page.

The API (``GET {api_url}/search?q=...``, token in an ``Authorization: Bearer`` header) gives
song hits with title, primary artist, path and an instrumental flag; every hit is judged and
only the best accepted one's page is fetched. The page holds the lyrics in
``div[data-lyrics-container="true"]`` elements; parts marked ``data-exclude-from-selection``
(the contributors/translations header, ads) are not lyrics. Section headers ("[Chorus]") are
kept in the cache and dropped on use when ``drop_section_headers`` is set, so switching it
needs no refetch.

Genius's web servers often answer scripts with 403s and Cloudflare challenge pages: those are
recognised and reported as such (status ``error``, not cached, asked again next run).

The token is read from the environment by the caller (``GENIUS_ACCESS_TOKEN``), sent only to
the API host in a header, and redacted from every message; it is never part of a cache key.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from musiclust.defaults import defaults
from musiclust.lyrics.cache import AnswerCache, cache_key
from musiclust.lyrics.http import DEFAULT_HTTP, HttpClient, HttpSettings
from musiclust.lyrics.judge import MatchCriteria, best_candidate
from musiclust.lyrics.normalize import cache_text, search_title
from musiclust.lyrics.types import Candidate, Outcome, ProviderError, Query

_GENIUS = defaults("$defs", "lyrics", "genius")  # the config's defaults (the schema)
DEFAULT_API_URL = _GENIUS["api_url"]
DEFAULT_WEB_URL = _GENIUS["web_url"]
TOKEN_VARIABLE = "GENIUS_ACCESS_TOKEN"

_SECTION_HEADER = re.compile(r"^\s*\[[^\]\n]*\]\s*$", re.MULTILINE)
_INSTRUMENTAL_PAGE = re.compile(r"this song is an instrumental", re.IGNORECASE)
_UNRELEASED_PAGE = re.compile(r"lyrics for this song have yet to be (?:released|transcribed)", re.IGNORECASE)


def token_problem(providers: Iterable[str], environ: Mapping[str, str], where: str = "lyrics.providers") -> str | None:
    """What is wrong when ``providers`` lists genius and ``environ`` has no token, else None;
    checked when the workflow plans a lyrics job, before any job runs."""
    if "genius" not in providers or environ.get(TOKEN_VARIABLE):
        return None
    return (f"{where} lists genius, which needs a Genius API token in the environment variable "
            f"{TOKEN_VARIABLE} (it is not set): export {TOKEN_VARIABLE}=... before running, or remove "
            "genius from the providers")


def extract_lyrics(html: str) -> dict:
    """``{"state": "lyrics"|"instrumental"|"unreleased", "lyrics": str|None}`` of a song page.

    Raises ValueError when the page has no lyrics container and says nothing of why.
    """
    soup = BeautifulSoup(html, "html.parser")
    containers = soup.select('div[data-lyrics-container="true"]')
    parts = []
    for container in containers:
        for excluded in container.select("[data-exclude-from-selection]"):
            excluded.decompose()
        for br in container.find_all("br"):
            br.replace_with("\n")
        parts.append(container.get_text(""))
    text = "\n".join(line.strip() for line in "\n".join(parts).splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if text:
        return {"state": "lyrics", "lyrics": text}
    page_text = soup.get_text(" ")
    if _INSTRUMENTAL_PAGE.search(page_text):
        return {"state": "instrumental", "lyrics": None}
    if _UNRELEASED_PAGE.search(page_text):
        return {"state": "unreleased", "lyrics": None}
    raise ValueError("the page has no lyrics (no div[data-lyrics-container]); Genius may have changed its layout")


def drop_section_headers(lyrics: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", _SECTION_HEADER.sub("", lyrics)).strip()


def _hit(result: dict) -> dict:
    artist = (result.get("primary_artist") or {}).get("name") or result.get("artist_names")
    return {
        "id": result.get("id"),
        "title": result.get("title"),
        "artist": artist,
        "path": result.get("path") or urlsplit(result.get("url") or "").path,
        "instrumental": bool(result.get("instrumental")),
    }


class GeniusProvider:
    name = "genius"

    def __init__(self, cache: AnswerCache, criteria: MatchCriteria, token: str | None,
                 settings: HttpSettings = DEFAULT_HTTP, api_url: str = DEFAULT_API_URL,
                 web_url: str = DEFAULT_WEB_URL, section_headers: bool = False) -> None:
        if not token:
            raise ValueError(f"the genius provider needs a token in the environment variable {TOKEN_VARIABLE}")
        self.cache = cache
        self.criteria = criteria
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.web_url = web_url.rstrip("/")
        self.section_headers = section_headers
        self.http = HttpClient(settings, secrets=[token])

    def _search(self, q: str) -> tuple[list[dict], float]:
        key = cache_key(self.name, "search", urlsplit(self.api_url).netloc, {"q": cache_text(q)})

        def request() -> list[dict]:
            response = self.http.get(f"{self.api_url}/search", params={"q": q},
                                     headers={"Authorization": f"Bearer {self._token}"})
            if response.status_code == 401:
                raise ProviderError("genius search: the token was refused (HTTP 401); check "
                                    f"{TOKEN_VARIABLE}")
            if response.status_code != 200:
                raise self.http.fail(response, "genius search")
            body = self.http.json(response, "genius search")
            try:
                hits = body["response"]["hits"]
                return [_hit(h["result"]) for h in hits if h.get("type") == "song"]
            except (KeyError, TypeError):
                raise ProviderError("genius search: unexpected answer (no response.hits)") from None

        return self.cache.get_or_fetch(key, request)

    def _page(self, path: str) -> tuple[dict, float]:
        url = urljoin(self.web_url + "/", path.lstrip("/"))
        key = cache_key(self.name, "page", urlsplit(self.web_url).netloc, {"path": path})

        def request() -> dict:
            # The page is a public web page: it gets no token.
            response = self.http.get(url)
            if response.status_code == 404:
                return {"state": "missing", "lyrics": None}
            if response.status_code != 200:
                raise self.http.fail(response, "genius page")
            try:
                return extract_lyrics(response.text)
            except ValueError as error:
                raise ProviderError(f"genius page {path}: {error}") from None

        return self.cache.get_or_fetch(key, request)

    def lookup(self, query: Query) -> Outcome:
        if not query.title or not query.artist:
            return Outcome("not_found", "not asked: the track has no title or no artist to match")
        hits, fetched_at = self._search(f"{search_title(query.title)} {query.artist}")
        candidates = [Candidate(h["title"], h["artist"], instrumental=h["instrumental"],
                                source_id=f"genius:{h['id']}") for h in hits]
        best = best_candidate(query, candidates, self.criteria)
        if best is None:
            return Outcome("not_found", "no song in the search results", fetched_at=fetched_at)
        candidate, verdict = best
        if not verdict.accepted:
            return Outcome("rejected", verdict.reason, candidate, verdict.score, fetched_at)
        if candidate.instrumental:
            return Outcome("instrumental", f"{candidate.source_id}: {verdict.reason}", candidate, verdict.score, fetched_at)
        hit = hits[candidates.index(candidate)]
        page, fetched_at = self._page(hit["path"])
        if page["state"] == "instrumental":
            return Outcome("instrumental", f"{candidate.source_id}: the page says instrumental", candidate,
                           verdict.score, fetched_at)
        if page["state"] != "lyrics":
            return Outcome("not_found", f"{candidate.source_id}: page {page['state']}", candidate, verdict.score, fetched_at)
        lyrics = page["lyrics"] if self.section_headers else drop_section_headers(page["lyrics"])
        return Outcome("found", f"{candidate.source_id}: {verdict.reason}",
                       Candidate(candidate.title, candidate.artist, lyrics=lyrics, source_id=candidate.source_id),
                       verdict.score, fetched_at)

    def close(self) -> None:
        self.http.close()
