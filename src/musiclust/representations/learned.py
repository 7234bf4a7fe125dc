"""A learned representation of the config (an entry of ``representations:``) fitted on arrays:
the estimator its family names, with the entry's settings over the ``training:`` block's, and
the facts, history table and extra latents columns it records. No file is written here: the
workflow's adapter (``workflow_scripts/train_model.py``) writes the outputs and puts the
finished checkpoint in place.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from musiclust.cluster.metrics import is_labelled
from musiclust.models.collapse import FLOOR_MARGIN, KL_THRESHOLD, MIN_ACTIVE, VARIANCE_THRESHOLD
from musiclust.representations.estimators import AutoencoderRepresentation, TrainedRepresentation
from musiclust.representations.geometry import MIN_EFFECTIVE_DIMS, geometry_info
from musiclust.representations.latents import MIXTURE_COMPONENT
from musiclust.representations.mixture import MixtureVAERepresentation
from musiclust.representations.multimodal import MultimodalRepresentation, multimodal_frame
from musiclust.representations.registry import (
    LABEL_CONDITIONED_FAMILIES,
    MIXTURE_FAMILIES,
    MULTIMODAL_FAMILIES,
    TRAINING_RESOURCE_KEYS,
)

@dataclass(frozen=True)
class CollapseCheck:
    """When a model counts as collapsed or degenerate (config ``analysis:``; see
    ``models.collapse`` and ``representations.geometry``)."""

    kl_threshold: float = KL_THRESHOLD
    variance_threshold: float = VARIANCE_THRESHOLD
    min_active_dims: int = MIN_ACTIVE
    floor_margin: float = FLOOR_MARGIN
    min_effective_dims: float = MIN_EFFECTIVE_DIMS


def history_table(history: pd.DataFrame, kl_per_dim: np.ndarray | None, info: Mapping) -> pa.Table:
    """Per-epoch losses (and KL per latent dimension, per epoch); the KL per dimension of the
    final model over every track and the model's facts go in the schema metadata."""
    frame = history.reset_index(drop=True)
    columns = {name: pa.array(frame[name].tolist()) for name in frame.columns if name not in ("epoch", "kl_per_dim")}
    columns["kl_per_dim"] = pa.array(frame["kl_per_dim"].tolist(), type=pa.list_(pa.float64()))
    table = pa.table({"epoch": pa.array(frame["epoch"].to_numpy(), type=pa.int32()), **columns})
    metadata = {
        b"kl_per_dim": json.dumps(None if kl_per_dim is None else [float(v) for v in kl_per_dim]).encode(),
        b"info": json.dumps(dict(info)).encode(),
    }
    return table.replace_schema_metadata(metadata)


def text_rows(ids: np.ndarray, text: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The text embedding of each of ``ids`` (tracks without text: a row of NaN) and a flag
    per track: whether it has text. ``text`` is ``(track_ids, embeddings)`` of the tracks that have one."""
    text_ids, embeddings = text
    row_of = {int(t): row for row, t in enumerate(text_ids)}
    present = np.array([int(t) in row_of for t in ids], dtype=bool)
    rows = np.full((len(ids), embeddings.shape[1]), np.nan, dtype=np.float32)
    rows[present] = embeddings[[row_of[int(t)] for t in np.asarray(ids)[present]]]
    return rows, present


def mixture_k(name: str, k: int | str, genres: np.ndarray) -> int | str:
    """A mixture-prior entry's ``k``: ``n_genres`` (the number of genres among the tracks, as the
    clustering algorithms count it), ``auto`` (BIC, left to the estimator) or a number."""
    if k != "n_genres":
        return k
    genres = np.asarray(genres, dtype=object)
    n_genres = len(set(genres[is_labelled(genres)]))
    if n_genres < 1:
        raise ValueError(f"representations.{name}.k: n_genres, but no track has a genre; set k to a number or auto")
    return n_genres


@dataclass
class FittedRepresentation:
    """A fitted learned representation: the estimator, its facts for the latents' and history's
    metadata (``info``), and extra per-track latents columns (``columns``: which tracks had
    text, a mixture's own clusters)."""

    model: TrainedRepresentation | MixtureVAERepresentation
    info: dict[str, Any]
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def history(self) -> pa.Table:
        return history_table(self.model.history_, self.model.active_dims_.kl_per_dim, self.info)


def fit_learned(name: str, spec: Mapping, defaults: Mapping, ids: np.ndarray, features: np.ndarray,
                genres: np.ndarray, *, seed: int, checkpoint_path: str | Path | None = None,
                collapse: CollapseCheck = CollapseCheck(), text: tuple[np.ndarray, np.ndarray] | None = None,
                log: Callable[[str], None] | None = None) -> FittedRepresentation:
    """Fit representation ``name`` (its config entry ``spec``) on ``features`` of the tracks ``ids``.

    ``defaults`` is the config's ``training:`` block, which the entry's ``training`` overrides.
    ``text``: ``(track_ids, embeddings)`` of the tracks that have text, for multimodal families.
    ``checkpoint_path``: where training checkpoints and resumes from (``models.trainer``).
    """
    family = spec["family"]
    settings = {k: v for k, v in {**defaults, **spec["training"]}.items() if k not in TRAINING_RESOURCE_KEYS}
    # Every setting of an entry its estimator takes (the entry's `standardize` when it says one:
    # the estimators' defaults are the schema's).
    estimator = dict(seed=seed, checkpoint_path=checkpoint_path, kl_threshold=collapse.kl_threshold,
                     variance_threshold=collapse.variance_threshold, min_active_dims=collapse.min_active_dims,
                     floor_margin=collapse.floor_margin, name=name, log=log,
                     **{k: spec[k] for k in ("standardize",) if k in spec})
    training = dict(settings)  # (threads included: part of the model's identity)
    common = {**estimator, **training, "arch": spec.get("arch")}
    columns = {}
    if family in MULTIMODAL_FAMILIES:
        if text is None:
            raise ValueError(f"{name}: family {family!r} needs the text embedding {spec['text']!r}")
        rows, present = text_rows(ids, text)
        model = MultimodalRepresentation(audio_shape=features.shape[1:], **common)
        model.fit(multimodal_frame(features, rows, present))
        columns = {"has_text": present}  # which tracks the text encoder saw
    elif family in MIXTURE_FAMILIES:
        ranges = {"k_range": tuple(spec["k_range"])} if "k_range" in spec else {}
        model = MixtureVAERepresentation(family, k=mixture_k(name, spec["k"], genres), **common, **ranges).fit(features)
        columns = {MIXTURE_COMPONENT: model.labels_}  # its own clusters, scored as the algorithm `vade`
    else:
        labels = None
        if family in LABEL_CONDITIONED_FAMILIES:
            labels = np.array([g if g is not None else "(unlabelled)" for g in genres], dtype=object).astype(str)
        model = AutoencoderRepresentation(family, **common).fit(features, labels)
    info = {**model.info(), "representation": name, "features": spec["features"],
            "saw_labels": family in LABEL_CONDITIONED_FAMILIES, **({"text": spec["text"]} if "text" in spec else {}),
            **geometry_info(model.latents_, collapse.min_effective_dims)}
    return FittedRepresentation(model, info, columns)
