"""The convolutional backbone shared by ``conv_vae``, ``cvae`` and ``conv_ae``.

First study, task 2: log-mels ``1×128×256`` → four stride-2 conv blocks with channels
16 → 32 → 64 → 128 to a ``128×8×16`` map, flattened; the decoder mirrors it with transposed
convolutions from a fully connected layer.

Sizes: every block halves height and width exactly (kernel ``k``, stride 2, padding
``(k-1)//2``; the transposed convolutions double them exactly, with ``output_padding=1``
for odd kernels). An input whose height or width is not a multiple of ``2**n_blocks``
(the second study's ``20×128`` MFCC images with 4 blocks) is **zero-padded at the bottom
and right** up to the next multiple before the encoder, and the decoder output is **cropped
back** to the input size. Inputs are standardised, so zero is the mean value; the loss only
sees the cropped reconstruction, so the padding is never a reconstruction target.

``ConvBackbone`` is the base of the three families: it builds the encoder and a decoder
whose input is the latent plus ``decoder_extra`` conditioning dimensions; a family adds its
latent heads.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch.nn.functional as F
from torch import Tensor, nn

from .base import ACTIVATIONS, LatentAutoencoder, activation_layer, require_positive_ints


@dataclass(frozen=True)
class ConvArch:
    """Architecture of the conv backbone (shared by conv_vae, cvae and conv_ae).

    The number of stride-2 blocks is ``len(channels)``.
    """

    latent_dim: int = 32
    channels: tuple[int, ...] = (16, 32, 64, 128)
    kernel_size: int = 4
    # Off by default, as the studies' backbone; config.yaml's first run turns it on: without it the
    # latent means of the demo's conv VAEs end up one-dimensional (README, "The loss").
    batch_norm: bool = False
    activation: str = "relu"

    def validate(self, family: str) -> None:
        require_positive_ints(family, "latent_dim", (self.latent_dim,))
        require_positive_ints(family, "channels", self.channels)
        if not isinstance(self.kernel_size, int) or self.kernel_size < 2:
            raise ValueError(f"{family}: kernel_size must be an integer >= 2, got {self.kernel_size!r}")
        if not isinstance(self.batch_norm, bool):
            raise ValueError(f"{family}: batch_norm must be true or false, got {self.batch_norm!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"{family}: activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")


def image_shape(input_shape: tuple[int, ...], family: str) -> tuple[int, int, int]:
    """``(channels, height, width)`` of a per-sample shape ``(H, W)`` or ``(C, H, W)``."""
    if len(input_shape) == 2:
        shape = (1, *input_shape)
    elif len(input_shape) == 3:
        shape = tuple(input_shape)
    else:
        raise ValueError(
            f"{family} takes 2-D inputs of shape (height, width) or (channels, height, width), "
            f"got per-sample shape {tuple(input_shape)}; vector features need the 'vae' family"
        )
    if any(int(s) < 1 for s in shape):
        raise ValueError(f"{family}: input shape {tuple(input_shape)} has an empty axis")
    return int(shape[0]), int(shape[1]), int(shape[2])


def _padding(kernel_size: int) -> int:
    # Halves an even size exactly for both parities of the kernel (see module docstring).
    return (kernel_size - 1) // 2


class ConvEncoder(nn.Module):
    """Pads to a multiple of ``2**n_blocks`` and applies the stride-2 conv blocks.

    Output: the flattened feature map, ``(batch, feature_size)``.
    """

    def __init__(self, input_shape: tuple[int, ...], arch: ConvArch, family: str) -> None:
        super().__init__()
        self.in_channels, self.height, self.width = image_shape(input_shape, family)
        self.adds_channel_axis = len(input_shape) == 2
        factor = 2 ** len(arch.channels)
        self.padded_height = math.ceil(self.height / factor) * factor
        self.padded_width = math.ceil(self.width / factor) * factor
        self.feature_shape = (arch.channels[-1], self.padded_height // factor, self.padded_width // factor)
        self.feature_size = math.prod(self.feature_shape)
        layers: list[nn.Module] = []
        n_in = self.in_channels
        for n_out in arch.channels:
            layers.append(
                nn.Conv2d(n_in, n_out, arch.kernel_size, stride=2, padding=_padding(arch.kernel_size),
                          bias=not arch.batch_norm)  # BN has its own shift
            )
            if arch.batch_norm:
                layers.append(nn.BatchNorm2d(n_out))
            layers.append(activation_layer(arch.activation))
            n_in = n_out
        self.blocks = nn.Sequential(*layers)

    def feature_map(self, x: Tensor) -> Tensor:
        """``(batch, *feature_shape)`` before flattening."""
        if self.adds_channel_axis:
            x = x.unsqueeze(1)
        pad_h, pad_w = self.padded_height - self.height, self.padded_width - self.width
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h))  # (left, right, top, bottom): bottom/right only
        return self.blocks(x)

    def forward(self, x: Tensor) -> Tensor:
        return self.feature_map(x).flatten(1)


class ConvDecoder(nn.Module):
    """Fully connected layer to the bottleneck map, transposed conv blocks, crop to input size."""

    def __init__(self, encoder: ConvEncoder, arch: ConvArch, code_size: int) -> None:
        super().__init__()
        self.feature_shape = encoder.feature_shape
        self.out_channels, self.height, self.width = encoder.in_channels, encoder.height, encoder.width
        self.removes_channel_axis = encoder.adds_channel_axis
        self.fc = nn.Linear(code_size, encoder.feature_size)
        k = arch.kernel_size
        output_padding = 1 if k % 2 else 0
        widths = [*reversed(arch.channels), self.out_channels]  # e.g. 128, 64, 32, 16, 1
        layers: list[nn.Module] = [activation_layer(arch.activation)]
        n_blocks = len(arch.channels)
        for index in range(n_blocks):
            is_last = index == n_blocks - 1
            n_in, n_out = widths[index], widths[index + 1]
            layers.append(nn.ConvTranspose2d(n_in, n_out, k, stride=2, padding=_padding(k),
                                             output_padding=output_padding, bias=is_last or not arch.batch_norm))
            if not is_last:
                if arch.batch_norm:
                    layers.append(nn.BatchNorm2d(n_out))
                layers.append(activation_layer(arch.activation))
        # Last layer is linear: inputs are standardised (unbounded), so no sigmoid/tanh.
        self.blocks = nn.Sequential(*layers)

    def forward(self, code: Tensor) -> Tensor:
        x = self.blocks(self.fc(code).view(code.shape[0], *self.feature_shape))
        x = x[:, :, : self.height, : self.width]  # crop the padding added by the encoder
        return x.squeeze(1) if self.removes_channel_axis else x


class ConvBackbone(LatentAutoencoder):
    """Encoder and decoder of the conv families; subclasses add the latent heads."""

    def __init__(self, input_shape: tuple[int, ...], arch: ConvArch, family: str, decoder_extra: int = 0) -> None:
        super().__init__()
        arch.validate(family)
        self.family = family
        self.input_shape = tuple(int(s) for s in input_shape)
        self.latent_dim = arch.latent_dim
        self.encoder = ConvEncoder(self.input_shape, arch, family)
        self.decoder = ConvDecoder(self.encoder, arch, arch.latent_dim + decoder_extra)
