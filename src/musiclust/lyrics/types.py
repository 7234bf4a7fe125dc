"""The small records passed between the lyrics providers, the judge and the fetch loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

#: Every status a row of ``lyrics.parquet`` can have.
STATUSES = ("found", "instrumental", "not_found", "rejected", "error")


@dataclass(frozen=True)
class Query:
    """What is known of a track: asked of the providers, and what answers are judged against."""

    track_id: int
    title: str | None
    artist: str | None
    album: str | None = None
    duration: float | None = None  # seconds


@dataclass(frozen=True)
class Candidate:
    """One answer of a provider: a song it holds, with its lyrics when already known."""

    title: str | None
    artist: str | None
    album: str | None = None
    duration: float | None = None
    lyrics: str | None = None
    instrumental: bool = False
    source_id: str | None = None  # the provider's id or page, for the record


@dataclass(frozen=True)
class Outcome:
    """A provider's final word on one query (before any other provider is asked)."""

    status: str  # one of STATUSES
    detail: str = ""
    candidate: Candidate | None = None
    score: float | None = None
    fetched_at: float | None = None  # when the answer arrived (epoch seconds; cached time)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"unknown lyrics status {self.status!r}")


class ProviderError(Exception):
    """The provider could not answer (network, server, blocked, malformed answer).

    Never cached: the next run asks again. The message must never contain a secret.
    """


class Provider(Protocol):
    name: str

    def lookup(self, query: Query) -> Outcome:
        """Ask for ``query``; judge what comes back. Raises :class:`ProviderError`."""
        ...
