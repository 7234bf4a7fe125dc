"""A text-only dataset: synthetic lyrics in a few languages, labelled by language.

The first study's task 1: 75 English and 75 Spanish songs built from phrase lists, clustered
from their embeddings, with the language as the label to recover. Songs come from the demo's
phrase books (line templates over the nouns and verbs of seven themes); here every theme is
equally likely in every language, so only the language separates the classes. Deterministic
for a seed; a song depends on ``(seed, language, its number)`` only, so more songs per
language add songs without changing the others.

Written as ``lyrics.jsonl`` in the demo's format (what the ``local`` lyrics provider reads);
:func:`read_corpus_tracks` turns it into the frame track selection reads, with the language
name as ``genre`` so that evaluation scores clusters against it unchanged.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from musiclust.data.demo.lyrics import PHRASEBOOKS, THEMES, write_song
from musiclust.data.demo.names import name_song
from musiclust.defaults import defaults

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "pt": "Portuguese"}
_STREAM = 11  # keeps these draws apart from the demo's streams for the same seed


_CORPUS = defaults("datasets", "additionalProperties", "synthetic_lyrics")  # the config's defaults (the schema)


@dataclass(frozen=True)
class SyntheticLyricsSpec:
    languages: tuple[str, ...] = tuple(_CORPUS["languages"])
    songs_per_language: int = _CORPUS["songs_per_language"]
    seed: int = _CORPUS["seed"]

    def __post_init__(self) -> None:
        object.__setattr__(self, "languages", tuple(self.languages))
        unknown = [code for code in self.languages if code not in PHRASEBOOKS]
        if unknown or not self.languages:
            raise ValueError(f"languages must be some of {', '.join(PHRASEBOOKS)}, got {list(self.languages)}")
        if len(set(self.languages)) != len(self.languages):
            raise ValueError(f"languages repeat: {list(self.languages)}")
        if self.songs_per_language < 1:
            raise ValueError(f"songs_per_language must be >= 1, got {self.songs_per_language}")
        if self.seed < 0:
            raise ValueError(f"seed must be >= 0, got {self.seed}")


def generate_lyrics_corpus(spec: SyntheticLyricsSpec) -> list[dict]:
    """One record a song, languages interleaved; track ids 1, 2, ..."""
    uniform = {theme: 1.0 for theme in THEMES}
    records = []
    for number in range(spec.songs_per_language):
        for code in spec.languages:
            rng = np.random.default_rng([spec.seed, _STREAM, sorted(PHRASEBOOKS).index(code), number])
            title, artist, album = name_song(code, rng)
            lyrics = write_song(code, uniform, rng, title=title if rng.random() < 0.5 else None, overlap=0.0)
            records.append(
                {
                    "track_id": len(records) + 1,
                    "title": title,
                    "artist": artist,
                    "album": album,
                    "duration": None,  # no audio
                    "lyrics": lyrics,
                    "instrumental": False,
                    "language": code,
                }
            )
    return records


def write_lyrics_corpus(spec: SyntheticLyricsSpec, path: str | os.PathLike) -> list[dict]:
    """Write the corpus as JSON Lines, atomically; return its records."""
    records = generate_lyrics_corpus(spec)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    os.replace(tmp, path)
    return records


def read_corpus_tracks(path: str | os.PathLike) -> pd.DataFrame:
    """The corpus as track selection reads a dataset: indexed by ``track_id``, no audio.

    Columns: title, artist, genre (the language's name: the label), subset and split (None),
    language (its code), audio_path (None).
    """
    with open(path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    frame = pd.DataFrame(
        {
            "title": [r.get("title") for r in records],
            "artist": [r.get("artist") for r in records],
            "genre": [LANGUAGE_NAMES.get(r.get("language"), r.get("language")) for r in records],
            "subset": None,
            "split": None,
            "language": [r.get("language") for r in records],
            "audio_path": None,
        },
        index=pd.Index([int(r["track_id"]) for r in records], name="track_id", dtype="int64"),
    )
    return frame
