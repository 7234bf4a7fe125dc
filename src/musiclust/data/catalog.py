"""Where each dataset's archives come from, and facts known about them.

The SHA-1 sums are the ones FMA publishes in its README. The demo's archives are generated
locally and served by ``file://``, through the same download code as FMA's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

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
