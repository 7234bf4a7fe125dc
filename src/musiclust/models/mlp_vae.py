"""``vae``: a fully connected VAE on vector features.

The second study's basic VAE on 40-d MFCC statistics (latent 32) and its multi-modal
variant on concatenated audio+text vectors; also the first study's task-1 VAE
(768 → 256 → 128, latent 16, decoder 16 → 256 → 768) via ``decoder_hidden=(256,)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from torch import Tensor, nn

from .base import ACTIVATIONS, LatentAutoencoder, activation_layer, parse_arch, require_positive_ints


@dataclass(frozen=True)
class MLPVAEArch:
    """Architecture of the MLP VAE.

    ``decoder_hidden=None`` mirrors the encoder (reversed ``hidden``).
    """

    latent_dim: int = 32
    hidden: tuple[int, ...] = (256, 128)
    decoder_hidden: tuple[int, ...] | None = None
    activation: str = "relu"

    def validate(self, family: str) -> None:
        require_positive_ints(family, "latent_dim", (self.latent_dim,))
        require_positive_ints(family, "hidden", self.hidden, allow_empty=True)
        if self.decoder_hidden is not None:
            require_positive_ints(family, "decoder_hidden", self.decoder_hidden, allow_empty=True)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"{family}: activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")


def mlp_layers(sizes: list[int], activation: str) -> nn.Sequential:
    """Linear layers with an activation after each (the caller adds the output head)."""
    layers: list[nn.Module] = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(n_in, n_out), activation_layer(activation)]
    return nn.Sequential(*layers)


class MLPVAE(LatentAutoencoder):
    """Gaussian-latent VAE with MLP encoder/decoder on inputs of shape ``(n_features,)``."""

    def __init__(self, input_shape: tuple[int, ...], arch: MLPVAEArch, family: str = "vae") -> None:
        super().__init__()
        if len(input_shape) != 1:
            raise ValueError(
                f"{family} takes vector features of shape (n_features,), got per-sample shape "
                f"{tuple(input_shape)}; flatten the features or use a convolutional family"
            )
        arch.validate(family)
        self.family = family
        self.input_shape = tuple(int(s) for s in input_shape)
        self.latent_dim = arch.latent_dim
        n_features = self.input_shape[0]
        encoder_sizes = [n_features, *arch.hidden]
        decoder_hidden = tuple(reversed(arch.hidden)) if arch.decoder_hidden is None else arch.decoder_hidden
        decoder_sizes = [arch.latent_dim, *decoder_hidden]
        self.encoder = mlp_layers(encoder_sizes, arch.activation)
        self.fc_mu = nn.Linear(encoder_sizes[-1], arch.latent_dim)
        self.fc_logvar = nn.Linear(encoder_sizes[-1], arch.latent_dim)
        self.decoder = mlp_layers(decoder_sizes, arch.activation)
        # Linear output: inputs are standardised, not bounded, so no sigmoid.
        self.output = nn.Linear(decoder_sizes[-1], n_features)

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        hidden = self.encoder(x)
        return self.fc_mu(hidden), self.fc_logvar(hidden)

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        return self.output(self.decoder(z))


def build_mlp_vae(input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> MLPVAE:
    """Registry constructor for ``vae`` (``n_classes`` is ignored)."""
    return MLPVAE(input_shape, parse_arch(MLPVAEArch, arch, "vae"), family="vae")
