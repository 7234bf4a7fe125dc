"""The text of each track, by source: its metadata, its lyrics, or its lyrics else its metadata.

- ``metadata``: "title – artist" (the first study's text). The genre is never part of it: it
  is the label the clusters are scored against.
- ``lyrics``: the lyrics a provider found (status ``found``), section headers and timestamps
  removed.
- ``lyrics_or_metadata``: lyrics where there are some, else the metadata (the second study's
  fallback: 494 tracks with lyrics, 2,368 with metadata only).

Every source returns the texts of the tracks that have one, each with the source it came from
(``source_used``), and the tracks that have none, each with the reason. A track without text is
left out rather than given an empty string: an encoder maps "" to a vector like any other, and
that vector would cluster the text-less tracks together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

SOURCES = ("metadata", "lyrics", "lyrics_or_metadata")
METADATA_SEPARATOR = " – "
LYRICS_STATUSES = ("found", "instrumental", "not_found", "rejected", "error")

# "[Chorus]", "[Verse 2: Artist]", "(x2)" and LRC timestamps "[01:23.45]" are markup, not words.
_SECTION = re.compile(r"^\s*[\[(][^\])]*[\])]\s*$")
_TIMESTAMP = re.compile(r"\[\d{1,2}:\d{2}(?:[.:]\d{1,3})?\]")
_SPACES = re.compile(r"[ \t]+")


def _present(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):  # None or NaN
        return None
    text = str(value).strip()
    return text or None


def metadata_text(title: object, artist: object) -> str | None:
    """ "title – artist", or whichever of the two there is; None when neither."""
    parts = [p for p in (_present(title), _present(artist)) if p]
    return METADATA_SEPARATOR.join(parts) if parts else None


def clean_lyrics(lyrics: object) -> str | None:
    """Lyrics without section headers, timestamps and blank-line runs; None if nothing is left."""
    text = _present(lyrics)
    if text is None:
        return None
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _SPACES.sub(" ", _TIMESTAMP.sub("", line)).strip()
        if _SECTION.match(line):
            continue
        if line or (lines and lines[-1]):  # keep one blank line between stanzas
            lines.append(line)
    cleaned = "\n".join(lines).strip()
    return cleaned or None


def read_lyrics_table(path: str | Path) -> pd.DataFrame:
    """``text/lyrics.parquet`` (the lyrics rule's output) as ``track_id, lyrics, status``."""
    frame = pd.read_parquet(path, columns=["track_id", "lyrics", "status"])
    unknown = set(frame["status"].dropna()) - set(LYRICS_STATUSES)
    if unknown:
        raise ValueError(f"{path}: unknown lyrics status {sorted(unknown)} (known: {', '.join(LYRICS_STATUSES)})")
    return frame.astype({"track_id": "int64"})


def read_lyrics_jsonl(path: str | Path) -> pd.DataFrame:
    """A corpus's own lyrics file (demo format) as ``track_id, lyrics, status``.

    For datasets whose lyrics are part of the data (the synthetic lyrics corpus): nothing is
    fetched, so an entry with lyrics is ``found``, one marked instrumental ``instrumental``.
    """
    rows = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            record = json.loads(line)
            lyrics = _present(record.get("lyrics"))
            status = "instrumental" if record.get("instrumental") else "found" if lyrics else "not_found"
            rows.append({"track_id": int(record["track_id"]), "lyrics": lyrics, "status": status})
    return pd.DataFrame(rows, columns=["track_id", "lyrics", "status"]).astype({"track_id": "int64"})


def _lyrics_by_track(lyrics: pd.DataFrame | None, track_ids: Iterable[int]) -> dict[int, tuple[str | None, str]]:
    """``{track_id: (cleaned lyrics or None, reason when None)}`` for every track."""
    found: dict[int, tuple[str | None, str]] = {}
    rows = {} if lyrics is None else {int(r.track_id): r for r in lyrics.itertuples(index=False)}
    for track_id in track_ids:
        row = rows.get(int(track_id))
        if row is None:
            found[track_id] = (None, "no lyrics entry")
        elif row.status != "found":
            found[track_id] = (None, f"lyrics {row.status}")
        else:
            text = clean_lyrics(row.lyrics)
            found[track_id] = (text, "" if text else "lyrics empty")
    return found


def build_source(tracks: pd.DataFrame, source: str, lyrics: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The texts of ``source`` for ``tracks`` (``track_id``, ``title``, ``artist`` columns).

    Returns ``(texts, excluded)``: ``texts`` has ``track_id, text, source_used`` for the tracks
    with text, in the order of ``tracks``; ``excluded`` has ``track_id, reason`` for the others.
    ``lyrics`` (``track_id, lyrics, status``) is needed by the lyrics sources.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown text source {source!r} (known: {', '.join(SOURCES)})")
    if source != "metadata" and lyrics is None:
        raise ValueError(f"text source {source!r} needs the lyrics table")
    track_ids = [int(t) for t in tracks["track_id"]]
    by_lyrics = _lyrics_by_track(lyrics, track_ids) if source != "metadata" else {}
    texts, excluded = [], []
    for track_id, title, artist in zip(track_ids, tracks["title"], tracks["artist"]):
        if source != "metadata":
            text, reason = by_lyrics[track_id]
            if text is not None:
                texts.append((track_id, text, "lyrics"))
                continue
            if source == "lyrics":
                excluded.append((track_id, reason))
                continue
        text = metadata_text(title, artist)
        if text is None:
            why = "no title or artist" if source == "metadata" else f"{by_lyrics[track_id][1]}; no title or artist"
            excluded.append((track_id, why))
        else:
            texts.append((track_id, text, "metadata"))
    return (
        pd.DataFrame(texts, columns=["track_id", "text", "source_used"]).astype({"track_id": "int64"}),
        pd.DataFrame(excluded, columns=["track_id", "reason"]).astype({"track_id": "int64"}),
    )
