"""A mixture-of-Gaussians prior over the latent space, and the ELBO terms it gives (VaDE).

VaDE (Jiang et al., IJCAI 2017) replaces the VAE's N(0, I) prior by
``p(c) = π_c``, ``p(z | c) = N(μ_c, diag σ²_c)`` over ``k`` components. With the encoder's
``q(z | x) = N(μ̃, diag σ̃²)`` and ``q(c | x) ≈ γ_c = p(c | z)`` (the responsibilities of the
component prior for a sample ``z`` of ``q(z | x)``, the paper's eq. 16), the KL term of the
per-track ELBO is

    KL(q(z, c | x) ‖ p(z, c)) = Σ_c γ_c · KL(N(μ̃, σ̃²) ‖ N(μ_c, σ²_c)) + KL(γ ‖ π)
                              = Σ_j Σ_c γ_c · ½ (log σ²_cj − log σ̃²_j + (σ̃²_j + (μ̃_j − μ_cj)²) / σ²_cj − 1)
                                + Σ_c γ_c (log γ_c − log π_c),

which is the paper's eq. 12 less its reconstruction term. The first sum is split per latent
dimension (``kl_per_dim``: what collapse diagnostics and free bits read); the second, the
cluster term, belongs to no dimension.

Parametrisation: the weights are ``π = softmax(logits)``, on the simplex whatever the optimiser
does; the variances are ``exp(logvar)``, positive. Before ``initialise`` (the paper's GMM on
the pre-trained autoencoder's codes) every component is N(0, I) with equal weight, so the KL is
exactly the plain VAE's.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from sklearn.mixture import GaussianMixture
from torch import Tensor, nn

LOG_2PI = math.log(2.0 * math.pi)
# Floor on the GMM's diagonal variances at initialisation (sklearn's reg_covar, in latent units²).
REG_COVAR = 1e-6


class MixturePrior(nn.Module):
    """``k`` diagonal Gaussians in a ``latent_dim``-dimensional space with softmax weights."""

    def __init__(self, n_components: int, latent_dim: int) -> None:
        super().__init__()
        if not isinstance(n_components, int) or n_components < 1:
            raise ValueError(f"the mixture prior needs a positive integer number of components, got {n_components!r}")
        self.n_components, self.latent_dim = n_components, latent_dim
        # Deterministic start (no RNG drawn): the same seed pre-trains the same autoencoder
        # whatever k is, which choosing k by BIC relies on.
        self.logits = nn.Parameter(torch.zeros(n_components))
        self.means = nn.Parameter(torch.zeros(n_components, latent_dim))
        self.logvars = nn.Parameter(torch.zeros(n_components, latent_dim))

    def log_weights(self) -> Tensor:
        """``log π``, shape ``(k,)``."""
        return torch.log_softmax(self.logits, dim=0)

    def weights(self) -> Tensor:
        return torch.softmax(self.logits, dim=0)

    def log_joint(self, z: Tensor) -> Tensor:
        """``log π_c + log N(z; μ_c, σ²_c)`` for every row and component: ``(batch, k)``."""
        diff = z.unsqueeze(1) - self.means.unsqueeze(0)  # (batch, k, d)
        log_density = -0.5 * (LOG_2PI + self.logvars.unsqueeze(0) + diff.pow(2) * torch.exp(-self.logvars).unsqueeze(0))
        return self.log_weights().unsqueeze(0) + log_density.sum(dim=2)

    def log_responsibilities(self, z: Tensor) -> Tensor:
        """``log γ = log p(c | z)``, ``(batch, k)``."""
        return torch.log_softmax(self.log_joint(z), dim=1)

    def responsibilities(self, z: Tensor) -> Tensor:
        return torch.exp(self.log_responsibilities(z))

    def kl_terms(self, mu: Tensor, logvar: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """The KL of ``q(z, c | x)`` to the prior, per track: ``(per_dim (batch, d), cluster (batch,))``.

        ``per_dim[:, j] = Σ_c γ_c KL(N(μ̃_j, σ̃²_j) ‖ N(μ_cj, σ²_cj))`` and ``cluster = KL(γ ‖ π)``,
        with γ the responsibilities of ``z`` (a sample of q, or its mean when encoding).
        """
        log_gamma = self.log_responsibilities(z)
        gamma = torch.exp(log_gamma)  # (batch, k)
        prior_logvar = self.logvars.unsqueeze(0)  # (1, k, d)
        component_kl = 0.5 * (prior_logvar - logvar.unsqueeze(1)
                              + (torch.exp(logvar).unsqueeze(1) + (mu.unsqueeze(1) - self.means.unsqueeze(0)).pow(2))
                              * torch.exp(-prior_logvar) - 1.0)  # (batch, k, d)
        per_dim = (gamma.unsqueeze(2) * component_kl).sum(dim=1)
        cluster = (gamma * (log_gamma - self.log_weights().unsqueeze(0))).sum(dim=1)
        return per_dim, cluster

    @torch.no_grad()
    def initialise(self, weights: np.ndarray, means: np.ndarray, variances: np.ndarray) -> None:
        """Set π, μ_c, σ²_c (e.g. from a GMM fitted on the pre-trained codes)."""
        weights = np.asarray(weights, dtype=np.float64)
        self.logits.copy_(torch.as_tensor(np.log(np.clip(weights, 1e-12, None)), dtype=self.logits.dtype))
        self.means.copy_(torch.as_tensor(np.asarray(means), dtype=self.means.dtype))
        self.logvars.copy_(torch.as_tensor(np.log(np.asarray(variances, dtype=np.float64)), dtype=self.logvars.dtype))


def fit_diagonal_gmm(codes: np.ndarray, n_components: int, seed: int) -> GaussianMixture:
    """The paper's initialisation: a diagonal-covariance GMM on the pre-trained codes (seeded)."""
    codes = np.asarray(codes, dtype=np.float64)
    if len(codes) < n_components:
        raise ValueError(f"a mixture prior of {n_components} components needs at least as many tracks; got {len(codes)}")
    return GaussianMixture(n_components, covariance_type="diag", reg_covar=REG_COVAR, n_init=1,
                           random_state=seed).fit(codes)


def bic_per_k(codes: np.ndarray, k_range: tuple[int, int], seed: int) -> dict[int, float]:
    """BIC of a diagonal GMM on ``codes`` for every k in ``k_range`` (inclusive) that the number
    of tracks allows: what choosing k without labels reads (lower is better)."""
    low, high = int(k_range[0]), int(k_range[1])
    if not 1 <= low <= high:
        raise ValueError(f"k_range must be [low, high] with 1 <= low <= high, got {list(k_range)}")
    ks = [k for k in range(low, high + 1) if k <= len(codes)]
    if not ks:
        raise ValueError(f"k_range {list(k_range)}: every k exceeds the {len(codes)} tracks")
    return {k: float(fit_diagonal_gmm(codes, k, seed).bic(np.asarray(codes, dtype=np.float64))) for k in ks}
