"""``conv_vae``: the convolutional VAE on 2-D time–frequency inputs (log-mels, MFCC images).

The first study's task-2 model and the second study's convolutional VAE; the β-VAE of the
second study is this family trained with a β sweep (``betas:`` in the config), not a family
of its own. The backbone (``conv_backbone``) is shared with ``cvae`` and ``conv_ae``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import Tensor, nn

from .base import parse_arch
from .conv_backbone import ConvArch, ConvBackbone


class ConvVAE(ConvBackbone):
    """Convolutional VAE; per-sample input shape ``(H, W)`` or ``(C, H, W)``."""

    def __init__(self, input_shape: tuple[int, ...], arch: ConvArch, family: str = "conv_vae") -> None:
        super().__init__(input_shape, arch, family)
        self.fc_mu = nn.Linear(self.encoder.feature_size, arch.latent_dim)
        self.fc_logvar = nn.Linear(self.encoder.feature_size, arch.latent_dim)

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        features = self.encoder(x)
        return self.fc_mu(features), self.fc_logvar(features)

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.decoder(z)


def build_conv_vae(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> ConvVAE:
    """Registry constructor for ``conv_vae`` (``n_classes`` is ignored)."""
    return ConvVAE(input_shape, parse_arch(ConvArch, arch, "conv_vae"), family="conv_vae")
