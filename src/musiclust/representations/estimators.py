"""Representations as scikit-learn-style estimators on plain arrays.

No Snakemake, files, track ids or genre tables: ``fit`` an array ``(n_tracks, *shape)``, get
latents ``(n_tracks, d)`` from ``transform``. The pipeline's rules call these same classes.

    from musiclust import AutoencoderRepresentation, evaluate
    vae = AutoencoderRepresentation("vae", arch={"latent_dim": 16}, epochs=30, seed=0)
    latents = vae.fit_transform(mfcc_stats)          # (n, 16) encoder means
    vae.active_dims_.active, vae.collapsed_          # did it learn?
    evaluate(latents, {"kmeans": {"k": 5}, "gmm": {"k": 5}}, genres=genres).metrics
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import PCA, IncrementalPCA
from sklearn.preprocessing import StandardScaler

from musiclust.models.collapse import (
    FLOOR_MARGIN,
    KL_THRESHOLD,
    MIN_ACTIVE,
    VARIANCE_THRESHOLD,
    ActiveDimensions,
    collapse_message,
)
from musiclust.models.registry import get_family
from musiclust.models.train_config import TrainConfig
from musiclust.models.trainer import encode, train
from musiclust.representations.streaming import rebatched

_log = logging.getLogger("musiclust.models")
# The trainer's own settings and defaults, so this API and the pipeline cannot drift apart.
_TRAIN_FIELDS = tuple(f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed")


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


class RawRepresentation:
    """The features themselves, flattened and (by default) standardised per dimension."""

    def __init__(self, *, standardize: bool = True) -> None:
        self.standardize = standardize

    def fit(self, features: np.ndarray, y: Any = None) -> RawRepresentation:
        self._scaler = VectorScaler(self.standardize)
        self._scaler.fit_transform(_flatten(features))
        return self

    def transform(self, features: np.ndarray) -> np.ndarray:
        return self._scaler.transform(_flatten(features))

    def fit_transform(self, features: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(features).transform(features)

    def info(self) -> dict[str, Any]:
        return {"family": "raw"}


class PCARepresentation:
    """PCA of the flattened, standardised features (fewer components if the data allows fewer)."""

    def __init__(self, n_components: int = 32, *, standardize: bool = True, seed: int = 0) -> None:
        self.n_components, self.standardize, self.seed = n_components, standardize, seed

    def fit(self, features: np.ndarray, y: Any = None) -> PCARepresentation:
        self._scaler = VectorScaler(self.standardize)
        vectors = self._scaler.fit_transform(_flatten(features))
        usable = min(self.n_components, *vectors.shape)
        if usable < 1:
            raise ValueError(f"PCA needs at least one track and one dimension, got {vectors.shape}")
        self.pca_ = PCA(n_components=usable, random_state=self.seed).fit(vectors)
        self.batch_rows_ = None
        return self

    def fit_batches(self, batches: Callable[[], Iterable[np.ndarray]], n_rows: int, dim: int,
                    batch_rows: int) -> PCARepresentation:
        """Fit on features too large for memory: ``batches()`` gives a fresh pass over them, a
        batch at a time (``n_rows`` rows of ``dim`` values in all). Standardisation is fitted on a
        first pass (``StandardScaler.partial_fit``), the components on a second (``IncrementalPCA``
        on batches of ``batch_rows``, at least the number of components)."""
        usable = min(self.n_components, n_rows, dim)
        if usable < 1:
            raise ValueError(f"PCA needs at least one track and one dimension, got {(n_rows, dim)}")
        self._scaler = VectorScaler(self.standardize)
        if self.standardize:
            scaler = StandardScaler()
            for batch in batches():
                scaler.partial_fit(_flatten(batch))
            self._scaler.scaler = scaler
        self.batch_rows_ = max(batch_rows, usable)
        self.pca_ = IncrementalPCA(n_components=usable)
        for batch in rebatched((self._scaler.transform(_flatten(b)) for b in batches()), self.batch_rows_):
            self.pca_.partial_fit(batch)
        return self

    def transform(self, features: np.ndarray) -> np.ndarray:
        return self.pca_.transform(self._scaler.transform(_flatten(features))).astype(np.float32)

    def fit_transform(self, features: np.ndarray, y: Any = None) -> np.ndarray:
        return self.fit(features).transform(features)

    def info(self) -> dict[str, Any]:
        ratios = [float(v) for v in self.pca_.explained_variance_ratio_]
        return {"family": "pca", "n_components": len(ratios), "explained_variance_ratio": ratios,
                "explained_variance_total": float(sum(ratios)),
                "incremental_batch_rows": getattr(self, "batch_rows_", None)}


class TrainedRepresentation:
    """What the representations trained by ``musiclust.models.trainer`` share: the training
    settings, training itself, the collapse check and the facts reported by ``info``.

    Training settings are those of ``musiclust.models.TrainConfig`` (same names, same defaults;
    ``beta=None`` takes the family's study default). After ``fit``: ``model_``, ``history_``
    (per epoch), ``latents_``/``logvar_`` of the training rows, ``active_dims_`` and
    ``collapsed_`` (fewer than ``min_active_dims`` active latent dimensions, counted above the
    free-bits floor the model trained with, see ``models.collapse``; logged as a warning with the
    usual remedies).
    """

    def __init__(self, family: str, *, arch: Mapping[str, Any] | None, seed: int, checkpoint_path: str | Path | None,
                 progress: bool, kl_threshold: float, variance_threshold: float, min_active_dims: int, name: str,
                 log: Callable[[str], None] | None, training: Mapping[str, Any],
                 floor_margin: float = FLOOR_MARGIN) -> None:
        unknown = sorted(set(training) - set(_TRAIN_FIELDS))
        if unknown:
            raise TypeError(f"unknown training setting(s) {', '.join(unknown)}; known: {', '.join(_TRAIN_FIELDS)}")
        self.family, self.arch, self.seed = family, dict(arch or {}), seed
        self.checkpoint_path, self.progress, self.name, self.log = checkpoint_path, progress, name or family, log
        self.kl_threshold, self.variance_threshold, self.min_active_dims = kl_threshold, variance_threshold, min_active_dims
        self.floor_margin = floor_margin
        self.training = dict(training)

    def train_config(self) -> TrainConfig:
        settings = dict(self.training)
        if settings.get("beta") is None:
            settings["beta"] = get_family(self.family).default_beta
        settings.setdefault("epochs", 50)
        settings.setdefault("batch_size", 64)
        return TrainConfig(seed=self.seed, **settings)

    def _train(self, data: np.ndarray, labels: np.ndarray | None, arch: Mapping[str, Any]) -> None:
        """Train on the model's input array and keep the results as fitted attributes."""
        self.config_ = self.train_config()
        result = train(self.family, dict(arch), data, labels, self.config_,
                       None if self.checkpoint_path is None else Path(self.checkpoint_path), model_name=self.name,
                       log=self.log, progress=self.progress)
        self.model_, self.history_, self.classes_ = result.model, result.history, result.classes
        self.latents_, self.logvar_, self.resumed_from_epoch_ = result.mu, result.logvar, result.resumed_from_epoch
        self.device_ = result.device
        self.active_dims_: ActiveDimensions = result.active_dimensions(self.kl_threshold, self.variance_threshold,
                                                                       self.floor_margin)
        self.collapsed_ = self.active_dims_.collapsed(self.min_active_dims)
        if self.collapsed_:
            _log.warning("%s", collapse_message(self.name, self.active_dims_, self.min_active_dims))

    def _encode(self, data: np.ndarray, codes: np.ndarray | None = None) -> np.ndarray:
        mu, _ = encode(self.model_, data, codes, self.config_.batch_size, self.device_)
        return mu

    def info(self) -> dict[str, Any]:
        """JSON-friendly facts about the fitted model (for latents metadata and reports)."""
        return {"family": self.family, "beta": self.config_.beta, "seed": self.seed,
                "epochs": int(self.history_["epoch"].max()) if len(self.history_) else 0,
                "training": dataclasses.asdict(self.config_), "device": self.device_,
                "resumed_from_epoch": self.resumed_from_epoch_, **self.active_dims_.as_info(self.min_active_dims)}


class AutoencoderRepresentation(TrainedRepresentation):
    """A model of the autoencoder family (``vae``, ``conv_vae``, ``cvae``, ``conv_ae``) as an estimator.

    See ``TrainedRepresentation`` for the training settings and fitted attributes. Vector
    features are z-scored across tracks (``standardize``); spectrograms go in as they are.
    ``y`` is used only by conditional families (the genre of each row).
    """

    def __init__(self, family: str = "vae", *, arch: Mapping[str, Any] | None = None, standardize: bool = True,
                 seed: int = 0, checkpoint_path: str | Path | None = None, progress: bool = False,
                 kl_threshold: float = KL_THRESHOLD, variance_threshold: float = VARIANCE_THRESHOLD,
                 min_active_dims: int = MIN_ACTIVE, floor_margin: float = FLOOR_MARGIN, name: str = "",
                 log: Callable[[str], None] | None = None, **training: Any) -> None:
        super().__init__(family, arch=arch, seed=seed, checkpoint_path=checkpoint_path, progress=progress,
                         kl_threshold=kl_threshold, variance_threshold=variance_threshold,
                         min_active_dims=min_active_dims, name=name, log=log, training=training,
                         floor_margin=floor_margin)
        self.standardize = standardize

    def _inputs(self, features: np.ndarray, fit: bool) -> np.ndarray:
        features = np.asarray(features, dtype=np.float32)
        if features.ndim != 2:  # spectrograms are standardised per track by the feature stage
            return features
        if fit:
            self._scaler = VectorScaler(self.standardize)
            return self._scaler.fit_transform(features)
        return self._scaler.transform(features)

    def fit(self, features: np.ndarray, y: np.ndarray | None = None) -> AutoencoderRepresentation:
        self._train(self._inputs(features, fit=True), y, self.arch)
        return self

    def transform(self, features: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        """Encoder means of ``features`` (label codes follow ``classes_`` for conditional models)."""
        codes = None
        if y is not None and self.classes_ is not None:
            codes = np.searchsorted(self.classes_, np.asarray(y))
        return self._encode(self._inputs(features, fit=False), codes)

    def fit_transform(self, features: np.ndarray, y: np.ndarray | None = None) -> np.ndarray:
        return self.fit(features, y).latents_
