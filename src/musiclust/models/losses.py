"""Loss terms shared by every autoencoder family.

The default is the textbook per-track ELBO, written as the second study writes its loss,
``‖x − x̂‖² + β·KL``:

* **Reconstruction** (``reconstruction="sum"``): the squared error summed over the elements of
  each track's input and averaged over the batch. This is the negative log-likelihood of a
  Gaussian decoder (variance ½) up to a constant, so β weighs KL against the data exactly as
  in the β-VAE literature.
* **KL** to N(0, I) is summed over latent dimensions and averaged over the batch (nats per track).

``reconstruction="mean"`` averages the squared error over every element instead (the scale of
the first study's reported loss curves, about 1.0 on standardised inputs). That divides the
data term by the number of input elements D (32,768 for a 128×256 log-mel), which is the same
as multiplying β by D: the models then collapse to their prior. It is kept, by name, only to
reproduce those curves.

Two standard remedies against posterior collapse are options of ``vae_loss``: a KL weight that
the trainer ramps up over the first epochs (warm-up, Bowman et al. 2016) and *free bits*
(Kingma et al. 2016): each latent dimension's batch-mean KL counts as at least ``free_bits``
nats in the loss, so the optimiser gains nothing by pushing a dimension below it. The KL that
is reported is always the true one.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor

RECONSTRUCTIONS = ("sum", "mean")


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


def reconstruction_error(x_hat: Tensor, x: Tensor, reduction: str = "sum") -> Tensor:
    """Squared error: summed over each track's elements and averaged over tracks (``"sum"``),
    or averaged over every element (``"mean"``); see the module docstring."""
    squared = (x_hat - x).pow(2)
    if reduction == "sum":
        return squared.flatten(1).sum(dim=1).mean()
    if reduction == "mean":
        return squared.mean()
    raise ValueError(f"reconstruction must be one of {', '.join(RECONSTRUCTIONS)}, got {reduction!r}")


class LossTerms(NamedTuple):
    """Scalar loss tensors of one batch; ``total`` is the one to back-propagate.

    ``kl`` is the true KL (nats per track); ``kl_per_dim`` its batch mean per dimension.
    """

    total: Tensor
    reconstruction: Tensor
    kl: Tensor
    kl_per_dim: Tensor | None


def vae_loss(x_hat: Tensor, x: Tensor, mu: Tensor, logvar: Tensor | None, beta: float, *,
             reconstruction: str = "sum", free_bits: float = 0.0) -> LossTerms:
    """``reconstruction + beta * KL``; a deterministic model (``logvar is None``) has KL = 0.

    With ``free_bits > 0`` the KL term that is optimised counts every dimension's batch-mean
    KL as at least ``free_bits`` nats.
    """
    data_term = reconstruction_error(x_hat, x, reconstruction)
    if logvar is None:
        return LossTerms(data_term, data_term, data_term.new_zeros(()), None)
    per_dim = kl_per_dim(mu, logvar).mean(dim=0)
    kl = per_dim.sum()
    optimised_kl = per_dim.clamp(min=free_bits).sum() if free_bits > 0 else kl
    return LossTerms(data_term + beta * optimised_kl, data_term, kl, per_dim)
