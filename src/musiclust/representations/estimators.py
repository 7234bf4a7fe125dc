"""Representations as scikit-learn estimators on plain arrays.

No Snakemake, files, track ids or genre tables: ``fit`` an array ``(n_tracks, *shape)``, get
latents ``(n_tracks, d)`` from ``transform``. The pipeline's rules call these same classes.
They follow scikit-learn's estimator contract (README, "Use it as a library"): every setting
is a plain ``__init__`` parameter stored as given (``get_params``/``set_params``, ``clone``,
``Pipeline``, ``GridSearchCV``), validated in ``fit``; ``transform`` before ``fit`` raises
``NotFittedError``; the learned ones ``score`` new tracks by their ELBO, so a grid search
picks β (or anything else) by held-out likelihood, without labels. Defaults are the config's
(``musiclust.defaults``: the schema).

    from musiclust import AutoencoderRepresentation, evaluate
    vae = AutoencoderRepresentation("vae", arch={"latent_dim": 16}, epochs=30, seed=0)
    latents = vae.fit_transform(mfcc_stats)          # (n, 16) encoder means
    vae.active_dims_.active, vae.collapsed_          # did it learn?
    evaluate(latents, {"kmeans": {"k": 5}, "gmm": {"k": 5}}, genres=genres).metrics
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.decomposition import PCA, IncrementalPCA
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_array, check_is_fitted

from musiclust.defaults import defaults, representation_defaults
from musiclust.models.collapse import (
    FLOOR_MARGIN,
    KL_THRESHOLD,
    MIN_ACTIVE,
    VARIANCE_THRESHOLD,
    ActiveDimensions,
    collapse_message,
)
from musiclust.models.registry import get_family
from musiclust.models.train_config import TrainConfig, resolve_device
from musiclust.models.trainer import TrainResult, encode, heldout_scores, train
from musiclust.representations.streaming import rebatched

_log = logging.getLogger("musiclust.models")
# Defaults of the config (schemas/config.schema.yaml): a representation entry's and `training:`'s.
_PCA = representation_defaults("pca")
_TRAINING = defaults("training")
# The trainer's settings (musiclust.models.TrainConfig's fields): each a parameter of the
# learned estimators, under the same name.
TRAINING_PARAMETERS = ("epochs", "batch_size", "learning_rate", "beta", "reconstruction", "kl_warmup_epochs",
                       "free_bits", "holdout_fraction", "device", "threads", "checkpoint_every", "weight_decay",
                       "early_stopping", "patience", "min_steps")


def validated_features(estimator: BaseEstimator, features: Any, *, fit: bool, allow_nan: bool = False) -> np.ndarray:
    """``features`` as a float array ``(n_tracks, *shape)``, checked as scikit-learn checks
    input (finite, numeric, 2-D or more, not sparse). ``fit`` records the shape per track
    (``input_shape_``, ``n_features_in_``: its size); otherwise it must match the fit's."""
    if not fit:
        check_is_fitted(estimator)
    values = check_array(features, allow_nd=True, dtype=(np.float32, np.float64),
                         ensure_all_finite="allow-nan" if allow_nan else True, ensure_min_samples=2 if fit else 1,
                         input_name="X")
    shape = tuple(int(s) for s in values.shape[1:])
    if fit:
        estimator.input_shape_, estimator.n_features_in_ = shape, math.prod(shape)
    elif shape != estimator.input_shape_:
        raise ValueError(f"X has {math.prod(shape)} features, but {type(estimator).__name__} is expecting "
                         f"{estimator.n_features_in_} features as input (shape per track {shape}, fitted on "
                         f"{estimator.input_shape_})")
    return values


def _flatten(features: np.ndarray) -> np.ndarray:
    features = np.asarray(features)
    return features.reshape(features.shape[0], -1).astype(np.float32, copy=False)


class VectorScaler:
    """Optional z-scoring of vector features (fit on the training rows, reused by transform)."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.scaler: StandardScaler | None = None

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        if not self.enabled:
            return vectors
        self.scaler = StandardScaler().fit(vectors)
        return self.transform(vectors)

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return vectors if self.scaler is None else self.scaler.transform(vectors).astype(np.float32)


class _FloatOutput:
    """scikit-learn tags: latents are float32 whatever the input's dtype."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []
        return tags


class RawRepresentation(_FloatOutput, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """The features themselves, flattened and (by default) standardised per dimension."""

    def __init__(self, *, standardize: bool = _PCA["standardize"]) -> None:
        self.standardize = standardize

    def fit(self, features: np.ndarray, y: Any = None) -> RawRepresentation:
        vectors = _flatten(validated_features(self, features, fit=True))
        self.scaler_ = VectorScaler(self.standardize)
        self.scaler_.fit_transform(vectors)
        self._n_features_out = vectors.shape[1]
        return self

    def transform(self, features: np.ndarray) -> np.ndarray:
        return self.scaler_.transform(_flatten(validated_features(self, features, fit=False)))

    def info(self) -> dict[str, Any]:
        return {"family": "raw"}


class PCARepresentation(_FloatOutput, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """PCA of the flattened, standardised features (fewer components if the data allows fewer)."""

    def __init__(self, n_components: int = _PCA["n_components"], *, standardize: bool = _PCA["standardize"],
                 seed: int = 0) -> None:
        self.n_components, self.standardize, self.seed = n_components, standardize, seed

    def _check_params(self) -> None:
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, (int, np.integer)) \
                or self.n_components < 1:
            raise ValueError(f"n_components must be a positive integer, got {self.n_components!r}")

    def fit(self, features: np.ndarray, y: Any = None) -> PCARepresentation:
        self._check_params()
        vectors = _flatten(validated_features(self, features, fit=True))
        self.scaler_ = VectorScaler(self.standardize)
        vectors = self.scaler_.fit_transform(vectors)
        usable = min(self.n_components, *vectors.shape)
        self.pca_ = PCA(n_components=usable, random_state=self.seed).fit(vectors)
        self.batch_rows_ = None
        self._n_features_out = usable
        return self

    def fit_batches(self, batches: Callable[[], Iterable[np.ndarray]], n_rows: int, shape: tuple[int, ...],
                    batch_rows: int) -> PCARepresentation:
        """Fit on features too large for memory: ``batches()`` gives a fresh pass over them, a
        batch at a time (``n_rows`` rows of ``shape`` each). Standardisation is fitted on a
        first pass (``StandardScaler.partial_fit``), the components on a second (``IncrementalPCA``
        on batches of ``batch_rows``, at least the number of components)."""
        self._check_params()
        self.input_shape_, self.n_features_in_ = tuple(shape), math.prod(shape)
        usable = min(self.n_components, n_rows, self.n_features_in_)
        if usable < 1:
            raise ValueError(f"PCA needs at least one track and one dimension, got {(n_rows, self.n_features_in_)}")
        self.scaler_ = VectorScaler(self.standardize)
        if self.standardize:
            scaler = StandardScaler()
            for batch in batches():
                scaler.partial_fit(_flatten(batch))
            self.scaler_.scaler = scaler
        self.batch_rows_ = max(batch_rows, usable)
        self.pca_ = IncrementalPCA(n_components=usable)
        for batch in rebatched((self.scaler_.transform(_flatten(b)) for b in batches()), self.batch_rows_):
            self.pca_.partial_fit(batch)
        self._n_features_out = usable
        return self

    def transform(self, features: np.ndarray) -> np.ndarray:
        vectors = _flatten(validated_features(self, features, fit=False))
        return self.pca_.transform(self.scaler_.transform(vectors)).astype(np.float32)

    def info(self) -> dict[str, Any]:
        ratios = [float(v) for v in self.pca_.explained_variance_ratio_]
        return {"family": "pca", "n_components": len(ratios), "explained_variance_ratio": ratios,
                "explained_variance_total": float(sum(ratios)),
                "incremental_batch_rows": getattr(self, "batch_rows_", None)}


class TrainedRepresentation(_FloatOutput, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """What the representations trained by ``musiclust.models.trainer`` share: the training
    settings, training itself, the collapse check, ``score`` and the facts ``info`` reports.

    Training settings are the parameters named in ``TRAINING_PARAMETERS``, those of
    ``musiclust.models.TrainConfig`` (same names, the config's defaults; ``beta=None`` takes
    the family's study default). After ``fit``: ``model_``, ``history_`` (per epoch),
    ``stopping_`` (why training stopped, the epoch whose weights gave the latents),
    ``latents_``/``logvar_`` of the training rows, ``active_dims_`` and ``collapsed_`` (fewer
    than ``min_active_dims`` active latent dimensions, counted above the free-bits floor the
    model trained with, see ``models.collapse``; logged as a warning with the usual remedies). Subclasses declare every parameter in their ``__init__`` (scikit-learn reads
    the signature).
    """

    family: str

    def _store_params(self, params: Mapping[str, Any]) -> None:
        """Keep every ``__init__`` argument as the attribute of its name (``params``: the
        subclass's ``locals()``), unchanged: scikit-learn's ``get_params``/``clone`` read them back."""
        for name, value in params.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def train_config(self) -> TrainConfig:
        """The ``TrainConfig`` of these parameters (validated there: in ``fit``, not ``__init__``)."""
        settings = {name: getattr(self, name) for name in TRAINING_PARAMETERS}
        if settings["beta"] is None:
            settings["beta"] = get_family(self.family).default_beta
        return TrainConfig(seed=self.seed, **settings)

    def _train(self, data: np.ndarray, labels: np.ndarray | None, arch: Mapping[str, Any]) -> None:
        """Train on the model's input array and keep the results as fitted attributes."""
        self.config_ = self.train_config()
        name = self.name or self.family
        result = train(self.family, dict(arch), data, labels, self.config_,
                       None if self.checkpoint_path is None else Path(self.checkpoint_path), model_name=name,
                       log=self.log, progress=self.progress)
        self.model_, self.history_, self.classes_ = result.model, result.history, result.classes
        self.latents_, self.logvar_, self.resumed_from_epoch_ = result.mu, result.logvar, result.resumed_from_epoch
        self.device_, self.stopping_ = result.device, result.stopping
        self._n_features_out = int(result.mu.shape[1])
        self.active_dims_: ActiveDimensions = self._active_dimensions(result)
        self.collapsed_ = self.active_dims_.collapsed(self.min_active_dims)
        if self.collapsed_:
            _log.warning("%s", collapse_message(name, self.active_dims_, self.min_active_dims))

    def _active_dimensions(self, result: TrainResult) -> ActiveDimensions:
        """Which latent dimensions the trained model uses (``models.collapse``; KL to N(0, I))."""
        return result.active_dimensions(self.kl_threshold, self.variance_threshold, self.floor_margin)

    def _encode(self, data: np.ndarray, codes: np.ndarray | None = None) -> np.ndarray:
        mu, _ = encode(self.model_, data, codes, self.config_.batch_size, self.device_)
        return mu

    def _neg_elbo(self, data: np.ndarray, codes: np.ndarray | None = None) -> float:
        labels = None if codes is None or not getattr(self.model_, "conditional", False) else torch.as_tensor(codes)
        scores = heldout_scores(self.model_, torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32)), labels,
                                self.config_.batch_size, resolve_device(self.device_), self.seed)
        return scores["heldout_neg_elbo"]

    def info(self) -> dict[str, Any]:
        """JSON-friendly facts about the fitted model (for latents metadata and reports)."""
        check_is_fitted(self)
        return {"family": self.family, "beta": self.config_.beta, "seed": self.seed,
                "epochs": int(self.history_["epoch"].max()) if len(self.history_) else 0,
                "training": dataclasses.asdict(self.config_), "device": self.device_,
                "resumed_from_epoch": self.resumed_from_epoch_, **self.stopping_.as_info(),
                **self.active_dims_.as_info(self.min_active_dims)}


class AutoencoderRepresentation(TrainedRepresentation):
    """A model of the autoencoder family (``vae``, ``conv_vae``, ``cvae``, ``conv_ae``) as an estimator.

    ``arch``: the family's architecture options (its dataclass in ``musiclust.models``; None:
    its defaults). Training settings: ``epochs`` … ``weight_decay`` (``TrainedRepresentation``).
    Vector features are z-scored across tracks (``standardize``); spectrograms go in as they
    are. ``y`` is used only by conditional families (the genre of each row). ``score(X)`` is the
    mean ELBO per track of ``X`` in nats (higher is better; the negative of what
    ``holdout_fraction`` records as ``heldout_neg_elbo``): the plain ELBO, β = 1, whatever β the
    model trained with, so models of different β compare.
    ``checkpoint_path``, ``progress``, ``name`` and ``log`` say where and how it trains, not what.
    """

    def __init__(self, family: str = "vae", *, arch: Mapping[str, Any] | None = None,
                 standardize: bool = _PCA["standardize"], seed: int = 0,
                 epochs: int = _TRAINING["epochs"], batch_size: int = _TRAINING["batch_size"],
                 learning_rate: float = _TRAINING["learning_rate"], beta: float | None = None,
                 reconstruction: str = _TRAINING["reconstruction"], kl_warmup_epochs: int = _TRAINING["kl_warmup_epochs"],
                 free_bits: float = _TRAINING["free_bits"], holdout_fraction: float = _TRAINING["holdout_fraction"],
                 device: str = _TRAINING["device"], threads: int = _TRAINING["threads"],
                 checkpoint_every: int = _TRAINING["checkpoint_every"], weight_decay: float = _TRAINING["weight_decay"],
                 early_stopping: bool = _TRAINING["early_stopping"], patience: int = _TRAINING["patience"],
                 min_steps: int = _TRAINING["min_steps"],
                 kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                 min_active_dims: int = MIN_ACTIVE, floor_margin: float = FLOOR_MARGIN,
                 checkpoint_path: str | Path | None = None, progress: bool = False, name: str = "",
                 log: Callable[[str], None] | None = None) -> None:
        self._store_params(locals())

    def _inputs(self, features: Any, fit: bool) -> np.ndarray:
        values = validated_features(self, features, fit=fit).astype(np.float32, copy=False)
        if values.ndim != 2:  # spectrograms are standardised per track by the feature stage
            return values
        if fit:
            self.scaler_ = VectorScaler(self.standardize)
            return self.scaler_.fit_transform(values)
        return self.scaler_.transform(values)

    def _codes(self, y: Any) -> np.ndarray | None:
        if y is None or self.classes_ is None:
            return None
        return np.searchsorted(self.classes_, np.asarray(y))

    def fit(self, features: np.ndarray, y: np.ndarray | None = None) -> AutoencoderRepresentation:
        conditional = get_family(self.family).conditional  # (an unknown family: the message names the known ones)
        self._train(self._inputs(features, fit=True), y if conditional else None, self.arch or {})
        return self

    def transform(self, features: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        """Encoder means of ``features`` (label codes follow ``classes_`` for conditional models)."""
        return self._encode(self._inputs(features, fit=False), self._codes(y))

    def fit_transform(self, features: np.ndarray, y: np.ndarray | None = None, **fit_params: Any) -> np.ndarray:
        return self.fit(features, y).latents_

    def score(self, features: np.ndarray, y: np.ndarray | None = None) -> float:
        """Mean ELBO per track of ``features`` in nats (higher is better; see the class docstring)."""
        return -self._neg_elbo(self._inputs(features, fit=False), self._codes(y))
