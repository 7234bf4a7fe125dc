"""The baseline representations of the pipeline (PCA, raw features) on feature files, within a
memory budget: PCA of features larger than the budget is fitted incrementally, shard by shard."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import numpy as np

from musiclust.representations.estimators import PCARepresentation, RawRepresentation
from musiclust.representations.inputs import feature_column, read_features
from musiclust.representations.registry import feature_source
from musiclust.representations.streaming import MemoryBudget, feature_shards

IPCA_BATCH_COMPONENTS = 4  # incremental PCA's batch, in numbers of components


def baseline_model(spec: Mapping, seed: int) -> PCARepresentation | RawRepresentation:
    """The estimator of a ``pca`` or ``raw`` entry; settings it leaves out take the estimator's
    defaults, which are the schema's (the workflow's specs have them filled in already)."""
    settings = {key: spec[key] for key in ("standardize", "n_components") if key in spec}
    if spec["family"] == "pca":
        return PCARepresentation(**settings, seed=seed)
    settings.pop("n_components", None)
    return RawRepresentation(**settings)


def fit_baseline(spec: Mapping, paths: Sequence[str | os.PathLike], seed: int,
                 budget: MemoryBudget = MemoryBudget()) -> tuple[np.ndarray, np.ndarray, PCARepresentation | RawRepresentation]:
    """``(track_ids, vectors, fitted model)`` of the baseline ``spec`` on the feature files ``paths``.

    Raw features are their own output (as large as the input), and text embeddings are one
    small table: both are read whole. PCA over the budget streams.
    """
    model = baseline_model(spec, seed)
    features = spec["features"]
    if spec["family"] != "pca" or feature_source(features) == "text":
        ids, values = read_features(paths, features)
        return ids, model.fit_transform(values), model
    shards = feature_shards(paths, feature_column(features))
    if budget.fits(shards.nbytes):
        ids, values = read_features(paths, features)
        return ids, model.fit_transform(values), model
    # Each IncrementalPCA update is an SVD of (batch + components) rows, so its cost per row
    # grows with the batch: a few times the components is fastest (25,000 × 16,384 values: 34
    # min in batches of 2,000 rows), and the budget (float64 copies of a batch) caps it further.
    n_components = model.n_components
    batch_rows = min(budget.batch_rows(2 * shards.row_bytes, minimum=n_components), IPCA_BATCH_COMPONENTS * n_components)
    model.fit_batches(lambda: (values for _, values in shards.batches(batch_rows)), shards.n_rows,
                      tuple(shards.shape), batch_rows)
    parts = [(ids, model.transform(values)) for ids, values in shards.batches(batch_rows)]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), model
