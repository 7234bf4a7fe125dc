"""Loss terms shared by every autoencoder family.

Convention (the one both studies' reported numbers imply):

* **Reconstruction** is the mean squared error averaged over *every element* (features and
  batch), ``F.mse_loss(x_hat, x, reduction="mean")``. On standardised inputs it starts near
  1.0, which is the scale of the losses the studies report (task 1 of the first study:
  1.07 → 1.00; its conv VAE: 1.21 → 0.55). A per-sample *sum* would give losses in the tens
  of thousands for a 128×256 spectrogram.
* **KL** to N(0, I) is summed over latent dimensions and averaged over the batch (nats per
  sample).
* **Total** = reconstruction + β · KL, so β = 0.5, 1, 4, 10 mean what they meant in the
  studies' code. Relative to the textbook per-sample ELBO this weights KL by an extra factor
  of D (elements per input), i.e. even β = 1 is a strongly regularised model; that is the
  trade-off the studies actually trained, so it is the one reproduced here.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor


def reparameterise(mu: Tensor, logvar: Tensor) -> Tensor:
    """Sample ``z = mu + sigma * eps`` with ``eps ~ N(0, I)`` (the reparameterisation trick).

    The noise comes from the default generator of ``mu``'s device, which the trainer seeds and
    checkpoints, so sampling is reproducible and resumable.
    """
    return mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)


def kl_per_dim(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL(N(mu, exp(logvar)) || N(0, 1)) per sample and latent dimension: shape ``(batch, d)``.

    ``KL = -0.5 * (1 + logvar - mu^2 - exp(logvar))``, in nats.
    """
    return -0.5 * (1.0 + logvar - mu.pow(2) - logvar.exp())


def kl_divergence(mu: Tensor, logvar: Tensor) -> Tensor:
    """KL to the standard normal prior, summed over latent dimensions, mean over the batch."""
    return kl_per_dim(mu, logvar).sum(dim=1).mean()


def reconstruction_mse(x_hat: Tensor, x: Tensor) -> Tensor:
    """Mean squared error over all elements (features and batch); see the module docstring."""
    return F.mse_loss(x_hat, x, reduction="mean")


class LossTerms(NamedTuple):
    """Scalar loss tensors of one batch; ``total`` is the one to back-propagate."""

    total: Tensor
    reconstruction: Tensor
    kl: Tensor


def vae_loss(x_hat: Tensor, x: Tensor, mu: Tensor, logvar: Tensor | None, beta: float) -> LossTerms:
    """``reconstruction + beta * KL``; a deterministic model (``logvar is None``) has KL = 0."""
    reconstruction = reconstruction_mse(x_hat, x)
    if logvar is None:
        kl = reconstruction.new_zeros(())
        return LossTerms(reconstruction, reconstruction, kl)
    kl = kl_divergence(mu, logvar)
    return LossTerms(reconstruction + beta * kl, reconstruction, kl)
