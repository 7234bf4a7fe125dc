"""``conv_ae``: the plain convolutional autoencoder baseline (first study, task 3).

Same encoder/decoder backbone as ``conv_vae``, but a deterministic ``latent_dim`` bottleneck
(one linear layer from the flattened feature map) and MSE reconstruction only.

Convention for the latent outputs: the code plays the role of the "mean" (``mu``), and there
is **no log-variance**: ``encode`` returns ``(code, None)``, and the trainer reports
``logvar=None`` and ``kl_per_dim=None`` (KL is 0 in the history). A column of zeros would
claim a unit-variance posterior that does not exist, so downstream tables should simply omit it
(``FamilySpec.variational`` says so ahead of time).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from .base import parse_arch
from .conv_backbone import ConvArch, ConvBackbone


class ConvAutoencoder(ConvBackbone):
    """Deterministic conv autoencoder; per-sample input shape ``(H, W)`` or ``(C, H, W)``."""

    variational = False

    def __init__(self, input_shape: tuple[int, ...], arch: ConvArch, family: str = "conv_ae") -> None:
        super().__init__(input_shape, arch, family)
        self.fc_code = nn.Linear(self.encoder.feature_size, arch.latent_dim)

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, None]:
        return self.fc_code(self.encoder(x)), None

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.decoder(z)


def build_conv_ae(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> ConvAutoencoder:
    """Registry constructor for ``conv_ae`` (``n_classes`` is ignored)."""
    return ConvAutoencoder(input_shape, parse_arch(ConvArch, arch, "conv_ae"), family="conv_ae")
