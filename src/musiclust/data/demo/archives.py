"""Writing the demo corpus: FMA's metadata tables, MP3 encoding and reproducible zip archives."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import soundfile as sf

from musiclust.data.demo.features import demo_features_csv
from musiclust.data.demo.lyrics import lyrics_records, plan_lyrics
from musiclust.data.demo.names import Credits, make_credits
from musiclust.data.demo.plan import (
    AUDIO_STREAM,
    N_MULTI_GENRE_TRACKS,
    DemoSpec,
    PlannedTrack,
    audio_member,
    plan_tracks,
    split_for,
)
from musiclust.data.demo.recipes import GENRE_RECIPES
from musiclust.data.demo.synthesis import hybrid, synthesize_track

TRUNCATED_BYTES = 200
METADATA_ZIP = "fma_metadata.zip"
CHECKSUMS_JSON = "checksums.json"
LYRICS_JSONL = "lyrics.jsonl"
# 1980-01-01 is the earliest time a zip entry can carry; fixed so archives are reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def _genre_list(ids: Sequence[int]) -> str:
    """FMA writes genre lists as Python list literals, e.g. ``[12, 25]``."""
    return "[" + ", ".join(str(i) for i in ids) + "]"


def _tracks_table(spec: DemoSpec, plan: list[PlannedTrack], credits: dict[int, Credits]) -> pd.DataFrame:
    duration = int(round(spec.clip_seconds))
    rows = []
    for track in plan:
        recipes = [GENRE_RECIPES[g] for g in track.genres]
        credit = credits[track.track_id]
        if len(recipes) == 1:
            recipe = recipes[0]
            # Half the tracks are tagged with the sub-genre, like FMA's most specific tags.
            uses_sub = track.within_genre % 2 == 1
            genres = [recipe.subgenre[0]] if uses_sub else [recipe.genre_id]
            genres_all = sorted({recipe.genre_id, *genres})
            genre_top = recipe.name
        else:
            genres = sorted(r.genre_id for r in recipes)
            genres_all = genres
            genre_top = ""  # FMA leaves it empty when a track has several root genres
        rows.append(
            {
                ("album", "id"): credit.album_id,
                ("album", "title"): credit.album,
                ("artist", "id"): credit.artist_id,
                ("artist", "name"): credit.artist,
                ("set", "split"): split_for(track),
                ("set", "subset"): "small",
                ("track", "duration"): duration,
                ("track", "genre_top"): genre_top,
                ("track", "genres"): _genre_list(genres),
                ("track", "genres_all"): _genre_list(genres_all),
                ("track", "language_code"): credit.language_code,
                ("track", "number"): credit.number,
                ("track", "title"): credit.title,
            }
        )
    table = pd.DataFrame(rows, index=pd.Index([t.track_id for t in plan], name="track_id"))
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def _genres_table(spec: DemoSpec, tracks: pd.DataFrame) -> pd.DataFrame:
    """FMA's genres.csv: root genres (parent 0, top_level itself) and one child each."""
    counts: dict[int, int] = {}
    for listed in tracks[("track", "genres_all")]:
        for gid in json.loads(listed):
            counts[gid] = counts.get(gid, 0) + 1
    rows = []
    for recipe in GENRE_RECIPES[: spec.n_genres]:
        rows.append((recipe.genre_id, counts.get(recipe.genre_id, 0), 0, recipe.name, recipe.genre_id))
        sub_id, sub_title = recipe.subgenre
        rows.append((sub_id, counts.get(sub_id, 0), recipe.genre_id, sub_title, recipe.genre_id))
    genres = pd.DataFrame(rows, columns=["genre_id", "#tracks", "parent", "title", "top_level"])
    return genres.sort_values("genre_id").reset_index(drop=True)



def encode_mp3(audio: np.ndarray, sr: int) -> bytes:
    """MP3 bytes via libsndfile's bundled LAME (no ffmpeg needed).

    Encodes to a real temporary file, not a BytesIO: with a file libsndfile never calls back
    into Python, so the encoder runs without the GIL and threads encode in parallel.
    """
    handle, path = tempfile.mkstemp(suffix=".mp3", prefix="musiclust-demo-")
    os.close(handle)
    try:
        sf.write(path, audio, sr, format="MP3")
        return Path(path).read_bytes()
    finally:
        os.unlink(path)


_NOT_AUDIO = (
    b"<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
    b"<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def _track_audio(spec: DemoSpec, track: PlannedTrack) -> bytes:
    """The bytes of one track's MP3 file (broken on purpose for the broken tracks)."""
    if track.broken_kind == "empty":
        return b""
    if track.broken_kind == "not_audio":
        return _NOT_AUDIO
    rng = np.random.default_rng([spec.seed, AUDIO_STREAM, track.index])
    recipes = [GENRE_RECIPES[g] for g in track.genres]
    recipe = recipes[0] if len(recipes) == 1 else hybrid(recipes[0], recipes[1])
    # A truncated file only needs a valid beginning, so render a short clip.
    seconds = min(spec.clip_seconds, 2.0) if track.broken_kind == "truncated" else spec.clip_seconds
    data = encode_mp3(synthesize_track(recipe, seconds, spec.sample_rate, rng), spec.sample_rate)
    return data[:TRUNCATED_BYTES] if track.broken_kind == "truncated" else data


def _parallel_map(func: Callable[[PlannedTrack], bytes], items: Sequence[PlannedTrack]) -> list[bytes]:
    """Threads suffice: numpy's large operations and the MP3 encoder (a cffi call) release the GIL."""
    try:
        workers = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        workers = os.cpu_count() or 1
    if workers <= 1 or len(items) <= 1:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(func, items))


def _zip_bytes(entries: dict[str, bytes], compression: int) -> bytes:
    """A zip with sorted entries and fixed timestamps and permissions: same input, same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
            info.compress_type = compression
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the permissions above are honoured everywhere
            archive.writestr(info, entries[name])
    return buffer.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary sibling, then rename: readers never see a half-written file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _readme(spec: DemoSpec, archive_name: str, plan: list[PlannedTrack]) -> str:
    broken = ", ".join(f"{t.track_id:06d} ({t.broken_kind})" for t in plan if t.broken_kind)
    genres = ", ".join(r.name for r in GENRE_RECIPES[: spec.n_genres])
    return (
        f"{archive_name}: synthetic demo corpus in the layout of the Free Music Archive (FMA).\n"
        "\n"
        "Generated by musiclust.data.demo; no real music. Each genre is a synthesis recipe.\n"
        f"Spec: {spec}\n"
        f"Genres: {genres}\n"
        f"Tracks: {len(plan)} ({N_MULTI_GENRE_TRACKS} with several root genres, {spec.n_broken} broken)\n"
        f"Broken on purpose: {broken or 'none'}\n"
        "Layout: <archive>/<first 3 digits of the 6-digit track id>/<6-digit track id>.mp3\n"
    )


def generate_demo_corpus(spec: DemoSpec, out_dir: str | Path, archive_name: str = "fma_demo") -> dict[str, str]:
    """Write out_dir/fma_metadata.zip and out_dir/{archive_name}.zip; return {zip file name: sha1 hex}.

    Also writes out_dir/checksums.json with the same mapping, and out_dir/lyrics.jsonl (one
    object a track: track_id, title, artist, album, duration, lyrics, instrumental, language).
    """
    if not archive_name or "/" in archive_name or archive_name.startswith("."):
        raise ValueError(f"archive_name must be a plain file stem, got {archive_name!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_tracks(spec)

    credits = make_credits(spec, plan)
    tracks = _tracks_table(spec, plan, credits)
    genres = _genres_table(spec, tracks)
    metadata_zip = _zip_bytes(
        {
            "fma_metadata/tracks.csv": tracks.to_csv(lineterminator="\n").encode("utf-8"),
            "fma_metadata/genres.csv": genres.to_csv(index=False, lineterminator="\n").encode("utf-8"),
            "fma_metadata/features.csv": demo_features_csv(spec, plan),
        },
        zipfile.ZIP_DEFLATED,
    )

    audio = _parallel_map(functools.partial(_track_audio, spec), plan)
    entries = {audio_member(archive_name, t.track_id): data for t, data in zip(plan, audio)}
    # Like FMA's archives: a sha1 per audio file, then a README.
    entries[f"{archive_name}/checksums"] = "".join(
        f"{hashlib.sha1(data).hexdigest()}  {name.split('/', 1)[1]}\n"
        for name, data in sorted(entries.items())
    ).encode()
    entries[f"{archive_name}/README.txt"] = _readme(spec, archive_name, plan).encode("utf-8")
    audio_zip = _zip_bytes(entries, zipfile.ZIP_STORED)  # MP3 is already compressed

    checksums: dict[str, str] = {}
    for name, data in ((METADATA_ZIP, metadata_zip), (f"{archive_name}.zip", audio_zip)):
        _write_atomic(out_dir / name, data)
        checksums[name] = hashlib.sha1(data).hexdigest()
    _write_atomic(out_dir / CHECKSUMS_JSON, (json.dumps(checksums, indent=2, sort_keys=True) + "\n").encode())
    # Not in checksums.json: that lists the archives to download, and lyrics are read in place.
    records = lyrics_records(plan, credits, plan_lyrics(spec, plan, credits), float(round(spec.clip_seconds)))
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    _write_atomic(out_dir / LYRICS_JSONL, lines.encode("utf-8"))
    return checksums
