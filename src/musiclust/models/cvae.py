"""``cvae``: conditional convolutional VAE (first study, task 3).

Same conv encoder as ``conv_vae``; the decoder input is the concatenation of the latent sample
``z`` and a learned ``embedding_dim``-d (16) embedding of the genre label. The study's encoder
does not see the label ("conditioned implicitly"); ``condition_encoder=True`` also feeds the
embedding to the mean/log-variance heads (concatenated to the flattened conv features).

The latents used for clustering are the encoder means. With the default unconditioned encoder
they do not depend on the label at all, so encoding needs labels only when
``condition_encoder`` is set. Labels are integer codes in ``[0, n_classes)``.

The study trains it with β = 0.5 (``FamilySpec.default_beta`` in the registry).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from .base import parse_arch, require_positive_ints
from .conv_backbone import ConvArch, ConvBackbone


@dataclass(frozen=True)
class CVAEArch(ConvArch):
    """Conv backbone plus the label embedding."""

    embedding_dim: int = 16
    condition_encoder: bool = False

    def validate(self, family: str) -> None:
        super().validate(family)
        require_positive_ints(family, "embedding_dim", (self.embedding_dim,))
        if not isinstance(self.condition_encoder, bool):
            raise ValueError(f"{family}: condition_encoder must be true or false, got {self.condition_encoder!r}")


class ConditionalConvVAE(ConvBackbone):
    """Conv VAE whose decoder (and optionally encoder) is conditioned on a class label."""

    conditional = True

    def __init__(self, input_shape: tuple[int, ...], n_classes: int, arch: CVAEArch, family: str = "cvae") -> None:
        if not isinstance(n_classes, int) or n_classes < 1:
            raise ValueError(f"{family} needs the number of label classes (a positive integer), got {n_classes!r}")
        super().__init__(input_shape, arch, family, decoder_extra=arch.embedding_dim)
        self.n_classes = n_classes
        self.condition_encoder = arch.condition_encoder
        self.embedding = nn.Embedding(n_classes, arch.embedding_dim)
        head_in = self.encoder.feature_size + (arch.embedding_dim if arch.condition_encoder else 0)
        self.fc_mu = nn.Linear(head_in, arch.latent_dim)
        self.fc_logvar = nn.Linear(head_in, arch.latent_dim)

    def _embed(self, labels: Tensor | None, who: str) -> Tensor:
        if labels is None:
            raise ValueError(f"{self.family}: the {who} is conditioned on the genre label; pass labels")
        return self.embedding(labels.long())

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        features = self.encoder(x)
        if self.condition_encoder:
            features = torch.cat([features, self._embed(labels, "encoder")], dim=1)
        return self.fc_mu(features), self.fc_logvar(features)

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.decoder(torch.cat([z, self._embed(labels, "decoder")], dim=1))


def build_cvae(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> ConditionalConvVAE:
    """Registry constructor for ``cvae``; ``n_classes`` is required."""
    if n_classes is None:
        raise ValueError("cvae needs n_classes (the number of genre labels); got None")
    return ConditionalConvVAE(input_shape, n_classes, parse_arch(CVAEArch, arch, "cvae"), family="cvae")
