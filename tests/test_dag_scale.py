"""Planning at scale: a large selection gets larger shards, so the plan's jobs stay bounded."""

from __future__ import annotations

import math
import subprocess
import sys

import pyarrow.parquet as pq

from benchmarks.dag import bench_config, fma_folder
from musiclust.data.selection import shard_layout
from musiclust.representations.registry import AUDIO_FEATURES
from tests.conftest import ROOT, SNAKEMAKE, planned_jobs, snakemake


def test_shard_layout_grows_shards_past_the_cap():
    assert shard_layout(100, 64, 256) == (64, 2)
    assert shard_layout(64 * 256, 64, 256) == (64, 256)
    assert shard_layout(64 * 256 + 1, 64, 256) == (65, 253)  # never more than the cap
    assert shard_layout(106_574, 64, 256) == (417, 256)
    assert shard_layout(106_574, 64, None) == (64, 1666)
    assert shard_layout(0, 64, 256) == (64, 1)


def test_plan_of_an_fma_selection_has_a_job_per_capped_shard(tmp_path):
    n_tracks, shard_size, max_shards = 3_000, 64, 16
    folder = fma_folder(tmp_path / "fma", n_tracks, "large")
    config = bench_config("fma_bench", "large", folder, {"features.shard_size": shard_size, "features.max_shards": max_shards})
    result = snakemake(tmp_path, config, "results/fma_bench/tracks.parquet")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metadata = pq.read_schema(tmp_path / "results/fma_bench/tracks.parquet").metadata
    assert int(metadata[b"n_shards"]) == max_shards < math.ceil(n_tracks / shard_size)
    assert int(metadata[b"shard_size"]) == math.ceil(n_tracks / max_shards)

    jobs = planned_jobs(tmp_path, config)
    audio_features = {spec.get("features") for spec in config["representations"].values()} & set(AUDIO_FEATURES)
    assert jobs["decode_audio"] == max_shards
    assert jobs["compute_features"] == max_shards * len(audio_features)
    assert jobs["select_tracks"] == 0  # the checkpoint ran; nothing upstream of it reruns
    assert jobs["download_archive"] == jobs["extract_archive"] == 0  # FMA's layout on disk


def test_the_workflow_starts_without_the_heavy_libraries():
    """Every snakemake start (a no-op rerun: 1.5 CPU-s) parses the rules; scikit-learn, torch and
    sentence-transformers, a second or more each, load only in the jobs that use them."""
    result = subprocess.run([sys.executable, "-X", "importtime", str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"),
                             "--list-rules"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "musiclust.representations.registry" in imported  # the rules were read
    assert not {"sklearn", "torch", "sentence_transformers"} & imported
