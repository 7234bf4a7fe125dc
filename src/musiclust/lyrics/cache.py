"""A SQLite cache of every answer a lyrics provider gave.

Each answer is stored (and committed) the moment it arrives, keyed by the provider, the kind
of request, the server and the normalised query: a rerun, an edit of the config (other
thresholds, another provider order) or a crash halfway asks again for nothing that already
arrived. Only answers are stored: failures (timeouts, 5xx, blocked, malformed) are not, so
the next run asks again. Keys and values hold no secret: the Genius token travels in a header
and is never part of a query.

The file lives under ``resources/``, outside the rules' outputs: Snakemake must never delete
it when it reruns a job. Several jobs (datasets) may share it; WAL mode lets them.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    fetched_at REAL NOT NULL
)
"""


def parse_refetch(refetch: bool | str | None, now: float | None = None) -> float | None:
    """The config's ``refetch`` as "answers cached before this time are asked again".

    ``false``/``None``: never; ``true``: everything, from the start of this run; a date or
    datetime (ISO 8601, UTC unless it says otherwise): answers cached before it. A date
    survives a crash: the rerun does not ask again what the first run already refetched.
    """
    if refetch is None or refetch is False:
        return None
    if refetch is True:
        return time.time() if now is None else now
    try:
        moment = datetime.fromisoformat(str(refetch))
    except ValueError as error:
        raise ValueError(f"lyrics.refetch: {refetch!r} is neither true, false nor an ISO date") from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def cache_key(provider: str, kind: str, server: str, query: Mapping[str, Any]) -> str:
    """``provider|kind|server|{json}``: readable, and stable (sorted keys, no secret)."""
    return "|".join((provider, kind, server, json.dumps(dict(query), sort_keys=True, ensure_ascii=False)))


class AnswerCache:
    """``get_or_fetch(key, fetch)``: the stored answer, or ``fetch()``'s, stored at once."""

    def __init__(self, path: str | os.PathLike, refetch_before: float | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit: each answer is durable as soon as it is written (a SIGKILL loses none).
        self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(_SCHEMA)
        self.refetch_before = refetch_before
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> tuple[Any, float] | None:
        """``(value, fetched_at)``, or None when absent or older than the refetch moment."""
        row = self._db.execute("SELECT value, fetched_at FROM answers WHERE key = ?", (key,)).fetchone()
        if row is None or (self.refetch_before is not None and row[1] < self.refetch_before):
            return None
        return json.loads(row[0]), row[1]

    def put(self, key: str, value: Any) -> float:
        provider, kind = key.split("|", 2)[:2]
        fetched_at = time.time()
        self._db.execute(
            "INSERT OR REPLACE INTO answers (key, provider, kind, value, fetched_at) VALUES (?, ?, ?, ?, ?)",
            (key, provider, kind, json.dumps(value, ensure_ascii=False), fetched_at),
        )
        return fetched_at

    def get_or_fetch(self, key: str, fetch: Callable[[], Any]) -> tuple[Any, float]:
        """The cached answer for ``key``, else ``fetch()`` (which raises on failure), stored."""
        cached = self.get(key)
        if cached is not None:
            self.hits += 1
            return cached
        self.misses += 1
        value = fetch()
        return value, self.put(key, value)

    def stored_keys(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT key FROM answers ORDER BY key")]

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
