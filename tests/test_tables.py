
import numpy as np
import pandas as pd
import pytest

from musiclust.cluster.evaluation import Evaluation, write_evaluation
from musiclust.report.metrics_tables import gather_failures, gather_metrics, metrics_report, summary_table
from musiclust.parquet_tables import build_table, column_array, read_array_shards, read_table, write_table


def test_arrays_keep_their_shape(tmp_path):
    values = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    path = tmp_path / "t.parquet"
    write_table(build_table([7, 9], arrays={"mel": values}, columns={"genre": ["a", None]}), path)
    table = read_table(path)
    assert table.column("track_id").type == "int64"
    assert np.array_equal(column_array(table, "mel"), values)
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, nothing left behind
    write_table(build_table([1], arrays={"mel": values[:1]}), tmp_path / "u.parquet")
    ids, stacked = read_array_shards([path, tmp_path / "u.parquet"], "mel")
    assert ids.tolist() == [7, 9, 1] and stacked.shape == (3, 3, 4)


def test_row_count_mismatch_is_refused():
    with pytest.raises(ValueError, match="rows"):
        build_table([1, 2], arrays={"x": np.zeros((3, 2))})


def test_metrics_are_gathered_and_summarised(tmp_path):
    paths = []
    for seed, ari in enumerate([0.5, 0.7]):
        path = tmp_path / f"{seed}.parquet"
        rows = pd.DataFrame([{"algorithm": "kmeans", "ari": ari, "silhouette": 0.1, "n_tracks": 10, "n_clusters": 3,
                              "noise_share": 0.0, "nmi": None}])
        write_evaluation(path, np.arange(10), Evaluation({"kmeans": np.zeros(10, dtype=np.int32)}, rows),
                         {"representation": "pca_mel", "seed": seed, "family": "pca"})
        paths.append(path)
    metrics = gather_metrics(paths)
    assert metrics[["representation", "algorithm", "seed"]].values.tolist() == [["pca_mel", "kmeans", 0], ["pca_mel", "kmeans", 1]]
    assert (metrics["family"] == "pca").all() and not metrics["collapsed"].any()
    summary = summary_table(metrics)
    assert summary.loc[0, "ARI ↑"] == "0.600 ± 0.141"
    assert summary.loc[0, "seeds"] == 2
    assert summary.loc[0, "NMI ↑"] == "–"  # missing metric, not a made-up number

    failure_shard = tmp_path / "f.parquet"
    write_table(build_table([5], columns={"stage": ["decode"], "reason": ["undecodable"], "detail": ["x"]}), failure_shard)
    excluded = tmp_path / "excluded.csv"
    pd.DataFrame({"track_id": [3], "reason": ["known broken clip"]}).to_csv(excluded, index=False)
    failures = gather_failures([failure_shard], excluded)
    assert failures["track_id"].tolist() == [3, 5]
    page = metrics_report(metrics, failures, "demo")
    assert "| pca_mel" in page and "decode: undecodable (1)" in page and "selection: known broken clip (1)" in page
