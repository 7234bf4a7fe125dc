"""Folder datasets and selection say what they did (issue 10's rows): paths normalised, rows
without files listed or stopped, extra columns kept, numeric genres as labels, shortfalls
reported, an empty selection stopped naming its filter, and a folder's edits rerun selection."""

from __future__ import annotations

import json
import os
import time

import pandas as pd
import pytest

from musiclust.data.folder import FolderError, folder_manifest, scan_folder, write_if_changed
from musiclust.data.selection import EmptySelection, Selection, run_selection, shortfall_lines, write_track_table
from musiclust.parquet_tables import read_table
from tests.conftest import planned_jobs, snakemake, tiny_config, write_tone


@pytest.fixture
def music(tmp_path):
    """Six short WAVs, two in a subfolder."""
    folder = tmp_path / "music"
    (folder / "sub").mkdir(parents=True)
    for i, name in enumerate(["a.wav", "b.wav", "c.wav", "d.wav", "sub/e.wav", "sub/f.wav"]):
        write_tone(folder / name, 0.5, sample_rate=22050, frequency=220.0 * (i + 1), fmt="WAV")
    return folder


def _csv(path, rows, columns=("file", "genre")):
    pd.DataFrame(rows, columns=list(columns)).to_csv(path, index=False)
    return path


# ----------------------------------------------------------------------------- CSV paths

def test_paths_are_normalised(music, tmp_path):
    csv = _csv(tmp_path / "meta.csv", [("./a.wav", "Rock"), (str(music / "b.wav"), "Jazz"),
                                        ("sub/../sub/e.wav", "Rock"), (" c.wav ", "Jazz")])
    tracks = scan_folder(music, csv).tracks
    labelled = tracks.dropna(subset=["genre"])
    assert sorted(labelled["audio_path"]) == sorted(str(music / f) for f in ("a.wav", "b.wav", "c.wav", "sub/e.wav"))
    assert len(tracks) == 6  # files the CSV does not name are tracks too, unlabelled


def test_rows_naming_missing_files_stop_naming_them(music, tmp_path):
    csv = _csv(tmp_path / "meta.csv", [("a.wav", "Rock"), ("gone.mp3", "Jazz"), ("/elsewhere/x.wav", "Rock"),
                                        ("../b.wav", "Rock"), ("b.wav", "Jazz")])
    with pytest.raises(FolderError) as error:
        scan_folder(music, csv)
    message = str(error.value)
    for expected in ("3 rows name files that are not in", "line 3 'gone.mp3' (not found)",
                     "line 4 '/elsewhere/x.wav' (outside the folder)", "line 5 '../b.wav' (outside the folder)",
                     "relative to the dataset's path", "missing_files: warn"):
        assert expected in message
    scan = scan_folder(music, csv, missing_files="warn")
    assert scan.missing.to_dict(orient="records") == [
        {"line": 3, "file": "gone.mp3", "reason": "not found"},
        {"line": 4, "file": "/elsewhere/x.wav", "reason": "outside the folder"},
        {"line": 5, "file": "../b.wav", "reason": "outside the folder"},
    ]
    assert scan.tracks.set_index("audio_path").loc[str(music / "b.wav"), "genre"] == "Jazz"


def test_extra_columns_are_kept_and_numeric_genres_are_labels(music, tmp_path):
    rows = [("a.wav", 1, "fr", "test", "calm"), ("b.wav", 2, "en", "training", "loud"),
            ("c.wav", "3", None, "training", None), ("d.wav", "Rock", "es", None, "calm")]
    csv = _csv(tmp_path / "meta.csv", rows, columns=("file", "genre", "language", "split", "mood"))
    tracks = scan_folder(music, csv).tracks
    selected = run_selection(tracks, Selection(), keep_unlabelled=True).selected
    path = tmp_path / "tracks.parquet"
    write_track_table(selected, path, shard_size=4, dataset="mine")
    table = read_table(path).to_pandas().set_index("audio_path")
    a, c = table.loc[str(music / "a.wav")], table.loc[str(music / "c.wav")]
    assert (a["genre"], a["language"], a["split"], a["mood"]) == ("1", "fr", "test", "calm")
    assert c["genre"] == "3" and pd.isna(c["language"]) and pd.isna(c["mood"])
    assert read_table(path).column("mood").null_count == 3  # c, and e and f which the CSV does not name
    assert sorted(table["genre"].dropna()) == ["1", "2", "3", "Rock"]


# ----------------------------------------------------------------------------- selection

def _labelled(n_per_genre: dict) -> pd.DataFrame:
    rows = [(g, f"{g} {i}") for g, n in n_per_genre.items() for i in range(n)]
    frame = pd.DataFrame(rows, columns=["genre", "title"], index=pd.Index(range(1, len(rows) + 1), name="track_id"))
    return frame.assign(subset=pd.Categorical(["large"] * len(rows), categories=["small", "medium", "large"],
                                              ordered=True), audio_path="x", artist=None, split=None, language=None)


def test_shortfalls_per_genre_are_reported():
    outcome = run_selection(_labelled({"Rock": 5, "Jazz": 2, "Folk": 3}), Selection(tracks_per_genre=4))
    assert outcome.report["shortfalls"] == {"Jazz": {"asked": 4, "found": 2}, "Folk": {"asked": 4, "found": 3}}
    assert outcome.report["selected_per_genre"] == {"Rock": 4, "Folk": 3, "Jazz": 2}
    assert "genre 'Jazz': 2 tracks, fewer than tracks_per_genre 4" in shortfall_lines(outcome.report)
    total = run_selection(_labelled({"Rock": 5, "Jazz": 2}), Selection(tracks=10)).report
    assert total["total_shortfall"] == {"asked": 10, "found": 7} and total["shortfalls"] == {}
    assert run_selection(_labelled({"Rock": 5}), Selection(tracks_per_genre=5)).report["shortfalls"] == {}


@pytest.mark.parametrize("selection, tracks, message", [
    (Selection(subset="small"), _labelled({"Rock": 3}), "selection.subset 'small' leaves none of the 3 tracks"),
    (Selection(tracks_per_genre=2), _labelled({"Rock": 3}).assign(genre=None),
     "tracks with a genre label (one top genre) leaves none of the 3 tracks"),
    (Selection(), _labelled({}), "the dataset has no tracks"),
])
def test_an_empty_selection_names_its_filter(selection, tracks, message):
    with pytest.raises(EmptySelection, match=message.replace("(", r"\(").replace(")", r"\)")):
        run_selection(tracks, selection)


def test_an_empty_folder_is_named(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no music")
    with pytest.raises(FolderError, match="has no audio files"):
        scan_folder(tmp_path / "empty")


# ----------------------------------------------------------------------------- manifest

def test_manifest_follows_the_audio_files_only(music, tmp_path):
    manifest = tmp_path / "manifest.tsv"
    assert write_if_changed(manifest, folder_manifest(music))
    before = manifest.stat().st_mtime_ns
    assert not write_if_changed(manifest, folder_manifest(music))
    (music / "notes.txt").write_text("not audio")
    assert not write_if_changed(manifest, folder_manifest(music)) and manifest.stat().st_mtime_ns == before
    write_tone(music / "a.wav", 0.6, sample_rate=22050, fmt="WAV")  # replaced: another size
    assert write_if_changed(manifest, folder_manifest(music))
    assert "sub/e.wav\t" in manifest.read_text()


# ----------------------------------------------------------------------------- workflow

def _folder_config(music, csv=None, **spec):
    config = tiny_config()
    config["datasets"]["mine"] = {"kind": "folder", "path": str(music), **({"metadata_csv": str(csv)} if csv else {}),
                                  **spec}
    config["dataset"] = "mine"
    for algorithm in config["clustering"]["algorithms"].values():
        if "k" in algorithm:
            algorithm["k"] = 2
    return config


TRACKS = "results/mine/tracks.parquet"


def _bump(path):
    """A later mtime than anything written so far, as a user's edit would have."""
    later = time.time() + 2
    os.utime(path, (later, later))


def test_folder_edits_rerun_selection_and_nothing_else(music, tmp_path):
    csv = _csv(tmp_path / "meta.csv", [("a.wav", "Rock"), ("b.wav", "Jazz"), ("c.wav", "Rock"), ("d.wav", "Jazz")])
    workdir = tmp_path / "work"
    workdir.mkdir()
    config = _folder_config(music, csv)
    result = snakemake(workdir, config, TRACKS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert planned_jobs(workdir, config, TRACKS) == {}
    (music / "notes.txt").write_text("not audio")  # not a track: nothing to do
    assert planned_jobs(workdir, config, TRACKS) == {}

    _csv(csv, [("a.wav", "Rock"), ("b.wav", "Rock"), ("c.wav", "Rock"), ("d.wav", "Jazz")])  # relabelled
    _bump(csv)
    assert planned_jobs(workdir, config, TRACKS) == {"select_tracks": 1}
    assert snakemake(workdir, config, TRACKS).returncode == 0

    write_tone(music / "g.wav", 0.5, sample_rate=22050, fmt="WAV")  # added
    assert planned_jobs(workdir, config, TRACKS) == {"select_tracks": 1}
    assert snakemake(workdir, config, TRACKS).returncode == 0
    assert planned_jobs(workdir, config, TRACKS) == {}

    write_tone(music / "sub/e.wav", 0.7, sample_rate=22050, fmt="WAV")  # replaced
    jobs = planned_jobs(workdir, config, "results/mine/features/audio/shard-0.parquet")
    assert jobs == {"select_tracks": 1, "decode_audio": 1}


def test_missing_files_in_the_workflow(music, tmp_path):
    csv = _csv(tmp_path / "meta.csv", [("./a.wav", "Rock"), ("b.wav", "Jazz"), ("c.wav", "Rock"),
                                        ("gone.wav", "Jazz"), ("d.wav", "Jazz")])
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = snakemake(workdir, _folder_config(music, csv), TRACKS)
    assert result.returncode != 0
    log = (workdir / "results/mine/logs/select_tracks.log").read_text()
    assert "line 5 'gone.wav' (not found)" in log and "missing_files: warn" in log
    assert not (workdir / TRACKS).exists() and not (workdir / "results/mine/selection.json").exists()

    result = snakemake(workdir, _folder_config(music, csv, missing_files="warn",
                                               selection={"tracks_per_genre": 3, "seed": 0}), TRACKS)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads((workdir / "results/mine/selection.json").read_text())
    assert report["missing_files"] == [{"line": 5, "file": "gone.wav", "reason": "not found"}]
    assert report["shortfalls"] == {"Rock": {"asked": 3, "found": 2}, "Jazz": {"asked": 3, "found": 2}}
    assert report["selected_per_genre"] == {"Rock": 2, "Jazz": 2}
    log = (workdir / "results/mine/logs/select_tracks.log").read_text()
    assert "'gone.wav' not found, left out" in log and "genre 'Jazz': 2 tracks, fewer than tracks_per_genre 3" in log


def test_an_empty_selection_stops_before_decoding(music, tmp_path):
    """Genres filtered to none (no labels at all): selection fails naming the filter, and no
    decoding or feature job has run."""
    config = _folder_config(music, selection={"tracks_per_genre": 2, "seed": 0})
    result = snakemake(tmp_path, config, "results/mine/features/mel/shard-0.parquet")
    assert result.returncode != 0
    log = (tmp_path / "results/mine/logs/select_tracks.log").read_text()
    assert "no track selected: tracks with a genre label (one top genre) leaves none of the 6 tracks" in log
    assert not (tmp_path / TRACKS).exists()
    assert not (tmp_path / "results/mine/features").exists()


def test_an_empty_folder_stops_at_selection(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "cover.jpg").write_bytes(b"\xff\xd8 not audio")
    workdir = tmp_path / "work"
    workdir.mkdir()
    result = snakemake(workdir, _folder_config(empty), "results/mine/features/mel/shard-0.parquet")
    assert result.returncode != 0
    log = (workdir / "results/mine/logs/select_tracks.log").read_text()
    assert f"folder {empty} has no audio files" in log
    assert not (workdir / TRACKS).exists() and not (workdir / "results/mine/features").exists()
