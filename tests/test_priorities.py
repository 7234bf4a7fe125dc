"""Cheap results first (rules/priorities.smk): in a real run of the tiny demo on 2 cores, every
baseline's evaluation and report/baselines.md are written before the last training job ends
(without the priorities the scheduler ran the training jobs first, the baselines last)."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path



def job_times(workdir: Path) -> dict[str, tuple[str, float, float]]:
    """Output path → (rule, start, end), from Snakemake's record of each output."""
    times = {}
    for record in (workdir / ".snakemake" / "metadata").iterdir():
        if not record.is_file():  # (a long path's record is split into folders: none of ours)
            continue
        path = base64.urlsafe_b64decode(record.name).decode(errors="replace")
        meta = json.loads(record.read_text())
        if meta.get("starttime") is not None and meta.get("endtime") is not None:
            times[path] = (meta["rule"], meta["starttime"], meta["endtime"])
    return times


def baselines_before_training_ends(workdir: Path) -> tuple[float, float, float]:
    """(last baseline evaluation's end, baselines.md's end, last training job's end)."""
    times = job_times(workdir)
    baselines = {re.search(r"models/([^/]+)/seed", path).group(1) for path, (rule, _, _) in times.items()
                 if rule == "baseline_representation"}
    evaluations = [end for path, (rule, _, end) in times.items()
                   if rule == "evaluate" and re.search(r"evaluation/([^/]+)/seed", path).group(1) in baselines]
    training = [end for rule, _, end in times.values() if rule == "train_model"]
    table = [end for path, (_, _, end) in times.items() if path.endswith("report/baselines.md")]
    assert baselines and evaluations and training and table, "the run has baselines, training and baselines.md"
    return max(evaluations), table[0], max(training)


def test_baselines_are_done_before_the_training(demo_run):
    workdir, _ = demo_run
    last_evaluation, table, last_training = baselines_before_training_ends(workdir)
    assert last_evaluation < last_training, "a baseline was evaluated only after the last training job"
    assert table < last_training, "baselines.md was written only after the last training job"
    text = (workdir / "results" / "demo" / "report" / "baselines.md").read_text()
    assert "pca_mfcc" in text and "vae_mfcc " not in text

