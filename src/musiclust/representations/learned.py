"""Training a learned representation: from feature arrays to checkpoint, history and latents.

The trainer (``musiclust.models.trainer``) resumes from its own working checkpoint. That file
is not an output of the rule, because Snakemake deletes a job's outputs before rerunning it:
training writes ``training-state.pt`` beside the outputs and only a finished run is moved to
``checkpoint.pt``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from musiclust.models.registry import get_family
from musiclust.models.trainer import TrainConfig, train
from musiclust.representations.baseline import standardize
from musiclust.representations.latents import write_latents
from musiclust.representations.registry import LABEL_CONDITIONED_FAMILIES
from musiclust.tables import write_table

WORKING_CHECKPOINT = "training-state.pt"


@dataclass(frozen=True)
class LearnedOutputs:
    checkpoint: Path
    history: Path
    latents: Path


def model_inputs(features: np.ndarray, standardize_vectors: bool) -> np.ndarray:
    """What the network sees: vector features are z-scored across tracks (MFCC statistics span
    hundreds of units); spectrograms are already standardised per track by the feature stage."""
    features = features.astype(np.float32, copy=False)
    if features.ndim == 2 and standardize_vectors:
        return standardize(features)
    return features


def training_config(spec: Mapping, defaults: Mapping, seed: int, threads: int) -> TrainConfig:
    """The trainer's settings: the representation's ``training`` over the config defaults;
    β falls back to the family's study default (cvae 0.5, beta_vae 4, others 1)."""
    settings = {**defaults, **spec.get("training", {})}
    return TrainConfig(
        epochs=int(settings["epochs"]),
        batch_size=int(settings["batch_size"]),
        learning_rate=float(settings.get("learning_rate", 1e-3)),
        beta=float(settings.get("beta", get_family(spec["family"]).default_beta)),
        seed=seed,
        device=str(settings.get("device", "auto")),
        threads=threads,
        checkpoint_every=int(settings.get("checkpoint_every", 1)),
        weight_decay=float(settings.get("weight_decay", 0.0)),
    )


def history_table(history, kl_per_dim: np.ndarray | None, info: Mapping) -> pa.Table:
    """Per-epoch losses; the KL per latent dimension at the end goes in the schema metadata
    (``kl_per_dim``) and, for convenience, on the last row."""
    frame = history.reset_index(drop=True)
    last = len(frame) - 1
    per_dim = [list(map(float, kl_per_dim)) if (kl_per_dim is not None and i == last) else None for i in range(len(frame))]
    columns = {name: frame[name].to_numpy() for name in frame.columns if name != "epoch"}
    columns["kl_per_dim"] = pa.array(per_dim, type=pa.list_(pa.float64()))
    table = pa.table({"epoch": pa.array(frame["epoch"].to_numpy(), type=pa.int32()), **columns})
    metadata = {
        b"kl_per_dim": _json(None if kl_per_dim is None else [float(v) for v in kl_per_dim]),
        b"info": _json(dict(info)),
    }
    return table.replace_schema_metadata(metadata)


def _json(value) -> bytes:
    return json.dumps(value).encode()


def train_representation(
    name: str,
    spec: Mapping,
    defaults: Mapping,
    ids: np.ndarray,
    features: np.ndarray,
    genres: np.ndarray,
    *,
    seed: int,
    threads: int,
    outputs: LearnedOutputs,
    log: Callable[[str], None] | None = None,
) -> dict:
    """Train representation ``name`` and write its three outputs; returns its info dict."""
    family = spec["family"]
    config = training_config(spec, defaults, seed, threads)
    data = model_inputs(features, spec.get("standardize", True))
    labels = None
    if family in LABEL_CONDITIONED_FAMILIES:
        labels = np.array([g if g is not None else "(unlabelled)" for g in genres], dtype=object).astype(str)
    working = outputs.checkpoint.with_name(WORKING_CHECKPOINT)
    result = train(family, spec.get("arch"), data, labels, config, working, model_name=name, log=log)
    info = {
        "family": family,
        "representation": name,
        "features": spec["features"],
        "seed": seed,
        "beta": config.beta,
        "epochs": int(result.history["epoch"].max()) if len(result.history) else 0,
        "latent_dim": int(result.mu.shape[1]),
        "saw_labels": family in LABEL_CONDITIONED_FAMILIES,
        "device": result.device,
        "resumed_from_epoch": result.resumed_from_epoch,
    }
    write_table(history_table(result.history, result.kl_per_dim, info), outputs.history)
    write_latents(outputs.latents, ids, result.mu, logvar=result.logvar, info=info)
    # Last: a finished checkpoint marks the job done; the working file becomes the output.
    os.replace(working, outputs.checkpoint)
    return info
