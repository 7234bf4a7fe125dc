"""A user's own music: a folder of audio files, with an optional metadata CSV.

The CSV (optional) has a ``file`` column (path relative to the folder) and any of ``title``,
``artist``, ``genre``, ``track_id``. Without ``track_id`` a stable id is derived from the
relative path, so adding files later does not renumber the ones already there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

AUDIO_EXTENSIONS = (".mp3", ".wav", ".flac", ".ogg", ".oga", ".aif", ".aiff", ".au")


def stable_track_id(relative_path: str) -> int:
    """A positive int64 from the file's relative path (POSIX form)."""
    digest = hashlib.blake2b(relative_path.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") & 0x7FFF_FFFF_FFFF_FFFF


def scan_folder(folder: str | Path, metadata_csv: str | Path | None = None) -> pd.DataFrame:
    """Tracks of a folder, indexed by ``track_id``: audio_path, title, artist, genre, split."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"datasets: folder {folder} does not exist")
    files = sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS
    )
    frame = pd.DataFrame({"file": files})
    if metadata_csv:
        metadata = pd.read_csv(metadata_csv, dtype={"file": str})
        if "file" not in metadata.columns:
            raise ValueError(f"{metadata_csv}: needs a 'file' column (path relative to {folder})")
        frame = frame.merge(metadata, on="file", how="left")
    if "track_id" not in frame.columns or frame["track_id"].isna().any():
        derived = frame["file"].map(stable_track_id)
        frame["track_id"] = frame["track_id"].fillna(derived) if "track_id" in frame.columns else derived
    frame["track_id"] = frame["track_id"].astype("int64")
    if frame["track_id"].duplicated().any():
        duplicated = frame.loc[frame["track_id"].duplicated(), "file"].tolist()
        raise ValueError(f"{metadata_csv}: duplicate track_id for {duplicated[:5]}")
    for column in ("title", "artist", "genre"):
        if column not in frame.columns:
            frame[column] = None
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame["title"] = [t if t is not None else Path(f).stem for t, f in zip(frame["title"], frame["file"])]
    frame["audio_path"] = [str(folder / f) for f in frame["file"]]
    frame["split"] = None
    frame["subset"] = None
    frame["language"] = None
    return frame.set_index("track_id").drop(columns=["file"])
