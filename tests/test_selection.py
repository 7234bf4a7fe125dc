import pandas as pd
import pytest

from musiclust.data.catalog import KNOWN_BROKEN_FMA_TRACKS
from musiclust.data.fma import audio_relpath, fma_exclusions, read_tracks_csv
from musiclust.data.folder import scan_folder, stable_track_id
from musiclust.data.selection import Selection, select_tracks, shard_count, write_track_table
from musiclust.parquet_tables import read_table, table_metadata

FMA_HEADER = (
    ",artist,set,set,track,track,track\n"
    ",name,split,subset,genre_top,language_code,title\n"
    "track_id,,,,,,\n"
)


def write_tracks_csv(path, rows):
    body = "".join(f"{tid},{artist},{split},{subset},{genre},{lang},{title}\n" for tid, artist, split, subset, genre, lang, title in rows)
    path.write_text(FMA_HEADER + body, encoding="utf-8")
    return path


@pytest.fixture
def fma_tracks(tmp_path):
    rows = []
    for i in range(60):
        genre = ["Rock", "Pop", "Folk"][i % 3]
        subset = ["small", "medium", "large"][(i // 3) % 3]
        rows.append((i + 2, f"artist {i % 7}", "training", subset, genre, "en", f"song {i}"))
    rows.append((98565, "broken", "training", "small", "Rock", "en", "empty clip"))
    rows.append((500, "both", "training", "small", "", "en", "two roots"))
    return read_tracks_csv(write_tracks_csv(tmp_path / "tracks.csv", rows))


def test_reads_fma_two_row_header(fma_tracks):
    assert fma_tracks.index.name == "track_id"
    assert list(fma_tracks.columns) == ["title", "artist", "genre", "subset", "split", "language"]
    assert fma_tracks.loc[2, "title"] == "song 0"
    assert fma_tracks.loc[500, "genre"] is None  # several root genres: genre_top empty


def test_subsets_are_ordered(fma_tracks):
    small, _ = select_tracks(fma_tracks, Selection(subset="small"))
    medium, _ = select_tracks(fma_tracks, Selection(subset="medium"))
    large, _ = select_tracks(fma_tracks, Selection(subset="large"))
    assert set(small.index) < set(medium.index) < set(large.index)
    assert set(medium["subset"]) == {"small", "medium"}


def test_selection_per_genre_is_seeded_and_stable(fma_tracks):
    selection = Selection(subset="large", genres=("Rock", "Pop"), tracks_per_genre=5, seed=1)
    first, _ = select_tracks(fma_tracks, selection)
    again, _ = select_tracks(fma_tracks, selection)
    assert first.index.tolist() == again.index.tolist()
    assert first["genre"].value_counts().to_dict() == {"Rock": 5, "Pop": 5}
    with_folk, _ = select_tracks(fma_tracks, Selection(subset="large", genres=("Folk", "Rock", "Pop"), tracks_per_genre=5, seed=1))
    # Adding a genre leaves the other genres' samples as they were.
    assert set(first.index) <= set(with_folk.index)
    other_seed, _ = select_tracks(fma_tracks, Selection(subset="large", genres=("Rock", "Pop"), tracks_per_genre=5, seed=2))
    assert other_seed.index.tolist() != first.index.tolist()


def test_known_broken_and_unlabelled_tracks_are_left_out(fma_tracks):
    selected, excluded = select_tracks(fma_tracks, Selection(subset="small"), exclude=fma_exclusions("fma"))
    assert 98565 in KNOWN_BROKEN_FMA_TRACKS
    assert 98565 not in selected.index and 500 not in selected.index
    assert excluded.index.tolist() == [98565]
    assert excluded["reason"].tolist() == ["known broken clip"]


def test_unknown_genre_is_named(fma_tracks):
    with pytest.raises(ValueError, match="Jazz"):
        select_tracks(fma_tracks, Selection(genres=("Jazz",)))


def test_fma_layout():
    assert audio_relpath(2) == "000/000002.mp3"
    assert audio_relpath(12345) == "012/012345.mp3"
    assert audio_relpath(155320) == "155/155320.mp3"


def test_track_table_has_shards(tmp_path, fma_tracks):
    selected, _ = select_tracks(fma_tracks, Selection(subset="large"))
    selected = selected.assign(audio_path=[f"/x/{t}.mp3" for t in selected.index])
    path = tmp_path / "tracks.parquet"
    write_track_table(selected, path, shard_size=25, dataset="demo")
    table = read_table(path)
    assert table_metadata(table, "n_shards") == shard_count(len(selected), 25) == 3
    assert table.column("shard").to_pylist() == [i // 25 for i in range(len(selected))]
    assert table.column("track_id").type.bit_width == 64
    assert shard_count(0, 10) == 1


def test_folder_with_and_without_metadata(tmp_path):
    from tests.conftest import write_tone

    (tmp_path / "music" / "sub").mkdir(parents=True)
    write_tone(tmp_path / "music" / "a.wav", 1.0, fmt="WAV")
    write_tone(tmp_path / "music" / "sub" / "b.wav", 1.0, fmt="WAV")
    (tmp_path / "music" / "notes.txt").write_text("not audio")
    bare = scan_folder(tmp_path / "music").tracks
    assert sorted(bare["title"]) == ["a", "b"]
    assert stable_track_id("sub/b.wav") in bare.index
    selected, _ = select_tracks(bare, Selection(), keep_unlabelled=True)
    assert len(selected) == 2

    csv = tmp_path / "meta.csv"
    pd.DataFrame({"file": ["a.wav", "sub/b.wav"], "genre": ["Rock", "Jazz"], "track_id": [1, 2]}).to_csv(csv, index=False)
    labelled = scan_folder(tmp_path / "music", csv).tracks
    assert labelled.loc[2, "genre"] == "Jazz"
    assert labelled.loc[1, "audio_path"].endswith("a.wav")


def test_total_track_count_is_balanced_and_seeded(fma_tracks):
    """`tracks: N` picks exactly N, as evenly across the genres as they allow (the first study's
    "100 tracks sampled uniformly across 8 genres"), reproducibly by seed."""
    selection = Selection(subset="large", genres=("Rock", "Pop", "Folk"), tracks=10, seed=3)
    selected, _ = select_tracks(fma_tracks, selection)
    assert len(selected) == 10
    assert sorted(selected["genre"].value_counts().tolist()) == [3, 3, 4]
    again, _ = select_tracks(fma_tracks, selection)
    assert selected.index.tolist() == again.index.tolist()
    # More than a genre has: its share goes to the others (Rock has 20 here, one broken excluded
    # only with `exclude`); more than there are: every track.
    everything, _ = select_tracks(fma_tracks, Selection(subset="large", genres=("Rock", "Pop"), tracks=1000))
    assert len(everything) == int(fma_tracks["genre"].isin(["Rock", "Pop"]).sum())


def test_balanced_counts():
    from musiclust.data.selection import balanced_counts

    counts = balanced_counts({f"g{i}": 50 for i in range(8)}, 100, seed=42)
    assert sum(counts.values()) == 100 and sorted(set(counts.values())) == [12, 13]
    short = balanced_counts({"a": 2, "b": 50, "c": 50}, 30, seed=0)
    assert short == {"a": 2, "b": 14, "c": 14}
    assert balanced_counts({"a": 3, "b": 4}, 100, seed=0) == {"a": 3, "b": 4}
    # A different seed may hand the remainder to different genres; the total never changes.
    assert sum(balanced_counts({f"g{i}": 50 for i in range(8)}, 100, seed=7).values()) == 100
