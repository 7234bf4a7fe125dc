"""Tests for musiclust.data.archives.safe_extract_zip."""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

import pytest

from musiclust.data.archives import UnsafeArchiveMember, safe_extract_zip


def _make_zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    """A zip with the given file members (written as is, names unchecked) and symlink members."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zip_file:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            zip_file.writestr(info, data)
        for name, link_target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zip_file.writestr(info, link_target)
    return path


def _all_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


def test_extracts_files_and_skips_directory_entries(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zip_file:
        zip_file.mkdir("fma_small")
        zip_file.writestr("fma_small/000/000002.mp3", b"mp3 bytes")
        zip_file.writestr("fma_small/README.txt", b"readme")
    target = tmp_path / "out"
    extracted = safe_extract_zip(archive, target, progress=False)
    assert extracted == [target / "fma_small/000/000002.mp3", target / "fma_small/README.txt"]
    assert (target / "fma_small/000/000002.mp3").read_bytes() == b"mp3 bytes"
    assert _all_files(target) == sorted(extracted)
    # No staging directory is left next to the target.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "out"]


def test_extracts_into_non_empty_target(tmp_path: Path) -> None:
    archive = _make_zip(tmp_path / "a.zip", {"x/new.txt": b"new", "x/keep.txt": b"replaced"})
    target = tmp_path / "out"
    (target / "x").mkdir(parents=True)
    (target / "x/keep.txt").write_bytes(b"old")
    (target / "other.txt").write_bytes(b"untouched")
    safe_extract_zip(archive, target, progress=False)
    assert (target / "x/new.txt").read_bytes() == b"new"
    assert (target / "x/keep.txt").read_bytes() == b"replaced"
    assert (target / "other.txt").read_bytes() == b"untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "out"]


@pytest.mark.parametrize(
    "bad_name",
    [
        "../evil.txt",
        "data/../../evil.txt",
        "/etc/evil.txt",
        "//server/share/evil.txt",
        "C:/evil.txt",
        "C:evil.txt",
        "..\\evil.txt",
        "data\\..\\..\\evil.txt",
    ],
)
def test_path_escapes_are_refused_before_anything_is_written(tmp_path: Path, bad_name: str) -> None:
    # The safe members come first: they must not be extracted either.
    archive = _make_zip(tmp_path / "a.zip", {"ok/one.txt": b"1", "ok/two.txt": b"2", bad_name: b"x"})
    target = tmp_path / "work" / "out"
    with pytest.raises(UnsafeArchiveMember) as caught:
        safe_extract_zip(archive, target, progress=False)
    assert repr(bad_name) in str(caught.value)
    assert caught.value.member == bad_name
    assert _all_files(tmp_path / "work") == []
    assert not (tmp_path / "evil.txt").exists()


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = _make_zip(tmp_path / "a.zip", {"ok.txt": b"1"}, symlinks={"link": "/etc/passwd"})
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveMember, match="symbolic link"):
        safe_extract_zip(archive, target, progress=False)
    assert _all_files(target) == []


def test_symlink_member_refused_even_outside_prefix(tmp_path: Path) -> None:
    archive = _make_zip(tmp_path / "a.zip", {"keep/a.txt": b"1"}, symlinks={"other/link": "/"})
    with pytest.raises(UnsafeArchiveMember):
        safe_extract_zip(archive, tmp_path / "out", members_prefix="keep", progress=False)


def test_symlink_inside_target_cannot_be_used_to_escape(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    target = tmp_path / "out"
    target.mkdir()
    (target / "sneaky").symlink_to(outside, target_is_directory=True)
    archive = _make_zip(tmp_path / "a.zip", {"sneaky/evil.txt": b"x"})
    with pytest.raises(UnsafeArchiveMember, match="outside"):
        safe_extract_zip(archive, target, progress=False)
    assert list(outside.iterdir()) == []


def test_members_prefix_selects_whole_path_components(tmp_path: Path) -> None:
    archive = _make_zip(
        tmp_path / "a.zip",
        {
            "fma/000/1.mp3": b"a",
            "fma/000/2.mp3": b"b",
            "fma/0001/3.mp3": b"c",
            "fma/001/4.mp3": b"d",
            "other.csv": b"e",
        },
    )
    target = tmp_path / "out"
    extracted = safe_extract_zip(archive, target, members_prefix="fma/000/", progress=False)
    assert extracted == [target / "fma/000/1.mp3", target / "fma/000/2.mp3"]
    assert _all_files(target) == extracted


def test_members_prefix_without_matches_extracts_nothing(tmp_path: Path) -> None:
    archive = _make_zip(tmp_path / "a.zip", {"a/b.txt": b"1"})
    assert safe_extract_zip(archive, tmp_path / "out", members_prefix="zzz", progress=False) == []
    assert _all_files(tmp_path / "out") == []


def test_corrupt_member_leaves_target_untouched(tmp_path: Path) -> None:
    archive = tmp_path / "a.zip"
    payload = b"first member " * 100
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zip_file:
        zip_file.writestr("a.txt", payload)
        zip_file.writestr("b.txt", b"second member " * 100)
    # Flip a byte inside the second member's data: its CRC check fails mid-extraction.
    raw = bytearray(archive.read_bytes())
    offset = raw.find(b"second member")
    raw[offset] ^= 0xFF
    archive.write_bytes(bytes(raw))
    target = tmp_path / "out"
    with pytest.raises(zipfile.BadZipFile):
        safe_extract_zip(archive, target, progress=False)
    assert not target.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]


def test_new_target_gets_ordinary_permissions(tmp_path: Path) -> None:
    # The staging directory (mkdtemp: 0700) becomes the target: it must look like a mkdir'd one.
    archive = _make_zip(tmp_path / "a.zip", {"a.txt": b"1"})
    target = tmp_path / "out"
    safe_extract_zip(archive, target, progress=False)
    reference = tmp_path / "made-by-mkdir"
    reference.mkdir()
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
