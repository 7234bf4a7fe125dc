"""Lyrics the user (or the demo generator) already has, keyed by track id.

Either a file — JSON Lines, CSV or Parquet with ``track_id`` and ``lyrics`` (null/empty: none),
an optional ``instrumental`` flag and, optionally, ``title``, ``artist``, ``album`` and
``duration`` — or a folder of ``<track_id>.txt`` files. The demo generator writes
``resources/{dataset}/lyrics.jsonl`` in this form (one object a line: track_id, title, artist,
album, duration, lyrics, instrumental, language).

An entry that names its song (title and artist) is judged like any other answer: lyrics sets
keyed by track id are where wrong songs hide. An entry without them is taken on its id.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pandas as pd

from musiclust.lyrics.judge import MatchCriteria, judge
from musiclust.lyrics.types import Candidate, Outcome, Query

_OPTIONAL = ("title", "artist", "album", "duration", "instrumental")


def _clean(value: object) -> object:
    """None for missing values of any reader (NaN, pandas NA, empty strings)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def read_local_lyrics(path: str | Path) -> dict[int, dict]:
    """``{track_id: {"lyrics", "instrumental", "title", "artist", "album", "duration"}}``."""
    path = Path(path)
    if path.is_dir():
        return {
            int(f.stem): {"lyrics": _clean(f.read_text(encoding="utf-8").strip())}
            for f in sorted(path.glob("*.txt"))
            if f.stem.isdigit()
        }
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        with path.open(encoding="utf-8") as handle:
            frame = pd.DataFrame([json.loads(line) for line in handle if line.strip()])
    elif suffix in (".csv", ".tsv"):
        frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", keep_default_na=True)
    elif suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        raise ValueError(f"{path}: lyrics file must be .jsonl, .csv, .tsv or .parquet, or a folder of <track_id>.txt")
    missing = {"track_id", "lyrics"} - set(frame.columns)
    if missing and not frame.empty:
        raise ValueError(f"{path}: columns {sorted(missing)} missing (needs track_id, lyrics)")
    entries: dict[int, dict] = {}
    for row in frame.to_dict("records"):
        entry = {"lyrics": _clean(row.get("lyrics"))}
        entry.update({name: _clean(row.get(name)) for name in _OPTIONAL if name in row})
        entries[int(row["track_id"])] = entry
    return entries


class LocalProvider:
    name = "local"

    def __init__(self, path: str | Path, criteria: MatchCriteria) -> None:
        self.path = Path(path)
        self.entries = read_local_lyrics(self.path)
        self.criteria = criteria
        self.read_at = time.time()

    def lookup(self, query: Query) -> Outcome:
        entry = self.entries.get(int(query.track_id))
        if entry is None:
            return Outcome("not_found", f"track {query.track_id} not in {self.path.name}", fetched_at=self.read_at)
        duration = entry.get("duration")
        candidate = Candidate(
            title=entry.get("title"),
            artist=entry.get("artist"),
            album=entry.get("album"),
            duration=float(duration) if duration is not None else None,
            lyrics=entry.get("lyrics"),
            instrumental=bool(entry.get("instrumental")),
            source_id=f"local:{self.path.name}",
        )
        score, reason = None, "matched by track id"
        if candidate.title and candidate.artist:
            verdict = judge(query, candidate, self.criteria)
            if not verdict.accepted:
                return Outcome("rejected", verdict.reason, candidate, verdict.score, self.read_at)
            score, reason = verdict.score, verdict.reason
        if candidate.instrumental:
            return Outcome("instrumental", reason, candidate, score, self.read_at)
        if not candidate.lyrics:
            return Outcome("not_found", f"no lyrics in {self.path.name} for this track", candidate, score, self.read_at)
        return Outcome("found", reason, candidate, score, self.read_at)

    def close(self) -> None:
        pass
