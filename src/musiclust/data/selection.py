"""Choosing the tracks a run uses, and writing them as ``tracks.parquet``.

Works the same for every kind of dataset: FMA and the demo (read from ``tracks.csv``) and a
user's folder (scanned). The table is the contract every later rule reads.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from musiclust.defaults import defaults
from musiclust.parquet_tables import build_table, write_table


_SELECTION = defaults("$defs", "selection")  # the config's defaults (the schema)


@dataclass(frozen=True)
class Selection:
    """Which tracks of a dataset a run uses."""

    subset: str | None = None
    genres: tuple[str, ...] | None = None
    tracks_per_genre: int | None = None
    #: A total number of tracks, sampled uniformly across the genres (balanced: the counts
    #: differ by at most one, the genres that get one more chosen by the seed; a genre with
    #: too few tracks gives its share to the others). With ``tracks_per_genre`` too, that caps
    #: each genre first.
    tracks: int | None = None
    seed: int = _SELECTION["seed"]


class EmptySelection(ValueError):
    """No track is left; the message names the filter that left none."""


@dataclass(frozen=True)
class SelectionOutcome:
    """The tracks a run uses, those left out on purpose, and what was asked against what was
    found (``report``: JSON-ready, written beside tracks.parquet as selection.json)."""

    selected: pd.DataFrame
    excluded: pd.DataFrame
    report: dict


def select_tracks(
    tracks: pd.DataFrame,
    selection: Selection,
    *,
    exclude: frozenset[int] = frozenset(),
    keep_unlabelled: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pick the tracks a run uses: ``(selected, excluded)`` (:func:`run_selection`'s)."""
    outcome = run_selection(tracks, selection, exclude=exclude, keep_unlabelled=keep_unlabelled)
    return outcome.selected, outcome.excluded


def run_selection(
    tracks: pd.DataFrame,
    selection: Selection,
    *,
    exclude: frozenset[int] = frozenset(),
    keep_unlabelled: bool = False,
) -> SelectionOutcome:
    """Pick the tracks a run uses, and say how.

    Tracks need a single top genre (the evaluation's label) unless ``keep_unlabelled`` is set
    and the selection filters by no genre (a user's unlabelled folder). Genres are sampled
    with a seed per genre name, so adding a genre leaves the other genres' samples unchanged.
    ``excluded`` lists tracks left out on purpose, with the reason. A genre with fewer tracks
    than ``tracks_per_genre`` asks for is a shortfall in the report; a selection left with no
    track raises :class:`EmptySelection` naming the filter that emptied it.
    """
    funnel = [("the dataset", len(tracks))]
    candidates = tracks
    if selection.subset is not None and "subset" in candidates and candidates["subset"].notna().any():
        # FMA's subsets are ordered: "medium" includes every "small" track.
        candidates = candidates[candidates["subset"] <= selection.subset]
        funnel.append((f"selection.subset {selection.subset!r}", len(candidates)))
    by_genre = selection.genres is not None or selection.tracks_per_genre is not None or selection.tracks is not None
    if by_genre or not keep_unlabelled:
        candidates = candidates[candidates["genre"].notna()]
        funnel.append(("tracks with a genre label (one top genre)", len(candidates)))
    available = sorted(candidates["genre"].dropna().unique())
    genres = list(selection.genres) if selection.genres is not None else available
    unknown = [g for g in genres if g not in available]
    if unknown:
        raise ValueError(
            f"selection.genres: {unknown} not found among this dataset's genres ({', '.join(available)})"
        )
    if selection.genres is not None:
        candidates = candidates[candidates["genre"].isin(genres)]
        funnel.append((f"selection.genres {genres}", len(candidates)))
    broken = candidates.index.isin(list(exclude))
    excluded = candidates[broken].assign(reason="known broken clip")[["reason"]]
    candidates = candidates[~broken]
    if broken.any():
        funnel.append(("known broken clips left out", len(candidates)))
    available_per_genre = {genre: int((candidates["genre"] == genre).sum()) for genre in genres}
    if selection.tracks_per_genre is None and selection.tracks is None:
        selected = candidates.sort_index()
    else:
        selected = _sample(candidates, genres, available_per_genre, selection)
        asked = [f"tracks_per_genre {selection.tracks_per_genre}" if selection.tracks_per_genre else None,
                 f"tracks {selection.tracks}" if selection.tracks else None]
        funnel.append((f"selection.{' and '.join(a for a in asked if a)}", len(selected)))
    if selected.empty:
        raise EmptySelection(_empty_message(funnel))
    return SelectionOutcome(selected, excluded, _report(selection, funnel, available_per_genre, selected))


def _sample(candidates: pd.DataFrame, genres: list, available_per_genre: dict, selection: Selection) -> pd.DataFrame:
    counts = available_per_genre
    if selection.tracks_per_genre is not None:
        counts = {g: min(n, selection.tracks_per_genre) for g, n in counts.items()}
    if selection.tracks is not None:
        counts = balanced_counts(counts, selection.tracks, seed=selection.seed)
    picked = []
    for genre in genres:
        members = candidates[candidates["genre"] == genre]
        if len(members) > counts[genre]:
            genre_seed = (selection.seed * 1_000_003 + zlib.crc32(str(genre).encode())) % 2**32
            members = members.sample(n=counts[genre], random_state=genre_seed)
        picked.append(members)
    return pd.concat(picked).sort_index() if picked else candidates.iloc[:0]


def _empty_message(funnel: list[tuple[str, int]]) -> str:
    (first, total), *steps = funnel
    if total == 0:
        return "no track selected: the dataset has no tracks"
    before = total
    for step, count in steps:
        if count == 0:
            return (f"no track selected: {step} leaves none of the {before} tracks before it "
                    f"({'; '.join(f'{s}: {n}' for s, n in funnel)}); nothing to decode or cluster")
        before = count
    return "no track selected"


def _report(selection: Selection, funnel: list, available_per_genre: dict, selected: pd.DataFrame) -> dict:
    taken = selected["genre"].value_counts(dropna=False)
    per_genre = {str(g): int(n) for g, n in taken.items() if g is not None and g == g}
    shortfalls = {}
    if selection.tracks_per_genre is not None:
        shortfalls = {str(g): {"asked": selection.tracks_per_genre, "found": n}
                      for g, n in available_per_genre.items() if n < selection.tracks_per_genre}
    return {
        "asked": {key: (list(value) if isinstance(value, tuple) else value) for key, value in asdict(selection).items()},
        "funnel": [{"step": step, "tracks": count} for step, count in funnel],
        "available_per_genre": {str(g): n for g, n in available_per_genre.items()},
        "selected_per_genre": per_genre,
        "selected": len(selected),
        "shortfalls": shortfalls,
        "total_shortfall": (None if selection.tracks is None or len(selected) >= selection.tracks
                            else {"asked": selection.tracks, "found": len(selected)}),
    }


def shortfall_lines(report: dict) -> list[str]:
    """The report's shortfalls, one line each, for a log."""
    lines = [f"genre {genre!r}: {s['found']} tracks, fewer than tracks_per_genre {s['asked']}"
             for genre, s in report["shortfalls"].items()]
    if report["total_shortfall"]:
        lines.append(f"{report['total_shortfall']['found']} tracks in all, fewer than selection.tracks "
                     f"{report['total_shortfall']['asked']}")
    return lines


TRACK_COLUMNS = ("audio_path", "title", "artist", "genre", "split", "language")


def _text(value) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def balanced_counts(available: dict[str, int], total: int, *, seed: int) -> dict[str, int]:
    """How many tracks each genre gives to a sample of ``total``: as equal as the genres'
    ``available`` tracks allow (counts differ by at most one where no genre runs short).

    The genres that get one track more are picked by the seed; a genre with too few tracks
    gives what it has and its share goes to the others. Asking for more than there are
    gives every available track.
    """
    counts = dict.fromkeys(available, 0)
    # Seeded order: which genres take the remainder.
    order = sorted(available, key=lambda g: (zlib.crc32(f"{seed}:{g}".encode()), g))
    remaining = min(total, sum(available.values()))
    while remaining > 0:
        open_genres = [g for g in order if counts[g] < available[g]]
        share, extra = divmod(remaining, len(open_genres))
        for i, genre in enumerate(open_genres):
            add = min(share + (1 if i < extra else 0), available[genre] - counts[genre])
            counts[genre] += add
            remaining -= add
    return counts


def shard_count(n_tracks: int, shard_size: int) -> int:
    """Shards of at most ``shard_size`` tracks; at least one, so an empty run still has a DAG."""
    return max(1, math.ceil(n_tracks / shard_size))


def shard_layout(n_tracks: int, shard_size: int, max_shards: int | None = None) -> tuple[int, int]:
    """``(tracks per shard, shards)``: ``shard_size`` tracks a shard, grown when that would make
    more than ``max_shards`` shards.

    Planning cost follows the job count, which follows the shards (four jobs each), so the cap
    keeps a plan of FMA's 106,574 tracks at a few CPU-seconds (README, "Scale").
    """
    if max_shards is not None and n_tracks > shard_size * max_shards:
        shard_size = math.ceil(n_tracks / max_shards)
    return shard_size, shard_count(n_tracks, shard_size)


def write_track_table(
    selected: pd.DataFrame,
    path: str | Path,
    *,
    shard_size: int,
    dataset: str,
    audio: bool = True,
    max_shards: int | None = None,
) -> None:
    """``tracks.parquet``: one row a track, with its audio path, labels and shard number.

    Shards hold ``shard_size`` tracks, more when that would make over ``max_shards`` shards
    (``shard_layout``); the size used is in the metadata. A dataset without audio
    (``audio=False``: text only) has no shards (``n_shards`` 0, shard null), so no audio stage
    is ever planned for it.
    """
    ids = selected.index.to_numpy(dtype="int64")
    shard_size, n_shards = shard_layout(len(ids), shard_size, max_shards)
    if not audio:
        n_shards = 0
    # As text: a CSV's numeric genre codes are labels. A folder CSV's own columns are kept.
    passthrough = [c for c in selected.columns if c not in (*TRACK_COLUMNS, "subset")]
    columns = {
        name: pa.array([_text(value) for value in selected[name]], type=pa.string())
        for name in (*TRACK_COLUMNS, *passthrough)
    }
    # Consecutive slices of the id-sorted table: shard n is rows [n*size, (n+1)*size).
    shards = [i // shard_size if audio else None for i in range(len(ids))]
    columns["shard"] = pa.array(shards, type=pa.int32())
    table = build_table(
        ids,
        columns=columns,
        metadata={"dataset": dataset, "n_shards": n_shards, "shard_size": shard_size},
    )
    write_table(table, path)
