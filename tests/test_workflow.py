"""Workflow tests: run ``snakemake`` for real on a tiny demo, then check what edits rerun.

One real run (session-scoped) goes from demo generation through download, extraction,
selection, decoding, features, representations and clustering to the report tables. The
incremental-rerun tests then ask Snakemake for a dry run after a config edit and compare the
jobs it plans with the jobs the edit should touch.
"""

from __future__ import annotations

import copy
import re
import subprocess
from collections import Counter

import pandas as pd
import pytest
import yaml

from musiclust.data.demo import DemoSpec, broken_track_ids
from musiclust.representations.latents import read_latents
from musiclust.representations.registry import MIXTURE_FAMILIES, expand_representations, feature_source, is_learned
from tests.conftest import ROOT, SNAKEMAKE, planned_jobs, snakemake, tiny_config  # noqa: F401 - shared helpers

pytestmark = pytest.mark.workflow
# The features each representation of the test config reads.
# Each representation's own features (hybrids have none: they read other representations).
REPRESENTATIONS_OF = {name: spec["features"] for name, spec in expand_representations(tiny_config()["representations"]).items()
                      if "features" in spec}


def test_full_run_reaches_the_metrics_table(demo_run):
    workdir, config = demo_run
    report = workdir / "results" / "demo" / "report"
    metrics = pd.read_csv(report / "metrics.csv")
    representations = expand_representations(config["representations"])
    expected = {(r, a) for r in representations for a in config["clustering"]["algorithms"]}
    # A mixture-prior model's own clusters are one more algorithm of its rows.
    expected |= {(r, "vade") for r, spec in representations.items() if spec["family"] in MIXTURE_FAMILIES}
    assert set(zip(metrics["representation"], metrics["algorithm"])) == expected
    kmeans = metrics[metrics["algorithm"] == "kmeans"]
    assert (kmeans["n_clusters"] == 6).all()
    assert kmeans["ari"].notna().all() and kmeans["silhouette"].notna().all()
    assert "| pca_mel" in (report / "metrics.md").read_text()


def test_broken_files_are_recorded_and_left_out(demo_run):
    workdir, _ = demo_run
    failures = pd.read_csv(workdir / "results" / "demo" / "report" / "failures.csv")
    assert len(failures) == 3
    assert set(failures["stage"]) == {"decode"}
    # The demo's broken files, each failure named for what is wrong with it (issue 10).
    demo = tiny_config()["datasets"]["demo"]["demo"]
    broken = broken_track_ids(DemoSpec(**demo))
    reasons = {"empty": "empty file", "truncated": "truncated", "not_audio": "not audio"}
    assert dict(zip(failures["track_id"], failures["reason"])) == {i: reasons[kind] for i, kind in broken.items()}
    assert not failures["detail"].str.contains("not a regular file").any()
    # Nothing of theirs downstream: no decoded audio, no feature row.
    for shard in (workdir / "results" / "demo" / "features").glob("*/shard-*.parquet"):
        if shard.parent.name != "failures":
            assert not set(pd.read_parquet(shard, columns=["track_id"])["track_id"]) & set(broken), shard
    metrics = pd.read_csv(workdir / "results" / "demo" / "report" / "metrics.csv")
    audio = metrics["representation"].map(lambda r: r in REPRESENTATIONS_OF and feature_source(REPRESENTATIONS_OF[r]) == "audio")
    # 6 genres × 4 tracks are usable; the 3 broken files never reach an audio representation.
    assert audio.any() and (metrics.loc[audio, "n_tracks"] == 24).all()
    # Text needs no audio: a broken file's title and artist still have their embedding.
    metadata = metrics["representation"] == "text_metadata"
    assert (metrics.loc[metadata, "n_tracks"] == 27).all()


def test_a_finished_run_has_nothing_to_do(demo_run):
    workdir, config = demo_run
    assert planned_jobs(workdir, config) == Counter()


def test_dbscan_eps_reruns_only_dbscan_and_tables(demo_run):
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    edited["clustering"]["algorithms"]["dbscan"]["eps"] = 2.5
    n_reps = len(expand_representations(config["representations"]))
    # ... and the report's clustering figures, tables (the baselines' too) and page; not its training curves.
    report = {"summary_tables": 1, "report_projections": 1, "report_metric_figures": 1, "report_page": 1,
              "report_clusters": 1, "baseline_table": 1}
    assert planned_jobs(workdir, edited) == Counter({"evaluate": n_reps, "metrics_table": 1, "all": 1, **report})


def test_a_selection_edit_plans_from_selection_on(demo_run):
    """Until selection has rerun, its output stands in for the shards: planning must not read it
    as features (declared memory is asked again once the shards are known)."""
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    edited["datasets"]["demo"]["selection"]["seed"] = config["datasets"]["demo"]["selection"]["seed"] + 1
    jobs = planned_jobs(workdir, edited)
    assert jobs["select_tracks"] == 1 and "generate_demo_archives" not in jobs


def test_mel_settings_rerun_mel_and_downstream_only(demo_run):
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    edited["features"]["mel"]["n_mels"] = 64
    jobs = planned_jobs(workdir, edited)
    registry = expand_representations(config["representations"])
    mel_reps = {r: spec for r, spec in registry.items() if spec.get("features") == "mel"}
    learned = sum(is_learned(spec) for spec in mel_reps.values())
    # ... and the hybrids with a mel part (their text part is not retrained).
    hybrids = [r for r, spec in registry.items() if set(spec.get("parts", [])) & set(mel_reps)]
    assert jobs == Counter({
        "compute_features": 2,  # the two mel shards, not the MFCC shards
        "baseline_representation": len(mel_reps) - learned,
        "train_model": learned,
        "hybrid_representation": len(hybrids),
        "disentanglement_table": 1,
        "evaluate": len(mel_reps) + len(hybrids),
        "metrics_table": 1,
        "baseline_table": 1,  # pca_mel's numbers
        "summary_tables": 1, "report_projections": 1, "report_model_figures": 1, "report_metric_figures": 1,
        "report_page": 1, "report_clusters": 1,
        "all": 1,
    })
    for rule in ("download_archive", "extract_archive", "decode_audio", "select_tracks"):
        assert rule not in jobs


def test_invalid_config_stops_before_any_job(tmp_path):
    config = tiny_config()
    config["features"]["mel"]["n_mels"] = -3
    result = snakemake(tmp_path, config, "--dry-run")
    assert result.returncode != 0
    assert "features.mel.n_mels: -3 is less than the minimum of 1" in result.stdout + result.stderr
    config = tiny_config()
    config["dataset"] = "nonexistent"
    result = snakemake(tmp_path, config, "--dry-run")
    assert "dataset: 'nonexistent' is not defined under datasets" in result.stdout + result.stderr


def test_lint_is_clean():
    result = subprocess.run([str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--lint"], capture_output=True,
                            text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_killed_training_resumes_from_its_checkpoint(demo_run, tmp_path):
    """Kill snakemake mid-training, rerun: the job continues from its last saved epoch."""
    import os
    import shutil
    import signal
    import time

    source, config = demo_run
    workdir = tmp_path / "resume"
    shutil.copytree(source, workdir, symlinks=True)
    config = copy.deepcopy(config)
    # Two threads on one core (--cores 1): trained on the configured two all the same.
    config["representations"]["conv_vae_mfcc2d"]["training"].update(epochs=40, batch_size=4, threads=2)
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    model_dir = workdir / "results" / "demo" / "models" / "conv_vae_mfcc2d" / "seed-0"
    target = str(model_dir.relative_to(workdir) / "latents.parquet")
    command = [str(SNAKEMAKE), "-s", str(ROOT / "Snakefile"), "--directory", str(workdir),
               "--configfile", str(workdir / "config.yaml"), "--cores", "1", target]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    log = workdir / "results" / "demo" / "logs" / "models" / "conv_vae_mfcc2d" / "seed-0.log"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        # The summary line of an epoch follows its checkpoint (the progress bar's does not).
        if log.exists() and "epoch 3/40 loss" in log.read_text():
            break
        assert process.poll() is None, "training finished or failed before it could be killed"
        time.sleep(0.2)
    else:
        pytest.fail("training never finished epoch 3")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert (model_dir / "training-state.pt").exists()
    assert not (model_dir / "checkpoint.pt").exists()

    # What a user does after a crash: release the lock, rerun the incomplete job.
    subprocess.run([*command, "--unlock"], capture_output=True, check=True, timeout=120)
    result = subprocess.run([*command, "--rerun-incomplete"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    text = log.read_text()
    resumed = re.findall(r"'resumed_from_epoch': (\d+)", text)
    assert resumed and int(resumed[-1]) >= 3
    history = pd.read_parquet(model_dir / "history.parquet")
    assert history["epoch"].tolist() == list(range(1, 41))
    assert "granted 1 core(s): training on 2 threads anyway" in text
    assert read_latents(model_dir / "latents.parquet")[2]["training"]["threads"] == 2
    assert (model_dir / "checkpoint.pt").exists() and not (model_dir / "training-state.pt").exists()
