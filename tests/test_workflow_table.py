"""A feature table as a dataset, through snakemake: no audio stage, only table representations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from tests.conftest import planned_jobs, snakemake, tiny_config

pytestmark = pytest.mark.workflow


def table_config(path) -> dict:
    config = tiny_config()
    config["datasets"]["tbl"] = {"kind": "table", "path": str(path),
                                 "selection": {"genres": None, "tracks_per_genre": None, "seed": 0}}
    config["dataset"] = "tbl"
    config["representations"]["pca_table"] = {"family": "pca", "features": "table", "n_components": 4}
    config["representations"]["vae_table"] = {"family": "vae", "features": "table",
                                              "arch": {"latent_dim": 4, "hidden": [16]},
                                              "training": {"epochs": 3, "batch_size": 16}}
    return config


def test_a_feature_table_is_clustered_without_any_audio_job(tmp_path):
    vectors, genre_codes = make_blobs(n_samples=45, n_features=12, centers=3, random_state=0)
    frame = pd.DataFrame(vectors, columns=[f"f{i}" for i in range(12)])
    frame.insert(0, "track_id", np.arange(1000, 1045))
    frame["genre"] = genre_codes  # numeric codes are labels
    frame.to_csv(tmp_path / "features.csv", index=False)
    config = table_config(tmp_path / "features.csv")

    jobs = planned_jobs(tmp_path, config)
    for audio_rule in ("decode_audio", "compute_features", "download_archive", "generate_demo_archives"):
        assert audio_rule not in jobs
    assert jobs["train_model"] == 1 and jobs["baseline_representation"] == 1 and jobs["evaluate"] == 2

    result = snakemake(tmp_path, config)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metrics = pd.read_csv(tmp_path / "results/tbl/report/metrics.csv")
    assert set(metrics["representation"]) == {"pca_table", "vae_table"}
    kmeans = metrics[(metrics["algorithm"] == "kmeans") & (metrics["representation"] == "pca_table")]
    assert (kmeans["n_clusters"] == 3).all() and (kmeans["ari"] > 0.9).all()
    assert (metrics["n_tracks"] == 45).all()
