"""Lyrics through Snakemake on the tiny demo: the local file, then LRCLIB from a local stand-in.

The first run reads the demo's own lyrics.jsonl (the default `local` provider): its wrong
matches are rejected. The second serves the same lyrics from an LRCLIB stand-in on 127.0.0.1,
so the real provider code runs end to end through the rule. A third, after a judge edit,
reruns the rule and asks the server nothing: every answer is in the cache under resources/.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.lyrics_servers import records_from_jsonl, start_lrclib_server
from tests.conftest import planned_jobs
from tests.test_workflow import snakemake, tiny_config

ROOT = Path(__file__).resolve().parents[1]
TARGET = "results/demo/text/lyrics.parquet"

pytestmark = [
    pytest.mark.workflow,
    pytest.mark.skipif("lyrics.jsonl" not in (ROOT / "rules" / "data.smk").read_text(),
                       reason="the demo generator does not write resources/{dataset}/lyrics.jsonl yet"),
]


def expected_statuses(workdir: Path) -> tuple[dict[int, str], dict[int, dict]]:
    """What the demo's lyrics file should give each selected track, and its entries."""
    tracks = pd.read_parquet(workdir / "results" / "demo" / "tracks.parquet").set_index("track_id")
    entries = {}
    for line in (workdir / "resources" / "demo" / "lyrics.jsonl").read_text().splitlines():
        entry = json.loads(line)
        entries[entry["track_id"]] = entry
    expected = {}
    for track_id, track in tracks.iterrows():
        entry = entries.get(track_id)
        if entry is None:
            expected[track_id] = "not_found"
        elif (entry["title"], entry["artist"]) != (track["title"], track["artist"]):
            expected[track_id] = "rejected"  # another song's entry
        elif entry["instrumental"]:
            expected[track_id] = "instrumental"
        else:
            expected[track_id] = "found" if entry["lyrics"] else "not_found"
    return expected, entries


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("lyrics_workflow")
    config = tiny_config()
    result = snakemake(workdir, config, TARGET)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    return workdir, config


def test_the_demo_reads_its_own_lyrics_and_rejects_its_wrong_matches(local_run):
    workdir, _ = local_run
    table = pd.read_parquet(workdir / TARGET).set_index("track_id")
    expected, entries = expected_statuses(workdir)
    assert table["status"].to_dict() == expected
    assert {"found", "instrumental", "not_found", "rejected"} <= set(expected.values())
    for track_id in table.index[table["status"] == "found"]:
        assert table.loc[track_id, "lyrics"] == entries[track_id]["lyrics"]
        assert table.loc[track_id, "provider"] == "local"
    rejected = table[table["status"] == "rejected"]
    assert rejected["lyrics"].isna().all() and rejected["detail"].str.len().gt(0).all()


def test_lrclib_stand_in_end_to_end_then_a_rerun_asks_nothing(local_run):
    workdir, config = local_run
    expected, _ = expected_statuses(workdir)
    # LRCLIB holds every song of the file under its own title; a wrong match's entry is
    # another song, so LRCLIB finds nothing for that track.
    expected = {k: ("not_found" if v == "rejected" else v) for k, v in expected.items()}
    with start_lrclib_server(records_from_jsonl(workdir / "resources" / "demo" / "lyrics.jsonl")) as server:
        # The first search answers with a famous song instead, as fuzzy searches do: rejected.
        server.inject("/api/search", status=200, times=1, body=json.dumps([{
            "id": 999, "trackName": "Yesterday", "artistName": "The Beatles", "albumName": "Help!",
            "duration": 125, "instrumental": False, "plainLyrics": "Yesterday...", "syncedLyrics": None}]))
        edited = copy.deepcopy(config)
        edited["datasets"]["demo"]["lyrics"] = {
            "providers": ["lrclib"], "lrclib": {"base_url": server.url}, "rate_limit_per_s": 1000,
            "retries": 1, "backoff_s": 0.01,
        }
        result = snakemake(workdir, edited, TARGET)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
        table = pd.read_parquet(workdir / TARGET).set_index("track_id")
        # Tracks with the same title, artist, album and duration are one question (one cache
        # key) with one answer: the demo repeats a few titles within an artist.
        tracks = pd.read_parquet(workdir / "results" / "demo" / "tracks.parquet").set_index("track_id")
        repeated = tracks.duplicated(["title", "artist"], keep=False)
        unique = set(tracks.index[~repeated])
        gets = [tuple(sorted(r.query.items())) for r in server.requests if r.path == "/api/get"]
        assert len(gets) == len(set(gets)) >= len(tracks.drop_duplicates(["title", "artist"]))
        searched = server.count("/api/search")
        rejected = table.index[table["status"] == "rejected"]
        assert len(rejected) == 1 and table.loc[rejected[0], "matched_artist"] == "The Beatles"
        expected[rejected[0]] = "rejected"
        assert {k: v for k, v in table["status"].items() if k in unique} == {k: expected[k] for k in unique}
        assert (table.loc[table["status"] == "found", "provider"] == "lrclib").all()
        assert (workdir / "resources" / "lyrics" / "cache.sqlite").exists()

        # A judge edit reruns the rule (params changed); the cache answers every question.
        asked = server.count()
        edited["datasets"]["demo"]["lyrics"]["min_score"] = 0.85
        result = snakemake(workdir, edited, TARGET)
        assert result.returncode == 0, result.stderr[-4000:]
        assert "fetch_lyrics" in result.stdout + result.stderr
        assert server.count() == asked
        assert pd.read_parquet(workdir / TARGET)["status"].tolist() == table["status"].tolist()
    log = (workdir / "results" / "demo" / "logs" / "fetch_lyrics.log").read_text()
    assert f"cache {searched + len(tracks)} answers reused, 0 asked" in log


def test_genius_without_a_token_stops_the_run_before_any_job(tmp_path, monkeypatch):
    """Checked when the lyrics job is planned (a dry run shows it), naming the variable; an
    existing lyrics.parquet is never touched. With the token set, the same plan goes through."""
    monkeypatch.delenv("GENIUS_ACCESS_TOKEN", raising=False)
    config = tiny_config()
    config["datasets"]["demo"]["lyrics"] = {"providers": ["local", "genius"]}
    result = snakemake(tmp_path, config, "--dry-run", TARGET)
    assert result.returncode != 0
    assert "datasets.demo.lyrics.providers lists genius" in result.stderr + result.stdout
    assert "GENIUS_ACCESS_TOKEN" in result.stderr + result.stdout
    monkeypatch.setenv("GENIUS_ACCESS_TOKEN", "tok-test")
    assert planned_jobs(tmp_path, config, TARGET)["fetch_lyrics"] == 1
