"""Memory that does not grow with the dataset (issue 9): budgets, streamed PCA, memory-mapped
training, agglomerative clustering above a size, sampled silhouettes, declared mem_mb; and
FMA's features.csv as the feature kind fma_features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from musiclust.cluster import algorithms
from musiclust.cluster.algorithms import cluster_vectors, evaluation_mem_mb
from musiclust.cluster.metrics import clustering_metrics
from musiclust.data.fma_features import (
    FEATURE_GROUPS,
    FmaFeaturesError,
    feature_columns,
    features_csv_text,
    fma_features_shard,
    read_fma_features,
)
from musiclust.models import TrainConfig, train
from musiclust.representations import inputs, streaming
from musiclust.representations.baseline import fit_baseline
from musiclust.representations.estimators import PCARepresentation
from musiclust.representations.inputs import read_features
from musiclust.representations.streaming import MemoryBudget, declared_mem_mb, feature_shards, load_features
from musiclust.parquet_tables import build_table, write_table
from tests.conftest import ROOT, planned_jobs, tiny_config

SHARD_ROWS = 50


def _low_rank(n: int = 400, dim: int = 30, rank: int = 4, seed: int = 0) -> np.ndarray:
    """Data with ``rank`` strong directions (well separated variances) and a little noise."""
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.standard_normal((dim, rank)))[0].T
    scales = np.array([8.0, 5.0, 3.0, 2.0])[:rank, None]
    return (rng.standard_normal((n, rank)) @ (scales * basis) + 0.05 * rng.standard_normal((n, dim))).astype(np.float32)


def _shards(tmp_path, values: np.ndarray, kind: str = "mfcc_stats") -> list[str]:
    paths = []
    for n, start in enumerate(range(0, len(values), SHARD_ROWS)):
        path = tmp_path / f"shard-{n}.parquet"
        part = values[start:start + SHARD_ROWS]
        write_table(build_table(np.arange(start, start + len(part)) + 1000, arrays={kind: part}), path)
        paths.append(str(path))
    return paths


@pytest.fixture
def whole_reads_forbidden(monkeypatch):
    """Fails any read of every shard at once; records the rows of each streamed batch."""
    batches: list[int] = []
    original = streaming.iter_array_shards

    def spy(*args, **kwargs):
        for ids, values in original(*args, **kwargs):
            batches.append(len(values))
            yield ids, values

    def forbidden(*args, **kwargs):
        raise AssertionError("all shards were read into memory at once")

    monkeypatch.setattr(streaming, "iter_array_shards", spy)
    monkeypatch.setattr(inputs, "read_array_shards", forbidden)
    return batches


# --------------------------------------------------------------------------- PCA


def test_pca_under_the_budget_is_the_exact_fit(tmp_path):
    values = _low_rank()
    paths = _shards(tmp_path, values)
    spec = {"family": "pca", "features": "mfcc_stats", "n_components": 4}
    ids, vectors, model = fit_baseline(spec, paths, seed=0, budget=MemoryBudget(100))
    expected = fit_baseline(spec, paths, seed=0)[1]  # no budget at all
    assert np.array_equal(vectors, expected) and model.info()["incremental_batch_rows"] is None
    assert np.array_equal(ids, np.arange(len(values)) + 1000)


def test_incremental_pca_over_the_budget_spans_the_same_subspace(tmp_path, whole_reads_forbidden):
    values = _low_rank()
    paths = _shards(tmp_path, values)
    spec = {"family": "pca", "features": "mfcc_stats", "n_components": 4}
    budget = MemoryBudget(0.05)  # 52 kB: the 48 kB of features, thrice, do not fit
    ids, vectors, model = fit_baseline(spec, paths, seed=0, budget=budget)
    assert max(whole_reads_forbidden) <= SHARD_ROWS
    assert model.info()["incremental_batch_rows"] is not None
    assert vectors.shape == (len(values), 4) and np.array_equal(ids, np.arange(len(values)) + 1000)

    exact = PCARepresentation(4, seed=0).fit(values)
    # Principal angles between the two 4-d subspaces: cosines all ~1.
    cosines = np.linalg.svd(exact.pca_.components_ @ model.pca_.components_.T, compute_uv=False)
    assert cosines.min() > 0.999
    assert np.allclose(model.pca_.explained_variance_ratio_, exact.pca_.explained_variance_ratio_, rtol=1e-2)


def test_rebatched_never_leaves_a_short_batch():
    parts = [np.arange(7), np.arange(3), np.arange(11)]
    batches = list(streaming.rebatched(parts, 5))
    assert [len(b) for b in batches] == [5, 5, 5, 6]
    assert np.array_equal(np.concatenate(batches), np.concatenate(parts))


# --------------------------------------------------------------------------- training


def test_training_over_the_budget_memory_maps_and_learns_the_same(tmp_path, whole_reads_forbidden):
    values = _low_rank(n=120)
    paths = _shards(tmp_path, values)
    spill = tmp_path / "features.npy"
    ids, mapped = load_features(paths, "mfcc_stats", MemoryBudget(0.01), spill)
    assert isinstance(mapped, np.memmap) and spill.exists()
    assert max(whole_reads_forbidden) <= SHARD_ROWS  # written shard by shard
    assert np.array_equal(np.asarray(mapped), values) and np.array_equal(ids, np.arange(120) + 1000)

    config = TrainConfig(epochs=2, batch_size=16, seed=0, device="cpu", threads=1, holdout_fraction=0.25)
    arch = {"hidden": [16], "latent_dim": 3}
    from_disk = train("vae", arch, mapped, None, config, tmp_path / "a.pt", progress=False)
    in_memory = train("vae", arch, values.copy(), None, config, tmp_path / "b.pt", progress=False)
    assert np.array_equal(from_disk.mu, in_memory.mu)
    assert np.array_equal(from_disk.history["heldout_neg_elbo"], in_memory.history["heldout_neg_elbo"])


def test_training_under_the_budget_reads_into_memory(tmp_path):
    paths = _shards(tmp_path, _low_rank(n=60))
    ids, values = load_features(paths, "mfcc_stats", MemoryBudget(100), tmp_path / "features.npy")
    assert not isinstance(values, np.memmap) and not (tmp_path / "features.npy").exists()


# --------------------------------------------------------------------------- declared memory


def test_declared_mem_mb_follows_the_data_up_to_the_budget(tmp_path):
    small = _shards(tmp_path / "a", np.zeros((100, 1000), np.float32))
    large = _shards(tmp_path / "b", np.zeros((400, 1000), np.float32))
    sizes = [declared_mem_mb(p, "mfcc_stats", None, copies=500) for p in (small, large)]
    assert sizes[0] < sizes[1] and sizes[1] - streaming.BASE_MB == pytest.approx(4 * (sizes[0] - streaming.BASE_MB), abs=2)
    assert declared_mem_mb(large, "mfcc_stats", 100, copies=500) == streaming.BASE_MB + 100
    with pytest.raises(FileNotFoundError) as error:
        declared_mem_mb([str(tmp_path / "missing.parquet")], "mfcc_stats", 100)
    assert error.value.filename == str(tmp_path / "missing.parquet")  # Snakemake waits for it


def test_evaluation_memory_holds_pairwise_distances_only_under_max_tracks():
    settings = {"agglomerative": {"max_tracks": 20000}}
    assert evaluation_mem_mb(20000, 32, settings) > 2000  # n²/2 doubles: 1.5 GiB
    assert evaluation_mem_mb(106574, 32, settings) < 1500  # the neighbour graph instead
    assert evaluation_mem_mb(106574, 32, {"kmeans": None}) < 1500


# --------------------------------------------------------------------------- clustering


def _blobs(n_per: int = 30) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    centres = np.array([[0, 0], [20, 0], [0, 20]], dtype=float)
    truth = np.repeat(np.arange(3), n_per)
    return centres[truth] + rng.standard_normal((len(truth), 2)), truth


def test_agglomerative_above_max_tracks_stops_before_allocating(monkeypatch):
    class Refused:
        def __init__(self, *args, **kwargs):
            raise AssertionError("agglomerative clustering was started")

    monkeypatch.setattr(algorithms, "AgglomerativeClustering", Refused)
    vectors, _ = _blobs()
    with pytest.raises(ValueError, match=r"90 tracks are more than max_tracks=50.*clustering\.algorithms\.agglomerative\.large"):
        cluster_vectors(vectors, "agglomerative", {"k": 3, "max_tracks": 50, "large": "stop"})


def test_agglomerative_above_max_tracks_merges_neighbours_only(monkeypatch):
    seen = {}
    original = algorithms.AgglomerativeClustering

    def spy(**kwargs):
        seen.update(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(algorithms, "AgglomerativeClustering", spy)
    vectors, truth = _blobs()
    labels = cluster_vectors(vectors, "agglomerative", {"k": 3, "max_tracks": 50, "n_neighbors": 8}).labels
    connectivity = seen["connectivity"]
    assert connectivity.shape == (90, 90) and connectivity.nnz == 90 * 8  # sparse: n × n_neighbors
    assert len({(a, b) for a, b in zip(labels, truth)}) == 3  # the blobs, found
    cluster_vectors(vectors, "agglomerative", {"k": 3})
    assert seen["connectivity"] is None  # under max_tracks: the exact, all-pairs Ward


def test_silhouette_above_the_sample_size_is_seeded_and_recorded(monkeypatch):
    vectors, truth = _blobs()
    assert clustering_metrics(vectors, truth, None)["silhouette_sample"] is None
    monkeypatch.setattr(algorithms, "SILHOUETTE_SAMPLE", 40)
    first, second = (clustering_metrics(vectors, truth, None, seed=3) for _ in range(2))
    assert first["silhouette_sample"] == 40 and first["silhouette"] == second["silhouette"]
    assert clustering_metrics(vectors, truth, None, seed=4)["silhouette"] != first["silhouette"]


# --------------------------------------------------------------------------- FMA's features.csv

# FMA's layout, written out by hand (three header rows, the track_id row, then the values).
FEATURES_CSV = """feature,mfcc,mfcc,zcr
statistics,mean,std,mean
number,01,01,01
track_id,,,
2,1.5,2.0,0.25
5,-4.0,5.0,0.5
7,0.0,1.0e-1,0.75
"""


def test_features_csv_three_row_header_is_parsed(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text(FEATURES_CSV)
    frame = read_fma_features(path)
    assert list(frame.columns) == ["mfcc/mean/01", "mfcc/std/01", "zcr/mean/01"]
    assert frame.index.tolist() == [2, 5, 7] and frame.loc[5, "mfcc/mean/01"] == -4.0
    assert list(read_fma_features(path, ["zcr"]).columns) == ["zcr/mean/01"]
    shard = fma_features_shard(path, np.array([7, 2]), ["mfcc"])
    write_table(shard, tmp_path / "shard-0.parquet")
    ids, values = read_features([tmp_path / "shard-0.parquet"], "fma_features")
    assert ids.tolist() == [7, 2] and np.allclose(values, [[0.0, 0.1], [1.5, 2.0]])


def test_features_csv_problems_are_named(tmp_path):
    path = tmp_path / "features.csv"
    path.write_text(FEATURES_CSV)
    with pytest.raises(FmaFeaturesError, match=r"no features for 1 selected track\(s\), track_id \[9\]"):
        fma_features_shard(path, np.array([2, 9]))
    with pytest.raises(FmaFeaturesError, match=r"group\(s\) \['tonnetz'\] not in the file \(it has: mfcc, zcr\)"):
        read_fma_features(path, ["tonnetz"])
    path.write_text(FEATURES_CSV.replace("statistics,", "stats,", 1))
    with pytest.raises(FmaFeaturesError, match="expected a header row starting with 'statistics'"):
        read_fma_features(path)
    path.write_text(FEATURES_CSV.replace("5,-4.0", "5,"))
    with pytest.raises(FmaFeaturesError, match=r"1 missing or infinite value\(s\), track_id \[5\]"):
        read_fma_features(path)


def test_fma_layout_writer_round_trips_all_518_columns(tmp_path):
    columns = feature_columns()
    assert len(columns) == 518 == sum(FEATURE_GROUPS.values())
    values = np.random.default_rng(0).standard_normal((2, len(columns))).astype(np.float32)
    path = tmp_path / "features.csv"
    path.write_text(features_csv_text(pd.DataFrame(values, index=[3, 11], columns=columns)))
    frame = read_fma_features(path)
    assert list(frame.columns) == columns and frame.index.tolist() == [3, 11]
    assert np.allclose(frame.to_numpy(), values, rtol=1e-6)


def test_schema_lists_fma_feature_groups():
    from musiclust.data import fma_features
    from musiclust.representations.registry import FMA_FEATURES

    schema = yaml.safe_load((ROOT / "schemas/config.schema.yaml").read_text())
    groups = schema["properties"]["features"]["properties"]["fma_features"]["properties"]["groups"]["oneOf"][1]
    assert groups["items"]["enum"] == list(FEATURE_GROUPS)
    assert FMA_FEATURES == fma_features.FMA_FEATURES


def test_fma_features_plan_no_audio_job(tmp_path):
    config = tiny_config()
    config["representations"]["pca_fma"] = {"family": "pca", "features": "fma_features", "n_components": 8}
    config["features"]["fma_features"] = {"groups": ["mfcc", "zcr"]}
    config["only"] = {"representations": ["pca_fma"], "algorithms": ["kmeans"]}
    jobs = planned_jobs(tmp_path, config, "results/demo/report/metrics.csv")
    assert jobs["fma_features"] == 1 and jobs["baseline_representation"] == 1
    assert not {"decode_audio", "compute_features"} & set(jobs)
    assert jobs["extract_archive"] == jobs["download_archive"] == 1  # fma_metadata only, no audio archive
