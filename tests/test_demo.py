"""The synthetic demo corpus: FMA's on-disk format, deliberate breakage, determinism, difficulty."""

from __future__ import annotations

import ast
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from musiclust.data.demo import (
    BROKEN_KINDS,
    GENRE_RECIPES,
    METADATA_ZIP,
    MIN_GENRES,
    DemoSpec,
    audio_member,
    broken_track_ids,
    demo_track_id,
    generate_demo_corpus,
    multi_genre_track_ids,
)

ARCHIVE = "fma_demo"
TINY = DemoSpec(n_genres=6, tracks_per_genre=2, clip_seconds=4.0, seed=0)
EXPECTED_COLUMNS = {
    ("album", "title"),
    ("artist", "name"),
    ("set", "split"),
    ("set", "subset"),
    ("track", "duration"),
    ("track", "genre_top"),
    ("track", "genres"),
    ("track", "genres_all"),
    ("track", "language_code"),
    ("track", "title"),
}
AUDIO_PATH = re.compile(rf"^{ARCHIVE}/(\d{{3}})/(\d{{6}})\.mp3$")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo_corpus(TINY, out, archive_name=ARCHIVE)


def read_tracks(out: Path) -> pd.DataFrame:
    """FMA's own recipe for reading tracks.csv."""
    with zipfile.ZipFile(out / METADATA_ZIP) as archive:
        return pd.read_csv(archive.open("fma_metadata/tracks.csv"), index_col=0, header=[0, 1])


def read_genres(out: Path) -> pd.DataFrame:
    with zipfile.ZipFile(out / METADATA_ZIP) as archive:
        return pd.read_csv(archive.open("fma_metadata/genres.csv"))


def test_writes_both_zips_and_checksums(tiny: tuple[Path, dict[str, str]]) -> None:
    out, checksums = tiny
    assert set(checksums) == {METADATA_ZIP, f"{ARCHIVE}.zip"}
    for name, sha1 in checksums.items():
        assert hashlib.sha1((out / name).read_bytes()).hexdigest() == sha1
    assert json.loads((out / "checksums.json").read_text()) == checksums
    assert not [p.name for p in out.iterdir() if ".tmp" in p.name], "temporary files left behind"


def test_tracks_csv_has_fma_header_and_columns(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    with zipfile.ZipFile(out / METADATA_ZIP) as archive:
        assert set(archive.namelist()) == {"fma_metadata/tracks.csv", "fma_metadata/genres.csv",
                                           "fma_metadata/features.csv"}
        lines = archive.read("fma_metadata/tracks.csv").decode("utf-8").splitlines()
    # Top level, sub level, then the index's name alone on its row: FMA's three header lines.
    assert lines[0].startswith(",album,")
    assert lines[1].startswith(",")
    assert re.fullmatch(r"track_id,+", lines[2])

    tracks = read_tracks(out)
    assert isinstance(tracks.columns, pd.MultiIndex)
    assert EXPECTED_COLUMNS <= set(tracks.columns)
    assert tracks.index.name == "track_id"
    assert tracks.index.dtype.kind == "i" and tracks.index.is_unique
    n_expected = TINY.n_genres * TINY.tracks_per_genre + 2 + TINY.n_broken
    assert len(tracks) == n_expected
    assert set(tracks[("set", "subset")]) == {"small"}
    assert set(tracks[("set", "split")]) <= {"training", "validation", "test"}
    assert (tracks[("track", "duration")] == round(TINY.clip_seconds)).all()
    assert tracks[("track", "language_code")].notna().all()
    for column in (("track", "genres"), ("track", "genres_all")):
        for listed in tracks[column]:
            ids = ast.literal_eval(listed)
            assert isinstance(ids, list) and ids and all(isinstance(i, int) for i in ids)
    single = tracks[tracks[("track", "genre_top")].notna()]
    assert set(single[("track", "genre_top")]) == {r.name for r in GENRE_RECIPES[: TINY.n_genres]}
    assert single[("track", "genre_top")].value_counts().min() >= TINY.tracks_per_genre


def test_track_ids_are_fma_like() -> None:
    ids = [demo_track_id(i) for i in range(200)]
    assert ids[0] == 2
    assert all(b > a + 1 for a, b in zip(ids, ids[1:])), "ids must increase with gaps"
    assert len({f"{i:06d}"[:3] for i in ids}) > 1, "ids should span several XXX/ folders"


def test_audio_zip_layout_matches_tracks(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    tracks = read_tracks(out)
    with zipfile.ZipFile(out / f"{ARCHIVE}.zip") as archive:
        names = archive.namelist()
        infos = archive.infolist()
    mp3s = [n for n in names if n.endswith(".mp3")]
    assert set(names) - set(mp3s) == {f"{ARCHIVE}/README.txt", f"{ARCHIVE}/checksums"}
    for name in mp3s:
        match = AUDIO_PATH.match(name)
        assert match, name
        assert match.group(2)[:3] == match.group(1)
    assert sorted(int(AUDIO_PATH.match(n).group(2)) for n in mp3s) == sorted(tracks.index)
    assert audio_member(ARCHIVE, 2) == f"{ARCHIVE}/000/000002.mp3"
    assert audio_member(ARCHIVE, 12345) == f"{ARCHIVE}/012/012345.mp3"
    assert all(i.compress_type == zipfile.ZIP_STORED for i in infos if i.filename.endswith(".mp3"))
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}


def test_genres_csv(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    genres = read_genres(out)
    assert list(genres.columns) == ["genre_id", "#tracks", "parent", "title", "top_level"]
    roots = genres[genres["parent"] == 0]
    assert (roots["top_level"] == roots["genre_id"]).all()
    assert set(roots["title"]) == {r.name for r in GENRE_RECIPES[: TINY.n_genres]}
    children = genres[genres["parent"] != 0]
    assert set(children["parent"]) <= set(roots["genre_id"])
    assert (children["top_level"] == children["parent"]).all()
    tracks = read_tracks(out)
    for _, genre in roots.iterrows():
        listed = tracks[("track", "genres_all")].map(lambda s: genre["genre_id"] in ast.literal_eval(s))
        assert genre["#tracks"] == listed.sum()


def test_broken_files_are_listed_and_broken(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    broken = broken_track_ids(TINY)
    assert sorted(broken.values()) == sorted(BROKEN_KINDS)
    tracks = read_tracks(out)
    assert set(broken) <= set(tracks.index)
    assert tracks.loc[list(broken), ("track", "genre_top")].notna().all(), "broken tracks carry a genre"
    with zipfile.ZipFile(out / f"{ARCHIVE}.zip") as archive:
        for track_id, kind in broken.items():
            data = archive.read(audio_member(ARCHIVE, track_id))
            if kind == "empty":
                assert data == b""
            elif kind == "truncated":
                assert 0 < len(data) <= 256
            else:
                assert data and data.isascii()
            try:
                audio, _ = sf.read(io.BytesIO(data))
            except sf.LibsndfileError:
                continue
            assert audio.size == 0, f"track {track_id} ({kind}) decoded"


def test_good_files_decode_with_the_right_duration(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    broken = broken_track_ids(TINY)
    tracks = read_tracks(out)
    channels = set()
    with zipfile.ZipFile(out / f"{ARCHIVE}.zip") as archive:
        for track_id in tracks.index.difference(list(broken)):
            audio, sr = sf.read(io.BytesIO(archive.read(audio_member(ARCHIVE, track_id))), always_2d=True)
            assert sr == TINY.sample_rate
            assert abs(audio.shape[0] / sr - TINY.clip_seconds) < 0.05
            assert 0.01 < np.max(np.abs(audio)) <= 1.0
            channels.add(audio.shape[1])
    assert channels <= {1, 2}


def test_multi_genre_tracks_have_empty_genre_top(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    tracks = read_tracks(out)
    root_ids = set(read_genres(out).query("parent == 0")["genre_id"])
    multi = multi_genre_track_ids(TINY)
    assert len(multi) == 2
    assert tracks[("track", "genre_top")].isna().sum() == 2
    for track_id in multi:
        assert pd.isna(tracks.loc[track_id, ("track", "genre_top")])
        genres = ast.literal_eval(tracks.loc[track_id, ("track", "genres")])
        assert len(genres) == 2 and set(genres) <= root_ids


def test_artists_are_shared_within_a_genre(tiny: tuple[Path, dict[str, str]]) -> None:
    out, _ = tiny
    tracks = read_tracks(out)
    single = tracks[tracks[("track", "genre_top")].notna()]
    credits = pd.DataFrame({"artist": single[("artist", "name")], "genre": single[("track", "genre_top")]})
    per_artist = credits.groupby("artist")["genre"].agg(["size", "nunique"])
    assert (per_artist["size"] >= 2).any()
    assert (per_artist["nunique"] == 1).all()


def test_same_spec_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    mini = DemoSpec(n_genres=6, tracks_per_genre=1, clip_seconds=2.0, seed=3)
    checksums = generate_demo_corpus(mini, tmp_path / "first", archive_name=ARCHIVE)
    assert generate_demo_corpus(mini, tmp_path / "again", archive_name=ARCHIVE) == checksums
    other = generate_demo_corpus(replace(mini, seed=4), tmp_path / "other", archive_name=ARCHIVE)
    assert other[METADATA_ZIP] != checksums[METADATA_ZIP]
    assert other[f"{ARCHIVE}.zip"] != checksums[f"{ARCHIVE}.zip"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_genres": MIN_GENRES - 1}, "n_genres must be between"),
        ({"n_genres": len(GENRE_RECIPES) + 1}, "n_genres must be between"),
        ({"tracks_per_genre": 0}, "tracks_per_genre"),
        ({"clip_seconds": 0.0}, "clip_seconds"),
        ({"sample_rate": 12345}, "sample_rate"),
        ({"n_broken": -1}, "n_broken"),
    ],
)
def test_spec_validation(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DemoSpec(**changes)


def test_more_broken_files_cycle_the_kinds() -> None:
    broken = broken_track_ids(DemoSpec(n_broken=5))
    assert list(broken.values()) == ["empty", "truncated", "not_audio", "empty", "truncated"]


# --- difficulty --------------------------------------------------------------------------


def genre_ari(out: Path, archive_name: str = ARCHIVE) -> float:
    """The brief's yardstick: centre 256 log-mel frames, standardised, PCA(32), KMeans, ARI."""
    librosa = pytest.importorskip("librosa")
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    tracks = read_tracks(out)
    labelled = tracks[("track", "genre_top")].dropna()
    features, labels = [], []
    with zipfile.ZipFile(out / f"{archive_name}.zip") as archive:
        for track_id, genre in labelled.items():
            data = archive.read(audio_member(archive_name, track_id))
            try:
                y, sr = librosa.load(io.BytesIO(data), sr=22050, mono=True)
            except Exception:  # the deliberately broken files
                continue
            mel = librosa.feature.melspectrogram(y=y, sr=sr, n_mels=128, n_fft=2048, hop_length=512)
            spec = librosa.power_to_db(mel, ref=np.max)
            centre = spec.shape[1] // 2
            spec = spec[:, centre - 128 : centre + 128]
            features.append(((spec - spec.mean()) / spec.std()).ravel())
            labels.append(genre)
    x = StandardScaler().fit_transform(np.array(features))
    z = PCA(min(32, len(x) - 1), random_state=0).fit_transform(x)
    predicted = KMeans(len(set(labels)), n_init=10, random_state=0).fit_predict(z)
    return float(adjusted_rand_score(labels, predicted))


def test_clustering_is_neither_trivial_nor_hopeless(tmp_path: Path) -> None:
    """A cheap version of the difficulty target: genres cluster, but not perfectly."""
    spec = DemoSpec(n_genres=6, tracks_per_genre=6, clip_seconds=8.0, n_broken=0, seed=0)
    generate_demo_corpus(spec, tmp_path, archive_name=ARCHIVE)
    assert 0.3 <= genre_ari(tmp_path) <= 0.95


@pytest.mark.skipif(not os.environ.get("MUSICLUST_DEMO_FULL_ARI"), reason="set MUSICLUST_DEMO_FULL_ARI=1 to run (about 3 min)")
@pytest.mark.parametrize("seed", [0, 1])
def test_default_corpus_difficulty(tmp_path: Path, seed: int) -> None:
    generate_demo_corpus(DemoSpec(seed=seed), tmp_path, archive_name=ARCHIVE)
    assert 0.3 <= genre_ari(tmp_path) <= 0.9
