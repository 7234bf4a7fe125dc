"""The representations are scikit-learn estimators (README, "Use it as a library"): scikit-learn's
own conformance checks, and one test per claim of the contract."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.exceptions import NotFittedError
from sklearn.metrics import silhouette_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from musiclust import (
    AutoencoderRepresentation,
    HybridRepresentation,
    MultimodalRepresentation,
    PCARepresentation,
    RawRepresentation,
    multimodal_frame,
)
from musiclust.models.train_config import TrainConfig
from musiclust.representations.estimators import TRAINING_PARAMETERS

TINY_VAE = {"arch": {"latent_dim": 2, "hidden": [8]}, "epochs": 1, "batch_size": 16, "device": "cpu"}


@pytest.fixture(autouse=True)
def _quiet_collapse_warnings(caplog):
    # Models of one epoch on the checks' random data collapse, and say so; that is not the point here.
    caplog.set_level(logging.ERROR, logger="musiclust.models")


# scikit-learn's checks. Run on every estimator whose input is a plain numeric table. Not run:
# the conv families (their X is (n, H, W) spectrograms, the checks pass 2-D tables) and the
# multimodal VAE (its X is a DataFrame of two modalities and a mask, not interchangeable numeric
# features); both are checked by the contract tests below instead. Skipped by scikit-learn
# itself: check_array_api_input, unless SCIPY_ARRAY_API is set (no estimator here uses the
# array API). No check is expected to fail.
@parametrize_with_checks([RawRepresentation(), PCARepresentation(4), HybridRepresentation(block_dims=[1]),
                          AutoencoderRepresentation("vae", **TINY_VAE)])
def test_scikit_learn_conformance(estimator, check):
    check(estimator)


def _blobs(n=120, features=10, seed=0):
    return make_blobs(n_samples=n, n_features=features, centers=4, cluster_std=2.0, random_state=seed)


def test_training_settings_are_plain_parameters_with_the_trainers_names():
    trainer = {f.name for f in dataclasses.fields(TrainConfig)} - {"seed"}
    assert set(TRAINING_PARAMETERS) == trainer
    for estimator in (AutoencoderRepresentation(), MultimodalRepresentation()):
        params = estimator.get_params()
        assert set(TRAINING_PARAMETERS) <= set(params) and "training" not in params
    vae = AutoencoderRepresentation("vae", beta=4.0, epochs=3).set_params(learning_rate=0.01)
    copy = clone(vae)
    assert copy is not vae and copy.get_params() == vae.get_params()
    assert copy.train_config() == TrainConfig(epochs=3, beta=4.0, learning_rate=0.01)


def test_parameters_are_checked_in_fit_not_in_init():
    features, _ = _blobs(n=20)
    bad = [AutoencoderRepresentation("vae", epochs=0), AutoencoderRepresentation("no_such_family"),
           PCARepresentation(n_components=0), HybridRepresentation("sum", block_dims=[5]),
           MultimodalRepresentation(fusion="late")]  # constructing them is fine
    messages = ["TrainConfig.epochs must be a positive integer", "unknown model family 'no_such_family'",
                "n_components must be a positive integer", "weighting must be one of", "fusion must be one of"]
    frame = multimodal_frame(features[:, :6], features[:, 6:], np.ones(20, dtype=bool))
    for estimator, message in zip(bad, messages):
        with pytest.raises(ValueError, match=message):
            estimator.fit(frame if isinstance(estimator, MultimodalRepresentation) else features)


@pytest.mark.parametrize("estimator, X", [
    (PCARepresentation(2), np.zeros((3, 4))),
    (AutoencoderRepresentation("conv_vae"), np.zeros((3, 8, 8), dtype=np.float32)),
    (MultimodalRepresentation(), multimodal_frame(np.zeros((3, 4)), np.zeros((3, 2)), [True, False, True])),
    (HybridRepresentation(block_dims=[2]), np.zeros((3, 4))),
])
def test_transform_before_fit_raises_not_fitted(estimator, X):
    with pytest.raises(NotFittedError):
        estimator.transform(X)


def _silhouette(pipeline, X, y=None):
    """Unsupervised scoring: the silhouette of the pipeline's clusters in its representation."""
    vectors = pipeline[:-1].transform(X)
    labels = pipeline[-1].predict(vectors)
    return silhouette_score(vectors, labels) if len(set(labels)) > 1 else -1.0


@pytest.mark.parametrize("representation, grid", [
    (PCARepresentation(), {"representation__n_components": [2, 6]}),
    (AutoencoderRepresentation("vae", arch={"latent_dim": 3, "hidden": [16]}, epochs=3, batch_size=16, device="cpu"),
     {"representation__beta": [0.5, 2.0]}),
])
def test_grid_search_over_a_representation_and_a_clusterer(representation, grid):
    features, _ = _blobs()
    pipeline = Pipeline([("representation", representation), ("cluster", KMeans(n_init=3, random_state=0))])
    search = GridSearchCV(pipeline, {**grid, "cluster__n_clusters": [3, 4]}, scoring=_silhouette, cv=2)
    search.fit(features)
    assert len(search.cv_results_["params"]) == 4 and np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(features).shape == (len(features),)


def test_score_is_the_held_out_elbo_and_ranks_beta():
    """GridSearchCV without a scorer uses score: each fold's mean ELBO per track (β = 1 whatever
    β trained, so models of different β compare); a better model of the data scores higher."""
    features, _ = _blobs(n=150)
    vae = AutoencoderRepresentation("vae", arch={"latent_dim": 4, "hidden": [32]}, epochs=15, batch_size=32,
                                    device="cpu", seed=0)
    search = GridSearchCV(vae, {"beta": [0.5, 8.0]}, cv=2).fit(features)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and search.best_params_ == {"beta": 0.5}, scores
    fitted = search.best_estimator_
    noise = np.random.default_rng(0).normal(scale=features.std(), size=features.shape)
    assert fitted.score(features) > fitted.score(noise)
    assert fitted.score(features) == fitted.set_params(beta=8.0).score(features)  # β plays no part in it


def test_multimodal_input_is_one_table_that_scikit_learn_splits():
    features, _ = _blobs(n=60)
    present = np.arange(60) % 4 != 0
    text = np.where(present[:, None], features[:, 6:], np.nan)  # no text: NaN, never read
    X = multimodal_frame(features[:, :6], text, present)
    assert list(X.columns[:2]) == ["audio_0", "audio_1"] and X.columns[-1] == "text_present"
    model = MultimodalRepresentation("concat", arch={"latent_dim": 2, "audio_hidden": [8], "text_hidden": [8]},
                                     epochs=1, batch_size=16, device="cpu")
    scores = cross_val_score(clone(model), X, cv=2)  # row subsets of the frame, scored by ELBO
    assert np.isfinite(scores).all()
    assert model.fit(X).transform(X.iloc[:5]).shape == (5, 2)
    assert model.get_feature_names_out().tolist() == ["multimodalrepresentation0", "multimodalrepresentation1"]
