"""The fetch loop: every track through the providers in order, into ``lyrics.parquet``.

A track's first ``found`` or ``instrumental`` answer wins. Otherwise the row keeps the most
useful of the other answers: ``error`` first (the next run may succeed: errors are never
cached), then ``rejected`` (with the judge's reason), then ``not_found``. ``detail`` says what
every provider asked answered.

A provider that fails ``max_consecutive_errors`` times in a row (server down, token refused,
Cloudflare blocking the network) is not asked again in this run: its remaining tracks get
``error`` with the last failure, rather than hammering a server that is refusing.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path

import pyarrow as pa
from tqdm import tqdm

from musiclust.defaults import defaults
from musiclust.lyrics.cache import AnswerCache, parse_refetch
from musiclust.lyrics.genius import DEFAULT_API_URL, DEFAULT_WEB_URL, GeniusProvider
from musiclust.lyrics.http import HttpSettings
from musiclust.lyrics.judge import MatchCriteria
from musiclust.lyrics.local import LocalProvider
from musiclust.lyrics.lrclib import DEFAULT_BASE_URL, LrclibProvider
from musiclust.lyrics.types import Outcome, Provider, ProviderError, Query
from musiclust.parquet_tables import build_table, write_table

log = logging.getLogger("musiclust.lyrics")

PROVIDERS = ("local", "lrclib", "genius")
_LYRICS_DEFAULTS = defaults("$defs", "lyrics")  # the config's (schemas/config.schema.yaml)
COLUMNS = ("track_id", "lyrics", "provider", "matched_title", "matched_artist", "match_score", "status",
           "detail", "fetched_at")
# When no provider found anything: which answer the row keeps.
_FALLBACK_ORDER = {"error": 0, "rejected": 1, "not_found": 2}


@dataclass(frozen=True)
class LyricsSettings:
    """A dataset's ``lyrics:`` block, with defaults (see README, "Lyrics")."""

    providers: tuple[str, ...] = ("lrclib",)
    local_path: str | None = None
    lrclib_base_url: str = DEFAULT_BASE_URL
    genius_api_url: str = DEFAULT_API_URL
    genius_web_url: str = DEFAULT_WEB_URL
    genius_section_headers: bool = not defaults("$defs", "lyrics", "genius")["drop_section_headers"]
    criteria: MatchCriteria = field(default_factory=MatchCriteria)
    http: HttpSettings = field(default_factory=HttpSettings)
    refetch: bool | str = _LYRICS_DEFAULTS["refetch"]
    max_consecutive_errors: int = _LYRICS_DEFAULTS["max_consecutive_errors"]

    @classmethod
    def from_dict(cls, block: dict, local_path: str | None = None) -> LyricsSettings:
        """From the config's block (plain dict); ``local_path`` overrides ``local.path``."""
        block = dict(block or {})
        unknown = [p for p in block["providers"] if p not in PROVIDERS] if "providers" in block else []
        if unknown:
            raise ValueError(f"lyrics.providers: unknown {unknown}; choose among {list(PROVIDERS)}")
        genius = block.get("genius") or {}

        def pick(dataclass_type):
            names = {f.name for f in fields(dataclass_type)}
            return dataclass_type(**{k: v for k, v in block.items() if k in names})

        return cls(
            providers=tuple(block.get("providers", cls.providers)),
            local_path=local_path or (block.get("local") or {}).get("path"),
            lrclib_base_url=(block.get("lrclib") or {}).get("base_url", cls.lrclib_base_url),
            genius_api_url=genius.get("api_url", cls.genius_api_url),
            genius_web_url=genius.get("web_url", cls.genius_web_url),
            genius_section_headers=not genius.get("drop_section_headers", not cls.genius_section_headers),
            criteria=pick(MatchCriteria),
            http=pick(HttpSettings),
            refetch=block.get("refetch", cls.refetch),
            max_consecutive_errors=block.get("max_consecutive_errors", cls.max_consecutive_errors),
        )


def make_providers(settings: LyricsSettings, cache: AnswerCache, genius_token: str | None) -> list[Provider]:
    providers: list[Provider] = []
    for name in settings.providers:
        if name == "local":
            if not settings.local_path:
                raise ValueError("lyrics: the local provider needs local.path (a file or a folder)")
            providers.append(LocalProvider(settings.local_path, settings.criteria))
        elif name == "lrclib":
            providers.append(LrclibProvider(cache, settings.criteria, settings.http, settings.lrclib_base_url))
        elif name == "genius":
            providers.append(GeniusProvider(cache, settings.criteria, genius_token, settings.http,
                                            settings.genius_api_url, settings.genius_web_url,
                                            settings.genius_section_headers))
        else:
            raise ValueError(f"lyrics: unknown provider {name!r}")
    return providers


@dataclass
class _Breaker:
    """Consecutive failures of one provider; open (skip it) past the limit."""

    limit: int
    failures: int = 0
    last: str = ""

    @property
    def open(self) -> bool:
        return self.failures >= self.limit


def _ask(provider: Provider, query: Query, breaker: _Breaker) -> Outcome:
    if breaker.open:
        return Outcome("error", f"not asked: {breaker.failures} failures in a row (last: {breaker.last})")
    try:
        outcome = provider.lookup(query)
    except ProviderError as error:
        breaker.failures += 1
        breaker.last = str(error)
        if breaker.open:
            log.warning("%s: %d failures in a row, not asked again in this run (last: %s)",
                        provider.name, breaker.failures, error)
        return Outcome("error", str(error))
    breaker.failures = 0
    return outcome


def lookup_track(query: Query, providers: Sequence[Provider], breakers: dict[str, _Breaker]) -> tuple[str | None, Outcome]:
    """``(provider name, outcome)`` kept for one track, ``detail`` naming every answer."""
    answers: list[tuple[str, Outcome]] = []
    for provider in providers:
        outcome = _ask(provider, query, breakers[provider.name])
        answers.append((provider.name, outcome))
        if outcome.status in ("found", "instrumental"):
            break
    name, kept = answers[-1]
    if kept.status not in ("found", "instrumental"):
        name, kept = min(answers, key=lambda pair: _FALLBACK_ORDER[pair[1].status])
    if len(answers) > 1:
        detail = "; ".join(f"{n}: {o.status}" + (f" ({o.detail})" if o.detail else "") for n, o in answers)
    else:
        detail = kept.detail
    return name, Outcome(kept.status, detail, kept.candidate, kept.score, kept.fetched_at)


def fetch_lyrics(queries: Sequence[Query], settings: LyricsSettings, cache_path: str | Path,
                 genius_token: str | None = None, progress: bool = True) -> pa.Table:
    """Ask the providers for every query; the ``lyrics.parquet`` table (not yet written)."""
    rows = []
    with AnswerCache(cache_path, refetch_before=parse_refetch(settings.refetch)) as cache:
        providers = make_providers(settings, cache, genius_token)
        breakers = {p.name: _Breaker(settings.max_consecutive_errors) for p in providers}
        try:
            for query in tqdm(queries, desc="lyrics", unit="track", disable=not progress, mininterval=5):
                name, outcome = lookup_track(query, providers, breakers)
                rows.append(_row(query, name, outcome))
        finally:
            for provider in providers:
                provider.close()
        counts = Counter(row["status"] for row in rows)
        log.info("lyrics of %d tracks: %s; cache %d answers reused, %d asked",
                 len(rows), dict(sorted(counts.items())), cache.hits, cache.misses)
    return lyrics_table(rows, settings)


def _row(query: Query, provider: str | None, outcome: Outcome) -> dict:
    candidate = outcome.candidate
    usable = outcome.status == "found"
    return {
        "track_id": query.track_id,
        # Lyrics only for a kept match: a rejected answer's words are never handed on.
        "lyrics": candidate.lyrics if usable and candidate else None,
        "provider": provider,
        "matched_title": candidate.title if candidate else None,
        "matched_artist": candidate.artist if candidate else None,
        "match_score": outcome.score,
        "status": outcome.status,
        "detail": outcome.detail,
        "fetched_at": outcome.fetched_at,
    }


def lyrics_table(rows: Sequence[dict], settings: LyricsSettings | None = None) -> pa.Table:
    def strings(name):
        return pa.array([row[name] for row in rows], type=pa.string())

    fetched = [None if row["fetched_at"] is None else int(row["fetched_at"] * 1000) for row in rows]
    columns = {name: strings(name) for name in ("lyrics", "provider", "matched_title", "matched_artist")}
    columns["match_score"] = pa.array([row["match_score"] for row in rows], type=pa.float64())
    columns["status"] = strings("status")
    columns["detail"] = strings("detail")
    columns["fetched_at"] = pa.array(fetched, type=pa.timestamp("ms", tz="UTC"))
    metadata = {"providers": list(settings.providers)} if settings else None
    return build_table([row["track_id"] for row in rows], columns=columns, metadata=metadata)


def write_lyrics(table: pa.Table, path: str | Path) -> None:
    write_table(table, path)
