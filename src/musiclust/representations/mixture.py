"""VaDE (a VAE with a mixture-of-Gaussians prior) as a scikit-learn estimator that also clusters.

    from musiclust import MixtureVAERepresentation
    vade = MixtureVAERepresentation("vade", k=8, arch={"latent_dim": 16}, epochs=50)
    latents = vade.fit_transform(mfcc_stats)     # (n, 16) encoder means, like any representation
    vade.labels_                                  # its own clusters: the prior's component per track
    vade.predict_proba(new_tracks)                # responsibilities γ of new tracks

``k``: a number of components, or ``"auto"``: the paper's pre-training is run once, a diagonal
GMM is fitted on its codes for every k of ``k_range``, and the lowest BIC wins (no labels).
Training settings are the other learned estimators' parameters, under the same names and
defaults (``AutoencoderRepresentation``; ``beta=None``: the family's): ``epochs`` are VaDE's,
after the ``arch``'s ``pretrain_epochs`` of autoencoder pre-training (the trainer, its history
and ``kl_warmup_epochs`` count both, from the first; early stopping judges VaDE's own epochs
only, ``models.stopping``). ``n_components`` comes from ``k``.

After ``fit``: ``model_``, ``history_``, ``stopping_``, ``latents_``/``logvar_``,
``responsibilities_`` (n, k), ``labels_``, ``k_``, ``bic_`` (k → BIC when chosen),
``component_sizes_``, ``empty_components_`` (components no track is assigned to: the mixture is
degenerate, logged as a warning), ``active_dims_`` and ``collapsed_``. The KL per latent
dimension that decides which dimensions are active is the KL to the mixture prior (γ-weighted),
not to N(0, I), counted above the free-bits floor (``models.collapse``). ``score(X)`` is the
mean ELBO per track under the mixture prior.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.base import ClusterMixin

from musiclust.models.collapse import (
    FLOOR_MARGIN,
    KL_THRESHOLD,
    MIN_ACTIVE,
    VARIANCE_THRESHOLD,
    ActiveDimensions,
)
from musiclust.models.mixture_prior import bic_per_k
from musiclust.models.registry import get_family
from musiclust.models.train_config import TrainConfig
from musiclust.models.trainer import TrainResult, train
from musiclust.representations.estimators import _PCA, _TRAINING, AutoencoderRepresentation
from musiclust.representations.registry import MIXTURE_FAMILIES

_log = logging.getLogger("musiclust.models")


def mixture_kl_per_dim(model: torch.nn.Module, mu: np.ndarray, logvar: np.ndarray) -> np.ndarray:
    """Mean over tracks of the γ-weighted KL to the mixture prior, per latent dimension (γ at the mean)."""
    with torch.no_grad():
        mu_t, logvar_t = torch.from_numpy(mu).float(), torch.from_numpy(logvar).float()
        prior = model.prior.cpu() if next(model.parameters()).device.type != "cpu" else model.prior
        per_dim, _ = prior.kl_terms(mu_t, logvar_t, mu_t)
    return per_dim.double().mean(dim=0).numpy()


def degenerate_components(labels: np.ndarray, n_components: int) -> tuple[list[int], list[int]]:
    """``(tracks per component, components with no track)``."""
    sizes = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_components)
    return [int(s) for s in sizes], [int(c) for c in np.flatnonzero(sizes == 0)]


class MixtureVAERepresentation(ClusterMixin, AutoencoderRepresentation):
    """``vade`` (vectors) or ``conv_vade`` (log-mels, MFCC images): see the module docstring."""

    def __init__(self, family: str = "vade", *, k: int | str = 8, k_range: tuple[int, int] = (2, 10),
                 arch: Mapping[str, Any] | None = None, standardize: bool = _PCA["standardize"], seed: int = 0,
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

    # ------------------------------------------------------------------ validation

    def _arch(self) -> dict[str, Any]:
        """``arch`` checked (in ``fit``), without the components (``k`` gives them)."""
        if self.family not in MIXTURE_FAMILIES:
            raise ValueError(f"family must be one of {', '.join(MIXTURE_FAMILIES)}, got {self.family!r}")
        if not (self.k == "auto" or (isinstance(self.k, int) and not isinstance(self.k, bool) and self.k >= 1)):
            raise ValueError(f"k must be a positive integer or 'auto', got {self.k!r}")
        arch = dict(self.arch or {})
        if "n_components" in arch:
            raise ValueError(f"{self.family}: give the number of components as k, not arch.n_components")
        return arch

    def train_config(self) -> TrainConfig:
        """The parameters' ``TrainConfig``, its ``epochs`` counting the pre-training's too (the trainer counts every epoch)."""
        config = super().train_config()
        pretrain = get_family(self.family).normalise_arch(self._arch())["pretrain_epochs"]
        return dataclasses.replace(config, epochs=config.epochs + pretrain)

    # ------------------------------------------------------------------ fitting

    def _choose_k(self, data: np.ndarray, config: TrainConfig, arch: dict[str, Any]) -> int:
        """Pre-train once (the same epochs the full run starts with), BIC of a diagonal GMM on the
        codes of the training rows for every k of ``k_range``; the lowest wins."""
        if self.k != "auto":
            self.bic_ = None
            return int(self.k)
        pretrain = get_family(self.family).normalise_arch(arch)["pretrain_epochs"]
        probe = train(self.family, {**arch, "n_components": 1}, data, None,
                      dataclasses.replace(config, epochs=pretrain), None, model_name=f"{self.name or self.family} (k)",
                      log=self.log, progress=self.progress)
        self.bic_ = bic_per_k(probe.mu[~probe.holdout], tuple(self.k_range), self.seed)
        chosen = min(self.bic_, key=self.bic_.get)
        if self.log:
            self.log(f"{self.name or self.family}: k = {chosen} by BIC over k_range {list(self.k_range)} "
                     f"({', '.join(f'{k}: {b:.1f}' for k, b in self.bic_.items())})")
        return chosen

    def _active_dimensions(self, result: TrainResult) -> ActiveDimensions:
        """Above the free-bits floor it trained with, as every family, with the KL to the mixture prior."""
        kl = mixture_kl_per_dim(result.model, result.mu, result.logvar)
        return ActiveDimensions(result.mu.shape[1], kl, result.mu.astype(np.float64).var(axis=0), self.kl_threshold,
                                self.variance_threshold, float(result.free_bits), float(self.floor_margin))

    def fit(self, features: np.ndarray, y: Any = None) -> MixtureVAERepresentation:
        """Train on ``features`` ``(n_tracks, *shape)``; ``y`` is ignored (unsupervised)."""
        arch = self._arch()
        data = self._inputs(features, fit=True)
        self.k_ = self._choose_k(data, self.train_config(), arch)
        self._train(data, None, {**arch, "n_components": self.k_})
        self.responsibilities_ = self._responsibilities(self.latents_)
        self.labels_ = self.responsibilities_.argmax(axis=1).astype(np.int32)
        self.component_sizes_, self.empty_components_ = degenerate_components(self.labels_, self.k_)
        if self.empty_components_:
            _log.warning("%s: degenerate mixture: %d of %d components have no track (components %s; tracks per "
                         "component %s). Fewer clusters than k: try fewer components, more pre-training epochs or "
                         "a lower learning rate.", self.name or self.family, len(self.empty_components_), self.k_,
                         self.empty_components_, self.component_sizes_)
        return self

    # ------------------------------------------------------------------ using it

    def _responsibilities(self, mu: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            prior = self.model_.prior
            return prior.responsibilities(torch.from_numpy(mu).to(prior.logits.device).float()).cpu().double().numpy()

    def fit_transform(self, features: np.ndarray, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(features).latents_

    def predict_proba(self, features: np.ndarray) -> np.ndarray:
        """Responsibilities γ (n, k) of the mixture's components, at each track's encoder mean."""
        return self._responsibilities(self.transform(features))

    def predict(self, features: np.ndarray) -> np.ndarray:
        """The most responsible component of each track."""
        return self.predict_proba(features).argmax(axis=1).astype(np.int32)

    def fit_predict(self, features: np.ndarray, y: Any = None, **fit_params: Any) -> np.ndarray:
        return self.fit(features).labels_

    def info(self) -> dict[str, Any]:
        """JSON-friendly facts (latents metadata): the trained model's and the mixture's."""
        facts = super().info()  # (raises NotFittedError before fit)
        weights = self.model_.prior.weights().detach().cpu().double().numpy()
        return {**facts, "pretrain_epochs": int(self.model_.pretrain_epochs), "k_asked": self.k,
                "n_components": int(self.k_),
                "k_bic": None if self.bic_ is None else {str(k): v for k, v in self.bic_.items()},
                "mixture_weights": [float(w) for w in weights], "component_sizes": self.component_sizes_,
                "empty_components": self.empty_components_, "degenerate_mixture": bool(self.empty_components_)}
