"""Text and fusion representations through Snakemake, on the shared tiny demo run (conftest's
``demo_run``): the hybrids and the multimodal VAEs go through the same clustering and metrics as
every other representation, record which tracks had text, and an edit reruns only its own jobs."""

from __future__ import annotations

import copy
import json
from collections import Counter

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from musiclust.representations.latents import read_latents
from musiclust.representations.registry import HYBRID_FAMILIES, MULTIMODAL_FAMILIES, expand_representations
from musiclust.text.store import read_text_features
from tests.conftest import planned_jobs

pytestmark = pytest.mark.workflow


def _fusion_reps(config, families):
    return [name for name, spec in expand_representations(config["representations"]).items()
            if spec["family"] in families]


def _latents(workdir, rep):
    return workdir / "results" / "demo" / "models" / rep / "seed-0" / "latents.parquet"


def test_fusion_representations_are_clustered_and_scored_like_any_other(demo_run):
    workdir, config = demo_run
    fusion = _fusion_reps(config, HYBRID_FAMILIES + MULTIMODAL_FAMILIES)
    assert len(fusion) >= 6
    metrics = pd.read_csv(workdir / "results" / "demo" / "report" / "metrics.csv")
    for rep in fusion:
        rows = metrics[(metrics["representation"] == rep) & metrics["algorithm"].isin(["kmeans", "gmm"])]
        assert len(rows) == 2, rep
        assert rows["error"].isna().all(), rows["error"].tolist()
        assert rows["ari"].notna().all() and rows["silhouette"].notna().all()


def test_hybrid_latents_are_the_parts_of_the_tracks_they_share(demo_run):
    workdir, config = demo_run
    registry = expand_representations(config["representations"])
    for rep in _fusion_reps(config, HYBRID_FAMILIES):
        ids, vectors, info = read_latents(_latents(workdir, rep))
        parts = [read_latents(_latents(workdir, part)) for part in registry[rep]["parts"]]
        shared = set.intersection(*(set(p[0].tolist()) for p in parts))
        assert set(ids.tolist()) == shared
        assert vectors.shape[1] == sum(p[1].shape[1] for p in parts)
        if registry[rep]["family"] == "hybrid_weighted":  # equal total variance per block
            np.testing.assert_allclose(info["block_variance"], [1.0] * len(parts), rtol=1e-3)


def test_multimodal_latents_record_which_tracks_had_text(demo_run):
    workdir, config = demo_run
    registry = expand_representations(config["representations"])
    shares = {}
    for rep in _fusion_reps(config, MULTIMODAL_FAMILIES):
        table = pq.read_table(_latents(workdir, rep))
        info = json.loads(table.schema.metadata[b"info"])
        text_file = workdir / "results" / "demo" / "text" / f"{registry[rep]['text']}.parquet"
        text_ids = set(read_text_features(text_file)[0].tolist())
        has_text = dict(zip(table.column("track_id").to_pylist(), table.column("has_text").to_pylist()))
        assert has_text == {t: t in text_ids for t in has_text}
        assert info["tracks_with_text"] == sum(has_text.values())
        shares[registry[rep]["text"]] = info["text_share"]
    # The demo has lyrics for some tracks only: the lyrics-only model sees a mix, the fallback all.
    assert 0 < shares["lyrics-minilm"] < 1
    assert shares["lyrics_or_metadata-minilm"] == 1


def test_a_hybrid_weight_edit_reruns_that_hybrid_only(demo_run):
    workdir, config = demo_run
    edited = copy.deepcopy(config)
    edited["representations"]["hybrid_mel_metadata_weighted"]["weights"] = {"conv_vae_mel": 2.0}
    report = {"summary_tables": 1, "report_projections": 1, "report_metric_figures": 1, "report_page": 1,
              "report_clusters": 1}
    assert planned_jobs(workdir, edited) == Counter(
        {"hybrid_representation": 1, "evaluate": 1, "metrics_table": 1, "all": 1, **report})
