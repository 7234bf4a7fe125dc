"""A user's own music: a folder of audio files, with an optional metadata CSV.

The CSV (optional) has a ``file`` column (path relative to the folder; ``./x.mp3`` and absolute
paths inside the folder are accepted) and any of ``title``, ``artist``, ``genre``, ``track_id``;
other columns (``language``, ``split``, ...) are kept. Every value is read as text, so numeric
genre codes are labels. Without ``track_id`` a stable id is derived from the relative path, so
adding files later does not renumber the ones already there.

Rows naming files that are not in the folder are listed (:class:`FolderScan`); with
``missing_files="error"`` (the default) they stop the scan, naming the first few.

:func:`folder_manifest` summarises the audio files (path, size, modification time), so that a
workflow can rerun what depends on a folder when, and only when, its files change.
"""

from __future__ import annotations

import hashlib
import logging
import os
import posixpath
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

AUDIO_EXTENSIONS = (".mp3", ".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".au")
# Columns musiclust writes itself; a CSV may not bring its own.
RESERVED_COLUMNS = ("audio_path", "shard", "subset")
MISSING_FILES_SHOWN = 5

log = logging.getLogger("musiclust.folder")


class FolderError(ValueError):
    """A folder dataset cannot be read as given; the message says what to change."""


@dataclass(frozen=True)
class FolderScan:
    """Tracks of a folder (indexed by ``track_id``) and the CSV rows whose file is not there
    (columns ``line``: the CSV line, ``file``: as written, ``reason``)."""

    tracks: pd.DataFrame
    missing: pd.DataFrame


def stable_track_id(relative_path: str) -> int:
    """A positive int64 from the file's relative path (POSIX form)."""
    digest = hashlib.blake2b(relative_path.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def audio_files(folder: str | Path) -> list[str]:
    """The folder's audio files, searched recursively, as sorted POSIX paths relative to it."""
    folder = Path(folder)
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
    )


def folder_manifest(folder: str | Path) -> str:
    """One line per audio file: relative path, size in bytes, modification time (ns), tab
    separated. Equal text means the files are the same as far as a rerun is concerned."""
    folder = Path(folder)
    lines = ["path\tsize\tmtime_ns"]
    for relative in audio_files(folder):
        stat = (folder / relative).stat()
        lines.append(f"{relative}\t{stat.st_size}\t{stat.st_mtime_ns}")
    return "\n".join(lines) + "\n"


def write_if_changed(path: str | Path, text: str) -> bool:
    """Write ``text`` to ``path`` only when it differs (so its mtime moves only then)."""
    path = Path(path)
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return True


def relative_file(value: str, folder: Path) -> str | None:
    """A CSV's ``file`` as a POSIX path relative to ``folder``: ``./`` and ``a/../`` folded,
    an absolute path inside the folder made relative; None for a path outside it."""
    value = value.strip()
    path = Path(value)
    if path.is_absolute():
        for base, candidate in ((Path(os.path.abspath(folder)), Path(os.path.abspath(path))),
                                (folder.resolve(), path.resolve())):
            if candidate.is_relative_to(base):
                return candidate.relative_to(base).as_posix()
        return None
    relative = posixpath.normpath(PurePosixPath(value).as_posix())
    if relative == ".." or relative.startswith("../"):
        return None
    return relative


def _read_metadata(metadata_csv: str | Path, folder: Path) -> pd.DataFrame:
    # Every column as text: genre codes 1, 2, 3 are labels, titles like "1999" stay titles.
    metadata = pd.read_csv(metadata_csv, dtype=str, keep_default_na=True)
    metadata.columns = [str(c).strip() for c in metadata.columns]
    if "file" not in metadata.columns:
        raise FolderError(f"{metadata_csv}: needs a 'file' column (path relative to {folder})")
    reserved = [c for c in RESERVED_COLUMNS if c in metadata.columns]
    if reserved:
        raise FolderError(f"{metadata_csv}: columns {reserved} are written by musiclust; rename them")
    metadata.insert(0, "line", range(2, len(metadata) + 2))  # the header is line 1
    return metadata


def _missing_message(metadata_csv, folder: Path, missing: pd.DataFrame) -> str:
    shown = "; ".join(
        f"line {row.line} {row.file!r} ({row.reason})" for row in missing.head(MISSING_FILES_SHOWN).itertuples()
    )
    more = f" and {len(missing) - MISSING_FILES_SHOWN} more" if len(missing) > MISSING_FILES_SHOWN else ""
    return (
        f"{metadata_csv}: {len(missing)} rows name files that are not in {folder} (the 'file' column is "
        f"relative to the dataset's path): {shown}{more}. Fix the paths, or set missing_files: warn "
        "to leave these rows out"
    )


def scan_folder(
    folder: str | Path, metadata_csv: str | Path | None = None, *, missing_files: str = "error"
) -> FolderScan:
    """Tracks of a folder: audio_path, title, artist, genre, split, language, and the CSV's own
    columns; CSV rows whose file is missing raise :class:`FolderError` (``missing_files``
    "error") or are listed in ``FolderScan.missing`` and left out ("warn")."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FolderError(f"datasets: folder {folder} does not exist")
    files = audio_files(folder)
    if not files:
        raise FolderError(f"folder {folder} has no audio files ({', '.join(AUDIO_EXTENSIONS)}), searched recursively")
    frame = pd.DataFrame({"file": files})
    missing = pd.DataFrame({"line": pd.Series(dtype="int64"), "file": pd.Series(dtype=str), "reason": pd.Series(dtype=str)})
    if metadata_csv:
        metadata = _read_metadata(metadata_csv, folder)
        written = metadata["file"].fillna("")
        relative = [relative_file(v, folder) if v.strip() else None for v in written]
        on_disk = set(files)
        reasons = [
            "no file named" if not w.strip() else "outside the folder" if f is None else None if f in on_disk else "not found"
            for w, f in zip(written, relative)
        ]
        metadata["file"] = relative
        bad = [r is not None for r in reasons]
        missing = pd.DataFrame({"line": metadata["line"][bad], "file": written[bad],
                                "reason": [r for r in reasons if r is not None]}).reset_index(drop=True)
        if len(missing):
            message = _missing_message(metadata_csv, folder, missing)
            if missing_files == "error":
                raise FolderError(message)
            log.warning(message.replace("Fix the paths, or set missing_files: warn to leave these rows out",
                                        "missing_files: warn, so they are left out"))
        metadata = metadata[[not b for b in bad]]
        repeated = metadata.loc[metadata["file"].duplicated(keep=False)]
        if len(repeated):
            lines = ", ".join(f"line {r.line} {r.file!r}" for r in repeated.head(MISSING_FILES_SHOWN).itertuples())
            raise FolderError(f"{metadata_csv}: several rows name the same file: {lines}")
        frame = frame.merge(metadata.drop(columns=["line"]), on="file", how="left")
    if "track_id" in frame.columns:
        given = pd.to_numeric(frame["track_id"], errors="coerce")
        bad_ids = frame.loc[frame["track_id"].notna() & (given.isna() | (given % 1 != 0)), "track_id"]
        if len(bad_ids):
            raise FolderError(f"{metadata_csv}: track_id must be a whole number, got {bad_ids.head(5).tolist()}")
        frame["track_id"] = given.fillna(frame["file"].map(stable_track_id))
    else:
        frame["track_id"] = frame["file"].map(stable_track_id)
    frame["track_id"] = frame["track_id"].astype("int64")
    if frame["track_id"].duplicated().any():
        duplicated = frame.loc[frame["track_id"].duplicated(), "file"].tolist()
        raise FolderError(f"{metadata_csv}: duplicate track_id for {duplicated[:5]}")
    for column in ("title", "artist", "genre", "split", "language"):
        if column not in frame.columns:
            frame[column] = None
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame["genre"] = [g.strip() or None if isinstance(g, str) else g for g in frame["genre"]]
    frame["title"] = [t if t is not None else Path(f).stem for t, f in zip(frame["title"], frame["file"])]
    frame["audio_path"] = [str(folder / f) for f in frame["file"]]
    frame["subset"] = None
    return FolderScan(frame.set_index("track_id").drop(columns=["file"]), missing)
