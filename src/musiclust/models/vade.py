"""``vade`` and ``conv_vade``: VAEs whose prior is a mixture of Gaussians (VaDE, Jiang et al. 2017).

The MLP VAE (``vae``) and the convolutional VAE (``conv_vae``) with a ``MixturePrior`` of
``n_components`` diagonal Gaussians in place of N(0, I); the posterior responsibilities of its
components are the model's own clusters (``predict``-like: ``assign``).

Training follows the paper, inside the shared trainer (so seeding, checkpoints, resume,
held-out scores and divergence checks are those of every family):

1. **Pre-training**, the first ``pretrain_epochs`` epochs the trainer runs: the network as a
   plain autoencoder (the decoder reads the encoder mean, the loss is the reconstruction alone).
   The estimator (``representations.mixture``) adds them to the configured ``epochs``.
2. **Initialisation**, at the end of the last pre-training epoch: a diagonal GMM (seeded) on the
   encoder means of the training tracks sets π, μ_c and σ²_c; Adam's moments are reset, as the
   paper starts VaDE training with a fresh optimiser. One step beyond the paper: the encoder's
   log-variance head, which the autoencoder never trained, is set to give every track the
   components' mean variance (weights 0, bias ``mean_c log σ²_c``). Left as it was (σ̃² ≈ 1
   against components of variance ~0.01 on the codes of a short pre-training) the first VaDE
   epochs start with a KL of hundreds of nats whose gradients tear the GMM's clusters apart
   (3 blobs: ARI 0.97 at the initialisation, 0.75 after 20 epochs; 0.82 with this start).
3. **VaDE**, the remaining epochs: reconstruction + β·KL with the mixture prior's KL
   (``mixture_prior``; free bits apply to its per-dimension part).

The phase is a function of the epoch and the prior lives in the weights, so a run resumed at
any epoch, the initialisation included, continues bit-identically.

The trainer calls the hooks ``begin_epoch``, ``loss_terms``, ``end_epoch`` and ``prior_kl``
when a model has them (``trainer``); other families have none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .base import AutoencoderOutput, parse_arch, require_positive_ints
from .conv_backbone import ConvArch
from .conv_vae import ConvVAE
from .losses import LossTerms, reconstruction_error, reparameterise
from .mixture_prior import MixturePrior, fit_diagonal_gmm
from .mlp_vae import MLPVAE, MLPVAEArch


def _validate_mixture(family: str, n_components: int, pretrain_epochs: int) -> None:
    require_positive_ints(family, "n_components", (n_components,))
    require_positive_ints(family, "pretrain_epochs", (pretrain_epochs,))


@dataclass(frozen=True)
class VaDEArch(MLPVAEArch):
    """The MLP VAE's architecture plus the prior's ``n_components`` (k) and the pre-training."""

    n_components: int = 8
    pretrain_epochs: int = 10

    def validate(self, family: str) -> None:
        super().validate(family)
        _validate_mixture(family, self.n_components, self.pretrain_epochs)


@dataclass(frozen=True)
class ConvVaDEArch(ConvArch):
    """The conv backbone's architecture plus the prior's ``n_components`` (k) and the pre-training."""

    n_components: int = 8
    pretrain_epochs: int = 10

    def validate(self, family: str) -> None:
        super().validate(family)
        _validate_mixture(family, self.n_components, self.pretrain_epochs)


class MixturePriorHooks:
    """What the mixture prior adds to a VAE: the phases, the loss and the clusters."""

    prior: MixturePrior
    pretrain_epochs: int
    pretraining: bool

    def _setup_prior(self, arch: VaDEArch | ConvVaDEArch, latent_dim: int) -> None:
        self.prior = MixturePrior(arch.n_components, latent_dim)
        self.pretrain_epochs = arch.pretrain_epochs
        self.pretraining = False  # eval/encode outside training: the VaDE model

    @property
    def n_components(self) -> int:
        return self.prior.n_components

    # ------------------------------------------------------------------ trainer hooks

    def begin_epoch(self, epoch: int) -> None:
        self.pretraining = epoch <= self.pretrain_epochs

    def forward(self, x: Tensor, labels: Tensor | None = None) -> AutoencoderOutput:
        mu, logvar = self.encode(x, labels)  # type: ignore[attr-defined]
        sample = self.training and not self.pretraining  # pre-training: an autoencoder on the mean
        z = reparameterise(mu, logvar) if sample else mu
        return AutoencoderOutput(self.decode(z, labels), mu, logvar, z)  # type: ignore[attr-defined]

    def loss_terms(self, output: AutoencoderOutput, x: Tensor, beta: float, *, reconstruction: str,
                   free_bits: float) -> LossTerms:
        data_term = reconstruction_error(output.reconstruction, x, reconstruction)
        if self.pretraining:
            return LossTerms(data_term, data_term, data_term.new_zeros(()), None)
        per_dim, cluster = self.prior.kl_terms(output.mu, output.logvar, output.z)
        per_dim = per_dim.mean(dim=0)
        cluster_kl = cluster.mean()
        kl = per_dim.sum() + cluster_kl
        optimised = per_dim.clamp(min=free_bits).sum() + cluster_kl if free_bits > 0 else kl
        return LossTerms(data_term + beta * optimised, data_term, kl, per_dim)

    def end_epoch(self, epoch: int, codes: Callable[[], np.ndarray], seed: int) -> bool:
        """After the last pre-training epoch, initialise the prior from a GMM on the codes of the
        training tracks; True tells the trainer to reset the optimiser's moments."""
        if epoch != self.pretrain_epochs:
            return False
        gmm = fit_diagonal_gmm(codes(), self.n_components, seed)
        self.prior.initialise(gmm.weights_, gmm.means_, gmm.covariances_)
        with torch.no_grad():  # the posterior starts as narrow as the components (module docstring)
            self.fc_logvar.weight.zero_()  # type: ignore[attr-defined]
            self.fc_logvar.bias.copy_(self.prior.logvars.mean(dim=0))  # type: ignore[attr-defined]
        return True

    def prior_kl(self, mu: Tensor, logvar: Tensor, z: Tensor) -> Tensor:
        """Per-track KL to the mixture prior (held-out scores)."""
        per_dim, cluster = self.prior.kl_terms(mu, logvar, z)
        return per_dim.sum(dim=1) + cluster

    # ------------------------------------------------------------------ clusters

    @torch.no_grad()
    def responsibilities(self, mu: Tensor) -> Tensor:
        """γ at the encoder mean (deterministic): ``(batch, k)``."""
        return self.prior.responsibilities(mu)


class VaDE(MixturePriorHooks, MLPVAE):
    """MLP VAE with a mixture-of-Gaussians prior; inputs ``(n_features,)``."""

    def __init__(self, input_shape: tuple[int, ...], arch: VaDEArch, family: str = "vade") -> None:
        super().__init__(input_shape, arch, family)
        self._setup_prior(arch, arch.latent_dim)


class ConvVaDE(MixturePriorHooks, ConvVAE):
    """Convolutional VAE with a mixture-of-Gaussians prior; inputs ``(H, W)`` or ``(C, H, W)``."""

    def __init__(self, input_shape: tuple[int, ...], arch: ConvVaDEArch, family: str = "conv_vade") -> None:
        super().__init__(input_shape, arch, family)
        self._setup_prior(arch, arch.latent_dim)


def build_vade(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> VaDE:
    """Registry constructor for ``vade`` (``n_classes`` is ignored)."""
    return VaDE(input_shape, parse_arch(VaDEArch, arch, "vade"), family="vade")


def build_conv_vade(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> ConvVaDE:
    """Registry constructor for ``conv_vade`` (``n_classes`` is ignored)."""
    return ConvVaDE(input_shape, parse_arch(ConvVaDEArch, arch, "conv_vade"), family="conv_vade")
