"""Lyrics from public sources, each answer judged before it is kept, every answer cached.

``fetch_lyrics(queries, settings, cache_path)`` asks the providers (``local``, ``lrclib``,
``genius``) in order and returns the ``lyrics.parquet`` table; ``judge`` decides whether an
answer is the song asked for. See README.md, "Lyrics".
"""

from musiclust.lyrics.fetch import (
    COLUMNS,
    PROVIDERS,
    LyricsSettings,
    fetch_lyrics,
    lyrics_table,
    write_lyrics,
)
from musiclust.lyrics.judge import MatchCriteria, Verdict, judge
from musiclust.lyrics.queries import build_queries
from musiclust.lyrics.types import STATUSES, Candidate, Outcome, ProviderError, Query

__all__ = [
    "COLUMNS", "PROVIDERS", "STATUSES", "Candidate", "LyricsSettings", "MatchCriteria", "Outcome",
    "ProviderError", "Query", "Verdict", "build_queries", "fetch_lyrics", "judge", "lyrics_table", "write_lyrics",
]
