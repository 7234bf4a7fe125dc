"""``multimodal_vae``: audio and text encoders into one latent, for tracks with or without text.

One encoder per modality (an MLP for vector audio, the conv backbone's encoder for 2-D/3-D
audio; an MLP for text), one decoder per modality from the shared latent. Two fusions:

* ``concat`` (the second study's): both encoders' features concatenated before the latent
  heads. A track without text gets a learned "missing text" feature vector in place of the
  text encoder's output.
* ``poe``: a product of Gaussian experts (Wu & Goodman 2018): each present modality gives
  ``(mu_m, logvar_m)``, the prior N(0, I) is one more expert, and the posterior has precision
  ``T = 1 + Σ_m present_m·exp(−logvar_m)``, mean ``Σ_m present_m·mu_m·exp(−logvar_m) / T`` and
  ``logvar = −log T``. A track without text is encoded by its audio expert and the prior alone.
  Each expert's log-variance is clamped to ``±POE_LOGVAR_LIMIT`` first, so that an extreme one
  cannot overflow its precision (``exp(88)`` is float32's largest).

**Packed input.** To go through the shared trainer (seeding, checkpoints, resume, held-out
scores) unchanged, a track is one vector ``[audio flattened | text (text_dim) | text_present]``
(``pack_inputs``); the architecture records ``audio_shape`` and ``text_dim`` so a checkpoint
rebuilds the model. The text slot of a track without text is never read: the text encoder
runs only on rows that have text (any finite values may sit in that slot).

**Modality dropout** (training mode only): each track's text is hidden from the encoder with
probability ``modality_dropout``; with ``poe`` a track that has text may instead have its
audio hidden with the same probability (never both), which trains each expert to stand alone.
The draws come from torch's default generator on the input's device, which the trainer seeds
and checkpoints, so they are reproducible and resumable.

**Masked reconstruction.** ``forward`` (and ``reconstruct``, used for held-out scores) returns
the input's own values in the text slot of a track without text and in the presence slot, so
the summed squared error of the shared loss counts only the elements that exist.
``observed_elements`` gives their number per track, for the held-out ELBO's constant.

**Weighing the modalities.** The summed squared error weighs each modality by its number of
elements: a 384-d text embedding against 40 MFCC statistics counts ten to one, and the latent
then follows the text. ``text_weight`` multiplies the text's squared error (1: the plain ELBO,
as the second study; ``audio_size / text_dim``: both modalities count the same). It scales the
text residual by ``√text_weight`` inside ``reconstruct``, so the loss and held-out scores see
the weighted error. Weighing the text's squared error by ``w`` makes its Gaussian decoder's
variance ``1/(2w)``, whose normalising term ``½·log(π/w)`` per text element
``log_normaliser`` gives, so the held-out ELBO is that of the weighted likelihood and models of
different weights compare.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .base import ACTIVATIONS, AutoencoderOutput, LatentAutoencoder, activation_layer, parse_arch, require_positive_ints
from .conv_backbone import ConvArch, ConvDecoder, ConvEncoder
from .losses import reparameterise
from .mlp_vae import mlp_layers

FAMILY = "multimodal_vae"
FUSIONS = ("poe", "concat")
# Experts' log-variances are clamped to ±this before their precisions exp(−logvar) are taken:
# exp(20) ≈ 5e8 stays far from float32's overflow even summed and multiplied by a mean.
POE_LOGVAR_LIMIT = 20.0


@dataclass(frozen=True)
class MultimodalArch:
    """Architecture of the multimodal VAE.

    ``audio_hidden`` is used when ``audio_shape`` is a vector, ``audio_channels`` (and
    ``audio_kernel_size``) when it is 2-D ``(H, W)`` or 3-D ``(C, H, W)``; decoders mirror the
    encoders. ``audio_shape`` and ``text_dim`` describe the packed input; the estimator fills
    them from the arrays. ``modality_dropout``: per-track probability of hiding a modality
    from the encoder while training (at most 0.5, since text and audio are never both hidden).
    """

    latent_dim: int = 32
    fusion: str = "poe"
    audio_hidden: tuple[int, ...] = (256, 128)
    audio_channels: tuple[int, ...] = (16, 32, 64, 128)
    audio_kernel_size: int = 4
    text_hidden: tuple[int, ...] = (256, 128)
    modality_dropout: float = 0.3
    text_weight: float = 1.0
    activation: str = "relu"
    audio_shape: tuple[int, ...] = ()
    text_dim: int = 0

    def validate(self, family: str) -> None:
        require_positive_ints(family, "latent_dim", (self.latent_dim,))
        if self.fusion not in FUSIONS:
            raise ValueError(f"{family}: fusion must be one of {', '.join(FUSIONS)}, got {self.fusion!r}")
        require_positive_ints(family, "audio_hidden", self.audio_hidden, allow_empty=True)
        require_positive_ints(family, "audio_channels", self.audio_channels)
        if not isinstance(self.audio_kernel_size, int) or self.audio_kernel_size < 2:
            raise ValueError(f"{family}: audio_kernel_size must be an integer >= 2, got {self.audio_kernel_size!r}")
        require_positive_ints(family, "text_hidden", self.text_hidden, allow_empty=True)
        if isinstance(self.modality_dropout, bool) or not isinstance(self.modality_dropout, (int, float)) \
                or not 0 <= self.modality_dropout <= 0.5:
            raise ValueError(f"{family}: modality_dropout must be a probability in [0, 0.5] (text and audio are "
                             f"never both hidden), got {self.modality_dropout!r}")
        if isinstance(self.text_weight, bool) or not isinstance(self.text_weight, (int, float)) \
                or not self.text_weight > 0:
            raise ValueError(f"{family}: text_weight must be a positive number (1: the plain ELBO), "
                             f"got {self.text_weight!r}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"{family}: activation must be one of {', '.join(ACTIVATIONS)}, got {self.activation!r}")
        if len(self.audio_shape) not in (1, 2, 3):
            raise ValueError(f"{family}: audio_shape must be the per-track audio shape, (n,), (H, W) or (C, H, W), "
                             f"got {self.audio_shape!r} (MultimodalRepresentation fills it from the audio array)")
        require_positive_ints(family, "audio_shape", self.audio_shape)
        require_positive_ints(family, "text_dim", (self.text_dim,))

    @property
    def audio_size(self) -> int:
        return math.prod(self.audio_shape)

    @property
    def packed_size(self) -> int:
        """Length of a packed track: audio, text, and the text-presence flag."""
        return self.audio_size + self.text_dim + 1


def pack_inputs(audio: np.ndarray, text: np.ndarray, text_present: np.ndarray) -> np.ndarray:
    """``[audio flattened | text | presence]`` per row, float32.

    The caller chooses what sits in the text slot of a row without text (it is never read).
    """
    audio = np.asarray(audio, dtype=np.float32)
    flag = np.asarray(text_present, dtype=np.float32).reshape(-1, 1)
    return np.concatenate([audio.reshape(len(audio), -1), np.asarray(text, dtype=np.float32), flag], axis=1)


def _mlp_decoder(latent_dim: int, hidden: tuple[int, ...], size: int, activation: str) -> nn.Sequential:
    sizes = [latent_dim, *reversed(hidden)]
    # Linear output: inputs are standardised, not bounded.
    return nn.Sequential(*mlp_layers(sizes, activation), nn.Linear(sizes[-1], size))


def _product_of_experts(experts: list[tuple[Tensor, Tensor, Tensor]]) -> tuple[Tensor, Tensor]:
    """Gaussian posterior of the prior N(0, I) times each ``(mu, logvar, present)`` expert."""
    precision = torch.ones_like(experts[0][0])
    weighted_mean = torch.zeros_like(experts[0][0])
    for mu, logvar, present in experts:
        # where, not a product: a hidden expert contributes exactly nothing.
        logvar = logvar.clamp(-POE_LOGVAR_LIMIT, POE_LOGVAR_LIMIT)
        expert_precision = torch.where(present.unsqueeze(1), torch.exp(-logvar), torch.zeros_like(logvar))
        precision = precision + expert_precision
        weighted_mean = weighted_mean + expert_precision * mu
    return weighted_mean / precision, -torch.log(precision)


class MultimodalVAE(LatentAutoencoder):
    """Audio + text VAE on packed inputs of shape ``(packed_size,)``; see the module docstring."""

    def __init__(self, input_shape: tuple[int, ...], arch: MultimodalArch, family: str = FAMILY) -> None:
        super().__init__()
        arch.validate(family)
        if tuple(input_shape) != (arch.packed_size,):
            raise ValueError(
                f"{family} takes packed vectors [audio {arch.audio_size} | text {arch.text_dim} | presence 1] of "
                f"shape ({arch.packed_size},) for audio_shape {arch.audio_shape} and text_dim {arch.text_dim}; got "
                f"per-sample shape {tuple(input_shape)} (pack the modalities with pack_inputs)")
        self.family, self.arch = family, arch
        self.input_shape = (arch.packed_size,)
        self.latent_dim = arch.latent_dim
        self.fusion, self.modality_dropout = arch.fusion, float(arch.modality_dropout)
        self.text_weight = float(arch.text_weight)
        self.audio_shape, self.audio_size, self.text_dim = tuple(arch.audio_shape), arch.audio_size, arch.text_dim

        if len(arch.audio_shape) == 1:
            self.audio_encoder: nn.Module = mlp_layers([arch.audio_size, *arch.audio_hidden], arch.activation)
            audio_features = arch.audio_hidden[-1] if arch.audio_hidden else arch.audio_size
            self.audio_decoder: nn.Module = _mlp_decoder(arch.latent_dim, arch.audio_hidden, arch.audio_size,
                                                         arch.activation)
        else:
            conv = ConvArch(latent_dim=arch.latent_dim, channels=arch.audio_channels,
                            kernel_size=arch.audio_kernel_size, activation=arch.activation)
            encoder = ConvEncoder(self.audio_shape, conv, family)
            self.audio_encoder, audio_features = encoder, encoder.feature_size
            self.audio_decoder = ConvDecoder(encoder, conv, arch.latent_dim)
        self.text_encoder = mlp_layers([arch.text_dim, *arch.text_hidden], arch.activation)
        text_features = arch.text_hidden[-1] if arch.text_hidden else arch.text_dim
        self.text_decoder = _mlp_decoder(arch.latent_dim, arch.text_hidden, arch.text_dim, arch.activation)

        if arch.fusion == "poe":
            self.audio_mu = nn.Linear(audio_features, arch.latent_dim)
            self.audio_logvar = nn.Linear(audio_features, arch.latent_dim)
            self.text_mu = nn.Linear(text_features, arch.latent_dim)
            self.text_logvar = nn.Linear(text_features, arch.latent_dim)
        else:
            # What the heads see for a track without text (or with its text dropped): learned.
            self.missing_text = nn.Parameter(torch.zeros(text_features))
            self.fc_mu = nn.Linear(audio_features + text_features, arch.latent_dim)
            self.fc_logvar = nn.Linear(audio_features + text_features, arch.latent_dim)

    # ------------------------------------------------------------------ packed input

    def split(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``(audio (batch, *audio_shape), text (batch, text_dim), text_present (batch,) bool)``."""
        audio = x[:, : self.audio_size].reshape(len(x), *self.audio_shape)
        text = x[:, self.audio_size: self.audio_size + self.text_dim]
        return audio, text, x[:, -1] > 0.5

    def visible_modalities(self, text_present: Tensor) -> tuple[Tensor, Tensor]:
        """``(audio_visible, text_visible)`` per track: modality dropout in training mode only."""
        audio_visible = torch.ones_like(text_present)
        if not self.training or self.modality_dropout == 0:
            return audio_visible, text_present
        draw = torch.rand(text_present.shape, device=text_present.device)  # default generator: seeded, checkpointed
        text_visible = text_present & (draw >= self.modality_dropout)
        if self.fusion == "poe":
            # Only a track whose text stays visible can lose its audio: never both hidden.
            audio_visible = ~(text_present & (draw >= self.modality_dropout) & (draw < 2 * self.modality_dropout))
        return audio_visible, text_visible

    def _text_features(self, text: Tensor, text_visible: Tensor) -> tuple[Tensor, Tensor]:
        """Text encoder output for the rows whose text is visible only, and those rows' indices."""
        rows = torch.nonzero(text_visible, as_tuple=True)[0]
        return self.text_encoder(text.index_select(0, rows)), rows

    # ------------------------------------------------------------------ encoder

    def experts(self, x: Tensor) -> dict[str, tuple[Tensor, Tensor, Tensor]]:
        """(poe) Each expert's ``(mu, logvar, visible)``; a hidden text expert's rows are zeros."""
        if self.fusion != "poe":
            raise ValueError(f"{self.family}: experts exist only with fusion 'poe', not {self.fusion!r}")
        audio, text, text_present = self.split(x)
        audio_visible, text_visible = self.visible_modalities(text_present)
        audio_features = self.audio_encoder(audio)
        experts = {"audio": (self.audio_mu(audio_features), self.audio_logvar(audio_features), audio_visible)}
        features, rows = self._text_features(text, text_visible)
        zeros = x.new_zeros(len(x), self.latent_dim)
        experts["text"] = (zeros.index_copy(0, rows, self.text_mu(features)),
                           zeros.index_copy(0, rows, self.text_logvar(features)), text_visible)
        return experts

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if self.fusion == "poe":
            return _product_of_experts(list(self.experts(x).values()))
        audio, text, text_present = self.split(x)
        _, text_visible = self.visible_modalities(text_present)
        features, rows = self._text_features(text, text_visible)
        text_features = self.missing_text.expand(len(x), -1).index_copy(0, rows, features)
        joint = torch.cat([self.audio_encoder(audio), text_features], dim=1)
        return self.fc_mu(joint), self.fc_logvar(joint)

    # ------------------------------------------------------------------ decoder

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Packed reconstruction: decoded audio and text, presence slot 0."""
        audio = self.audio_decoder(z).reshape(len(z), -1)
        return torch.cat([audio, self.text_decoder(z), z.new_zeros(len(z), 1)], dim=1)

    def reconstruct(self, x: Tensor, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """``decode(z)`` with what does not exist copied from ``x`` (detached): the text of a
        track without text and the presence flag, so their squared error is exactly zero."""
        decoded = self.decode(z, labels)
        kept = x.detach()
        text_slot = slice(self.audio_size, self.audio_size + self.text_dim)
        text_present = self.split(x)[2].unsqueeze(1)
        text = torch.where(text_present, decoded[:, text_slot], kept[:, text_slot])
        if self.text_weight != 1.0:  # the squared error of the text, times text_weight
            text = kept[:, text_slot] + math.sqrt(self.text_weight) * (text - kept[:, text_slot])
        return torch.cat([decoded[:, : self.audio_size], text, kept[:, -1:]], dim=1)

    def observed_elements(self, x: Tensor) -> Tensor:
        """Per track, how many input elements exist: the audio, plus the text if present."""
        return self.audio_size + self.text_dim * self.split(x)[2].to(x.dtype)

    def log_normaliser(self, x: Tensor) -> Tensor:
        """Per track, the normalising term (nats) of the Gaussian likelihood whose negative log
        is the weighted squared error: ½·log π per audio element (variance ½) and ½·log(π/w)
        per text element of a track with text (variance 1/(2w), ``w = text_weight``)."""
        present = self.split(x)[2].to(x.dtype)
        return 0.5 * math.log(math.pi) * self.observed_elements(x) \
            - 0.5 * math.log(self.text_weight) * self.text_dim * present

    def forward(self, x: Tensor, labels: Tensor | None = None) -> AutoencoderOutput:
        mu, logvar = self.encode(x, labels)
        z = reparameterise(mu, logvar) if self.training else mu
        return AutoencoderOutput(self.reconstruct(x, z, labels), mu, logvar, z)


def build_multimodal_vae(input_shape: tuple[int, ...], n_classes: int | None,
                         arch: Mapping[str, Any] | None) -> MultimodalVAE:
    """Registry constructor for ``multimodal_vae`` (``n_classes`` is ignored)."""
    return MultimodalVAE(input_shape, parse_arch(MultimodalArch, arch, FAMILY), family=FAMILY)
