"""Safe, streaming zip extraction.

Every member of an archive is checked before a single byte is written: a member that would land
outside the target directory (``../``, absolute paths, drive letters, backslash separators) or
that is a symlink makes the whole extraction fail with :class:`UnsafeArchiveMember`.

Members are decompressed into a hidden staging directory next to the target and only then
renamed into place, so an interrupted extraction never leaves half-written files in the target.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import sys
import uuid
import zipfile
from pathlib import Path, PurePosixPath

from tqdm import tqdm

log = logging.getLogger("musiclust.archives")

_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_COPY_BUFFER = 1 << 20


class UnsafeArchiveMember(Exception):
    """An archive member would escape the target directory or is a symlink."""

    def __init__(self, archive: Path, member: str, reason: str) -> None:
        self.archive = archive
        self.member = member
        self.reason = reason
        super().__init__(f"refusing to extract {archive}: member {member!r} {reason}; nothing was extracted")


def _normalized_member_name(name: str) -> str:
    # Some Windows zip tools write backslash separators; treat them as separators so that
    # "..\\x" is caught as a parent reference rather than a harmless-looking file name.
    return name.replace("\\", "/")


def _is_symlink(info: zipfile.ZipInfo) -> bool:
    # Unix mode bits live in the high 16 bits of external_attr.
    return stat.S_ISLNK(info.external_attr >> 16)


def _unsafe_reason(info: zipfile.ZipInfo, target: Path) -> str | None:
    """Why ``info`` must not be extracted into ``target`` (resolved), or ``None`` if it is safe."""
    name = _normalized_member_name(info.filename)
    if _is_symlink(info):
        return "is a symbolic link"
    if "\x00" in name:
        return "contains a NUL byte"
    if name.startswith("/"):
        return "is an absolute path"
    if _DRIVE_LETTER.match(name):
        return "starts with a drive letter"
    if ".." in PurePosixPath(name).parts:
        return "refers to a parent directory"
    # Last line of defence, also against symlinks already present inside the target.
    resolved = (target / name).resolve()
    if resolved != target and not resolved.is_relative_to(target):
        return "resolves outside the target directory"
    return None


def _is_selected(name: str, prefix: str | None) -> bool:
    if prefix is None:
        return True
    return name == prefix or name.startswith(prefix + "/")


def _move_into(staging: Path, target: Path, relative_paths: list[str]) -> None:
    """Move the staged files into ``target``; one rename of the whole tree when possible."""
    target_is_empty = not target.exists() or (target.is_dir() and not any(target.iterdir()))
    if target_is_empty:
        # rename(2) atomically replaces a missing or empty directory.
        os.replace(staging, target)
        return
    for relative in relative_paths:
        final = target / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / relative, final)


def safe_extract_zip(
    archive: str | Path,
    target_dir: str | Path,
    *,
    members_prefix: str | None = None,
    progress: bool = True,
) -> list[Path]:
    """Extract the files of a zip archive into ``target_dir``, refusing unsafe members.

    Args:
        archive: path to the ``.zip`` file.
        target_dir: directory to extract into (created if missing; existing files with the
            same names are replaced).
        members_prefix: only extract members at or under this path inside the archive, matched
            by whole path components (``"fma_large/000"`` selects ``fma_large/000/...`` but not
            ``fma_large/0001/...``). Members keep their full archive path under ``target_dir``.
        progress: show a tqdm progress bar over members.

    Returns:
        Paths of the extracted files (directory entries are skipped), in archive order.

    Raises:
        UnsafeArchiveMember: some member of the archive (selected or not) is a symlink or would
            be written outside ``target_dir``; nothing is extracted in that case.
        zipfile.BadZipFile: the archive or a member is corrupt (CRC mismatch).
    """
    archive = Path(archive)
    target = Path(target_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    resolved_target = target.resolve()
    prefix = _normalized_member_name(members_prefix).strip("/") if members_prefix else None

    with zipfile.ZipFile(archive) as zip_file:
        infos = zip_file.infolist()
        # Check everything first: a hostile archive is refused as a whole.
        for info in infos:
            reason = _unsafe_reason(info, resolved_target)
            if reason is not None:
                raise UnsafeArchiveMember(archive, info.filename, reason)

        selected = [
            info
            for info in infos
            if not info.is_dir()
            and not _normalized_member_name(info.filename).endswith("/")
            and _is_selected(_normalized_member_name(info.filename), prefix)
        ]
        if prefix is not None and not selected:
            log.warning("%s has no files under %r", archive, members_prefix)

        # Staging next to the target: same filesystem, so the final moves are renames.
        # Not mkdtemp: its 0700 mode would stick to the target when the staging dir becomes it.
        staging = target.parent / f".{target.name}.extracting-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            relative_paths: list[str] = []
            seen: set[str] = set()
            with tqdm(
                selected,
                desc=f"extracting {archive.name}",
                unit="file",
                disable=not progress,
                mininterval=0.5 if sys.stderr.isatty() else 30.0,
            ) as members:
                for info in members:
                    relative = str(PurePosixPath(_normalized_member_name(info.filename)))
                    if relative == ".":
                        continue  # a member naming the target itself carries no file
                    staged = staging / relative
                    staged.parent.mkdir(parents=True, exist_ok=True)
                    # Streamed: members can be far larger than memory.
                    with zip_file.open(info) as source, open(staged, "wb") as out:
                        shutil.copyfileobj(source, out, _COPY_BUFFER)
                    if relative not in seen:  # a repeated name: the later member wins
                        seen.add(relative)
                        relative_paths.append(relative)
            _move_into(staging, target, relative_paths)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)

    log.info("extracted %d files from %s into %s", len(relative_paths), archive, target)
    return [target / relative for relative in relative_paths]
