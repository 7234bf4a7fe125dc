"""The local lyrics provider (files and folders keyed by track id) and the tracks' queries."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest

from musiclust.lyrics import MatchCriteria, Query, build_queries
from musiclust.lyrics.local import LocalProvider
from musiclust.parquet_tables import build_table, write_table


def write_jsonl(path, entries):
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return path


def demo_style_entries():
    """Entries as the demo generator writes them (resources/{dataset}/lyrics.jsonl)."""
    return [
        {"track_id": 1, "title": "Heartbeat", "artist": "Nightline", "album": "Pulse", "duration": 30,
         "lyrics": "I hear your heartbeat", "instrumental": False, "language": "en"},
        {"track_id": 2, "title": "Static Sea", "artist": "Nightline", "album": "Pulse", "duration": 30,
         "lyrics": None, "instrumental": True, "language": None},
        {"track_id": 3, "title": "Lluvia", "artist": "Los Faros", "album": "Mar", "duration": 30,
         "lyrics": None, "instrumental": False, "language": "es"},
        # A wrong song filed under this track's id, as in real lyrics sets.
        {"track_id": 4, "title": "Yesterday", "artist": "The Beatles", "album": "Help!", "duration": 125,
         "lyrics": "Yesterday, all my troubles", "instrumental": False, "language": "en"},
    ]


QUERIES = [Query(1, "Heartbeat", "Nightline", "Pulse", 30.0), Query(2, "Static Sea", "Nightline", "Pulse", 30.0),
           Query(3, "Lluvia", "Los Faros", "Mar", 30.0), Query(4, "Dawn Chorus", "Los Faros", "Mar", 30.0),
           Query(5, "Absent", "Nobody", None, None)]


def statuses(provider_, queries=QUERIES):
    return [provider_.lookup(q).status for q in queries]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_local_files(tmp_path, suffix):
    frame = pd.DataFrame(demo_style_entries())
    path = tmp_path / f"lyrics{suffix}"
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(e) + "\n" for e in demo_style_entries()))
    elif suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    local = LocalProvider(path, MatchCriteria())
    assert statuses(local) == ["found", "instrumental", "not_found", "rejected", "not_found"]
    assert local.lookup(QUERIES[0]).candidate.lyrics == "I hear your heartbeat"
    rejected = local.lookup(QUERIES[3])
    assert rejected.candidate.artist == "The Beatles" and rejected.detail.startswith("title 'Yesterday'")


def test_local_folder_of_text_files_is_taken_by_id(tmp_path):
    (tmp_path / "1.txt").write_text("I hear your heartbeat\n")
    (tmp_path / "3.txt").write_text("  \n")
    (tmp_path / "notes.txt").write_text("ignored")
    local = LocalProvider(tmp_path, MatchCriteria())
    outcome = local.lookup(QUERIES[0])
    assert (outcome.status, outcome.candidate.lyrics, outcome.detail) == ("found", "I hear your heartbeat", "matched by track id")
    assert statuses(local, QUERIES[2:3]) == ["not_found"]


def test_local_file_without_the_required_columns(tmp_path):
    path = tmp_path / "lyrics.csv"
    pd.DataFrame({"id": [1], "text": ["x"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"columns \['lyrics', 'track_id'\] missing"):
        LocalProvider(path, MatchCriteria())




def test_build_queries_reads_album_and_duration_from_fma_metadata(tmp_path):
    tracks = build_table([2, 5], columns={"title": pa.array(["Food", None]), "artist": pa.array(["AWOL", "X"]),
                                          "genre": pa.array(["Hip-Hop", "Pop"])})
    write_table(tracks, tmp_path / "tracks.parquet")
    csv = tmp_path / "tracks.csv"
    csv.write_text(",album,album,track,track,artist\n,id,title,duration,title,name\ntrack_id,,,,,\n"
                   "2,1,AWOL - A Way Of Life,168,Food,AWOL\n5,2,,0,Y,X\n")
    queries = build_queries(tmp_path / "tracks.parquet", csv)
    assert queries[0] == Query(2, "Food", "AWOL", "AWOL - A Way Of Life", 168.0)
    assert queries[1] == Query(5, None, "X", None, None)
    assert build_queries(tmp_path / "tracks.parquet")[0] == Query(2, "Food", "AWOL", None, None)
