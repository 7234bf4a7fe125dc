"""Failure reasons that say what is wrong with a file (issue 10), and the track left out downstream.

Each case goes through the shard decoder beside a good track, as the decode rule runs it: the
broken track must be in the failures table with its reason and a detail naming the problem,
and nowhere in the decoded audio or the features computed from it.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest

from musiclust.features.decode import FAILURE_REASONS, DecodeSettings, UnusableTrack
from musiclust.features.plan import DecodePlan
from musiclust.features.shards import decode_shard, feature_shard
from musiclust.features.sniff import mpeg_frame_length, sniff
from musiclust.features.spectral import MelSettings
from musiclust.report.page import dataset_summary
from musiclust.report.metrics_tables import failure_counts
from musiclust.parquet_tables import track_ids

PLAN = DecodePlan.from_params(22050, {"mel": {"n_frames": 64}})
LIBSNDFILE_MISLEADING = "File does not exist or is not a regular file"


def text_named_mp3(path, tone):
    path.write_text("Track listing\n1. Intro\n2. Outro\n" * 20)


def truncated_mp3(path, tone):
    path.write_bytes(tone("whole.mp3", seconds=4.0).read_bytes()[:200])


def empty_file(path, tone):
    path.write_bytes(b"")


def too_short(path, tone):
    path.write_bytes(tone("short.mp3", seconds=0.4).read_bytes())


def silent(path, tone):
    path.write_bytes(tone("silence.mp3", amplitude=0.0, noise=0.0).read_bytes())


def a_folder(path, tone):
    path.mkdir()


CASES = [
    (text_named_mp3, "not audio", "text of 640 bytes"),
    (truncated_mp3, "truncated", "200 bytes of the"),
    (empty_file, "empty file", "0 bytes"),
    (too_short, "too short", "< 1.0 s"),
    (silent, "silent", "dB <"),
    (a_folder, "unreadable", "Is a directory"),
]


def decode_with_a_good_track(tmp_path, tone, broken_path):
    good = tone("good.mp3", frequency=330.0)
    return decode_shard([1, 2], [str(good), str(broken_path)], DecodeSettings(), PLAN, progress=False)


@pytest.mark.parametrize("make, reason, detail", CASES, ids=[case[0].__name__ for case in CASES])
def test_reason_names_what_is_wrong_and_the_track_is_left_out(tmp_path, tone, make, reason, detail):
    broken = tmp_path / "broken.mp3"
    make(broken, tone)
    audio, failures = decode_with_a_good_track(tmp_path, tone, broken)

    assert failures.column("track_id").to_pylist() == [2]
    assert failures.column("reason").to_pylist() == [reason]
    assert detail in failures.column("detail")[0].as_py()
    assert LIBSNDFILE_MISLEADING not in failures.column("detail")[0].as_py()
    # Left out downstream: no decoded audio, no feature row.
    assert track_ids(audio).tolist() == [1]
    assert track_ids(feature_shard(audio, "mel", MelSettings(n_frames=64), progress=False)).tolist() == [1]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its permissions")
def test_a_file_without_read_permission_is_unreadable(tmp_path, tone):
    broken = tone("locked.mp3")
    broken.chmod(0)
    _, failures = decode_with_a_good_track(tmp_path, tone, broken)
    assert failures.column("reason").to_pylist() == ["unreadable"]
    assert "Permission denied" in failures.column("detail")[0].as_py()


def test_an_html_error_page_and_a_wav_cut_short(tmp_path, tone):
    page = tmp_path / "page.mp3"
    page.write_bytes(b"<html><head><title>503 Service Unavailable</title></head></html>")
    wav = tone("whole.wav", seconds=4.0, fmt="WAV")
    cut = tmp_path / "cut.wav"
    cut.write_bytes(wav.read_bytes()[:2000])  # opens: libsndfile sizes it by the bytes it has
    _, failures = decode_shard([1, 2], [str(page), str(cut)], DecodeSettings(), PLAN, progress=False)
    assert failures.column("reason").to_pylist() == ["not audio", "truncated"]
    assert failures.column("detail")[0].as_py().startswith("an HTML page")
    assert "its WAV header announces" in failures.column("detail")[1].as_py()


def test_sniff_knows_good_files_and_mpeg_frames(tmp_path, tone):
    for name, fmt in (("a.mp3", None), ("a.wav", "WAV"), ("a.flac", "FLAC"), ("a.ogg", "OGG")):
        head = sniff(tone(name, fmt=fmt))
        assert head.format == {"OGG": "Ogg"}.get(fmt, fmt or "MP3") and head.truncation is None
    # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 417 bytes (418 padded); free format has no length.
    assert mpeg_frame_length(bytes([0xFF, 0xFB, 0x90, 0x00])) == 417
    assert mpeg_frame_length(bytes([0xFF, 0xFB, 0x92, 0x00])) == 418
    assert mpeg_frame_length(bytes([0xFF, 0xFB, 0x00, 0x00])) is None
    assert mpeg_frame_length(b"ID3\x04") is None


def test_reasons_are_a_fixed_vocabulary():
    with pytest.raises(ValueError, match="unknown failure reason"):
        UnusableTrack("broken")
    assert {"not audio", "truncated", "empty file", "too short", "silent", "unreadable"} <= set(FAILURE_REASONS)


def test_the_report_shows_each_reason_with_an_example_detail():
    failures = pd.DataFrame({"track_id": [4, 7, 9], "stage": ["decode"] * 3,
                             "reason": ["not audio", "not audio", "truncated"],
                             "detail": ["an HTML page of 46 bytes, starting b'<html>'", "text of 9 bytes", "200 bytes of the 9,469"]})
    counts = failure_counts(failures)
    assert counts.values.tolist() == [
        ["decode", "not audio", 2, "track 4: an HTML page of 46 bytes, starting b'<html>'"],
        ["decode", "truncated", 1, "track 9: 200 bytes of the 9,469"],
    ]
    page = dataset_summary(pd.DataFrame({"track_id": range(10)}), failures, None)
    assert "<td>track 4: an HTML page of 46 bytes, starting b&#x27;&lt;html&gt;&#x27;</td>" in page
