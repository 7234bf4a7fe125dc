"""Precomputed feature tables as a dataset: read, validated, and named errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from musiclust.data.feature_table import FeatureTableError, feature_table_shard, read_feature_table
from musiclust.parquet_tables import column_array, table_metadata, track_ids


def write(tmp_path, frame, name="features.csv"):
    path = tmp_path / name
    frame.to_parquet(path) if name.endswith(".parquet") else frame.to_csv(path, index=False)
    return path


def good_frame():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.standard_normal((6, 3)), columns=["mfcc_1", "mfcc_2", "tempo"])
    frame.insert(0, "track_id", [5, 3, 9, 1, 2, 7])
    frame["genre"] = [10, 10, 21, 21, 10, None]  # FMA-style numeric genre codes, one unknown
    frame["title"] = [f"t{i}" for i in range(6)]
    return frame


@pytest.mark.parametrize("name", ["features.csv", "features.parquet"])
def test_a_table_gives_tracks_and_features(tmp_path, name):
    tracks, features = read_feature_table(write(tmp_path, good_frame(), name))
    assert list(features.columns) == ["mfcc_1", "mfcc_2", "tempo"] and features.dtypes.eq(np.float32).all()
    assert tracks.loc[9, "genre"] == "21" and tracks.loc[7, "genre"] is None  # codes are labels, as strings
    assert tracks.loc[5, "title"] == "t0" and tracks.loc[5, "artist"] is None
    shard = feature_table_shard(tmp_path / name, np.array([1, 9]))
    assert track_ids(shard).tolist() == [1, 9]
    assert np.allclose(column_array(shard, "table"), features.loc[[1, 9]].to_numpy())
    assert table_metadata(shard, "columns") == ["mfcc_1", "mfcc_2", "tempo"]


@pytest.mark.parametrize("edit, message", [
    (lambda f: f.drop(columns="track_id"), "no track_id column"),
    (lambda f: f.assign(track_id=[5, 3, 9, 3, 2, 5]), "duplicate track_id 3, 5"),
    (lambda f: f.assign(track_id=["a", 3, 9, 1, 2, 7]), "track_id must be integers; found a"),
    (lambda f: f.assign(mood=["x"] * 6), "non-numeric feature column\\(s\\) mood"),
    (lambda f: f.assign(tempo=[1.0, np.nan, 2.0, 3.0, np.inf, 1.0]),
     "2 NaN or infinite value\\(s\\) in column\\(s\\) tempo \\(track_id 3, 2\\)"),
])
def test_bad_tables_are_named(tmp_path, edit, message):
    with pytest.raises(FeatureTableError, match=message):
        read_feature_table(write(tmp_path, edit(good_frame()), "bad.csv"))


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(FeatureTableError, match="does not exist"):
        read_feature_table(tmp_path / "nope.csv")
    (tmp_path / "x.xlsx").write_text("")
    with pytest.raises(FeatureTableError, match="unknown format '.xlsx'"):
        read_feature_table(tmp_path / "x.xlsx")


def test_a_table_is_read_in_batches_and_keeps_only_the_rows_asked_for(tmp_path, monkeypatch):
    """Two rows at a time, never the whole file at once; problems spanning batches still named."""
    import pyarrow.parquet as pq

    path = write(tmp_path, good_frame(), "features.parquet")
    whole_tracks, whole_features = read_feature_table(path)

    def forbidden(*args, **kwargs):
        raise AssertionError("the whole table was read at once")

    monkeypatch.setattr(pd, "read_parquet", forbidden)
    monkeypatch.setattr(pq, "read_table", forbidden)
    tracks, features = read_feature_table(path, [9, 5], batch_rows=2)
    assert tracks.equals(whole_tracks)  # every row's labels
    assert features.index.tolist() == [5, 9] and np.array_equal(features, whole_features.loc[[5, 9]])
    assert read_feature_table(path, with_features=False, batch_rows=2)[1] is None
    shard = feature_table_shard(path, np.array([7, 1]))
    assert track_ids(shard).tolist() == [7, 1]
    with pytest.raises(FeatureTableError, match="duplicate track_id 5"):  # rows 0 and 5: batches 1 and 3
        read_feature_table(write(tmp_path, good_frame().assign(track_id=[5, 3, 9, 1, 2, 5]), "d.parquet"), batch_rows=2)
    nan = good_frame().assign(tempo=[np.nan, 1.0, 1.0, 1.0, 1.0, np.inf])
    with pytest.raises(FeatureTableError, match=r"2 NaN or infinite value\(s\) in column\(s\) tempo \(track_id 5, 7\)"):
        read_feature_table(write(tmp_path, nan, "n.parquet"), batch_rows=2)
