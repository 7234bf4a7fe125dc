"""Where each dataset's archives come from, and facts known about them.

The SHA-1 sums are the ones FMA publishes in its README. The demo's archives are generated
locally and served by ``file://``, through the same download code as FMA's.

An FMA dataset may take each archive from elsewhere (``datasets.<name>.archives``, README
"Data already on disk"): a mirror's URL, a zip already on disk (checked, then read in place),
or a folder already extracted (used as is: no download, no extraction); ``path:`` names a
folder in FMA's layout holding all of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from musiclust.data.download import sha1_of_file

FMA_BASE_URL = "https://os.unil.cloud.switch.ch/fma"

FMA_SHA1 = {
    "fma_metadata": "f0df49ffe5f2a6008d7dc83c6915b31835dfe733",
    "fma_small": "ade154f733639d52e35e32f5593efe5be76c6d70",
    "fma_medium": "c67b69ea232021025fca9231fc1c7c1a063ab50b",
    "fma_large": "497109f4dd721066b5ce5e5f250ec604dc78939e",
}

# Clips of fma_small that are empty or a fraction of a second long (FMA's issue tracker).
KNOWN_BROKEN_FMA_TRACKS = frozenset({98565, 98567, 98569, 99134, 108925, 133297})

DEMO_AUDIO_ARCHIVE = "fma_demo"
# Dataset kinds whose tracks have audio (the others: a feature table, text only).
AUDIO_KINDS = ("demo", "fma", "folder")


def has_audio(kind: str) -> bool:
    return kind in AUDIO_KINDS


@dataclass(frozen=True)
class Archive:
    """One zip to download: its name (``{name}.zip``, top folder ``{name}/``), URL and SHA-1."""

    name: str
    url: str
    sha1: str | None  # None: read from the generated checksums file (demo)


def audio_archive_name(kind: str, size: str | None = None) -> str | None:
    if kind == "fma":
        return f"fma_{size}"
    if kind == "demo":
        return DEMO_AUDIO_ARCHIVE
    return None


def archive(kind: str, name: str, demo_dir: str | None = None) -> Archive:
    """The download address of archive ``name`` of a dataset of ``kind``."""
    if kind == "fma":
        if name not in FMA_SHA1:
            raise ValueError(f"unknown FMA archive {name!r} (known: {', '.join(FMA_SHA1)})")
        return Archive(name, f"{FMA_BASE_URL}/{name}.zip", FMA_SHA1[name])
    if kind == "demo":
        if demo_dir is None:
            raise ValueError("a demo archive needs the folder it was generated in")
        return Archive(name, Path(demo_dir, f"{name}.zip").resolve().as_uri(), None)
    raise ValueError(f"datasets of kind {kind!r} have no archives")


@dataclass(frozen=True)
class ArchiveSource:
    """Where one archive of a dataset comes from: exactly one of ``url``, ``zip_path``, ``folder``."""

    name: str
    url: str | None = None  # downloaded (resumable, verified)
    zip_path: str | None = None  # a zip on disk: verified, then extracted from where it is
    folder: str | None = None  # already extracted: ``{folder}/tracks.csv`` or ``{folder}/XXX/XXXXXX.mp3``
    sha1: str | None = None  # None: not checked (warned)


SOURCE_KEYS = {"url": "url", "path": "zip_path", "folder": "folder"}


def fma_archive_names(size: str) -> tuple[str, str]:
    """The archives an FMA dataset of ``size`` reads: its metadata and its audio."""
    return "fma_metadata", f"fma_{size}"


def fma_archive_sources(spec: Mapping) -> dict[str, ArchiveSource]:
    """Each archive of an FMA dataset spec (kind fma): from ``archives.<name>`` when given, else
    ``{path}/<name>`` (an FMA-layout folder) when ``path`` is, else FMA's own URL. A ``sha1``
    key absent means FMA's published one; null means no check."""
    configured = spec.get("archives") or {}
    sources = {}
    for name in fma_archive_names(spec["size"]):
        entry = configured.get(name)
        if entry is None:
            if spec.get("path"):
                sources[name] = ArchiveSource(name, folder=str(Path(spec["path"], name)))
            else:
                sources[name] = ArchiveSource(name, url=f"{FMA_BASE_URL}/{name}.zip", sha1=FMA_SHA1[name])
            continue
        where = {SOURCE_KEYS[key]: str(value) for key, value in entry.items() if key in SOURCE_KEYS}
        sha1 = entry["sha1"] if "sha1" in entry else FMA_SHA1[name]
        sources[name] = ArchiveSource(name, **where, sha1=None if "folder" in where else sha1)
    return sources


def archive_source_problems(dataset: str, spec: Mapping) -> list[str]:
    """What is wrong with a dataset's ``archives:`` that the schema cannot say."""
    archives = spec.get("archives") or {}
    if archives and spec["kind"] != "fma":
        return [f"datasets.{dataset}.archives: only a dataset of kind fma takes archives (this one is {spec['kind']})"]
    problems = []
    wanted = fma_archive_names(spec["size"]) if spec["kind"] == "fma" else ()
    for name, entry in archives.items():
        key = f"datasets.{dataset}.archives.{name}"
        if name not in wanted:
            problems.append(f"{key}: a dataset of size {spec['size']} reads {' and '.join(wanted)}, not {name}")
        given = [k for k in SOURCE_KEYS if k in entry]
        if len(given) != 1:
            problems.append(f"{key}: give exactly one of url, path (a zip on disk) or folder (already extracted), "
                            f"not {' and '.join(given) or 'none'}")
        elif given == ["folder"] and "sha1" in entry:
            problems.append(f"{key}.sha1: a folder is used as it is; a SHA-1 checks a zip (url or path)")
    return problems


class LocalArchiveMismatch(Exception):
    """A zip on disk is not the one its SHA-1 names."""


def verify_local_archive(path: str | Path, sha1: str | None) -> str | None:
    """The SHA-1 of a zip on disk, checked against ``sha1``; None, unread, when ``sha1`` is None.

    Raises:
        FileNotFoundError: no such file.
        LocalArchiveMismatch: the digests differ (the file is left where it is: it is the user's).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"archive {path} does not exist (or is not a file)")
    if sha1 is None:
        return None
    actual = sha1_of_file(path)
    if actual.lower() != sha1.lower():
        raise LocalArchiveMismatch(
            f"{path}: SHA-1 is {actual}, expected {sha1}; it is another or a damaged copy. "
            "Fix the sha1 in config (or set it to null to skip the check)"
        )
    return actual
