"""MusiCNN (Pons & Serra, 2019) in PyTorch: the architecture of ``musicnn/models.py``'s
``build_musicnn`` for the MTT_musicnn and MSD_musicnn models, inference only.

Input: log-mel patches ``(batch, 187 frames, 96 bands)``. Tensors are ``(batch, channels,
time, frequency)`` where TensorFlow had ``(batch, time, frequency, channels)``.

- front-end: batch norm of the input, then five convolutions, each ReLU → batch norm → max
  over the remaining frequency axis: two timbral ones (7 frames × 38 and × 67 bands, i.e.
  0.4 and 0.7 of 96; 204 filters each; time zero-padded by 3) and three temporal ones
  (128, 64, 32 frames × 1 band; 51 filters each; TensorFlow's "same" padding, which puts
  the odd padding frame after). Concatenated: 561 channels a frame.
- mid-end: three 1-D convolutions over time (7 frames, 64 filters, ReLU → batch norm), the
  second and third residual; the front-end's and the three outputs concatenated: 753 channels.
- back-end: max and mean over time, interleaved per channel as TensorFlow's flatten of
  ``(753, 2)`` lays them out, batch norm, dense 200 + ReLU, batch norm (the "penultimate"
  features), dense to the 50 tag logits.

Batch norm uses TensorFlow's epsilon (1e-3); dropout is inactive at inference and left out.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

N_FRAMES = 187
N_MELS = 96
_TF_BATCH_NORM_EPSILON = 1e-3


def _norm2d(channels: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(channels, eps=_TF_BATCH_NORM_EPSILON)


def _norm1d(channels: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(channels, eps=_TF_BATCH_NORM_EPSILON)


class _FrequencyPooledConv(nn.Module):
    """Conv2d over (time, frequency) → ReLU → batch norm → max over frequency: ``(B, C, T)``."""

    def __init__(self, filters: int, kernel: tuple[int, int], time_padding: tuple[int, int]):
        super().__init__()
        self.time_padding = time_padding
        self.conv = nn.Conv2d(1, filters, kernel)
        self.norm = _norm2d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, 0, *self.time_padding))
        return self.norm(F.relu(self.conv(x))).amax(dim=3)


def _same_padding(kernel: int) -> tuple[int, int]:
    """TensorFlow's "same" padding at stride 1: the odd frame goes after."""
    return (kernel - 1) // 2, kernel // 2


class Frontend(nn.Module):
    def __init__(self, n_mels: int = N_MELS, width: float = 1.6):
        super().__init__()
        self.input_norm = _norm2d(1)
        timbral_filters, temporal_filters = int(width * 128), int(width * 32)
        self.timbral = nn.ModuleList(
            _FrequencyPooledConv(timbral_filters, (7, int(share * n_mels)), (3, 3)) for share in (0.4, 0.7)
        )
        self.temporal = nn.ModuleList(
            _FrequencyPooledConv(temporal_filters, (length, 1), _same_padding(length)) for length in (128, 64, 32)
        )
        self.channels = 2 * timbral_filters + 3 * temporal_filters

    def forward(self, patches: torch.Tensor) -> torch.Tensor:
        x = self.input_norm(patches.unsqueeze(1))
        return torch.cat([block(x) for block in (*self.timbral, *self.temporal)], dim=1)


class _TimeConv(nn.Module):
    def __init__(self, in_channels: int, filters: int):
        super().__init__()
        self.conv = nn.Conv1d(in_channels, filters, 7, padding=3)
        self.norm = _norm1d(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(F.relu(self.conv(x)))


class Midend(nn.Module):
    def __init__(self, in_channels: int, filters: int = 64):
        super().__init__()
        self.layers = nn.ModuleList([_TimeConv(in_channels, filters), _TimeConv(filters, filters), _TimeConv(filters, filters)])
        self.channels = in_channels + 3 * filters

    def forward(self, frontend: torch.Tensor) -> torch.Tensor:
        first = self.layers[0](frontend)
        second = self.layers[1](first) + first
        third = self.layers[2](second) + second
        return torch.cat([frontend, first, second, third], dim=1)


class Backend(nn.Module):
    def __init__(self, in_channels: int, units: int = 200, n_classes: int = 50):
        super().__init__()
        self.pool_norm = _norm1d(2 * in_channels)
        self.dense = nn.Linear(2 * in_channels, units)
        self.dense_norm = _norm1d(units)
        self.output = nn.Linear(units, n_classes)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(penultimate, logits)``."""
        pooled = torch.stack([x.amax(dim=2), x.mean(dim=2)], dim=2).flatten(1)  # max0, mean0, max1, ...
        penultimate = self.dense_norm(F.relu(self.dense(self.pool_norm(pooled))))
        return penultimate, self.output(penultimate)


class MusiCNN(nn.Module):
    """``forward(patches)`` → ``(penultimate (B, 200), tag logits (B, 50))``; sigmoid of the
    logits is the tagger's output (``taggram``)."""

    def __init__(self, n_mels: int = N_MELS, midend_filters: int = 64, backend_units: int = 200, n_classes: int = 50):
        super().__init__()
        self.frontend = Frontend(n_mels)
        self.midend = Midend(self.frontend.channels, midend_filters)
        self.backend = Backend(self.midend.channels, backend_units, n_classes)

    def forward(self, patches: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.backend(self.midend(self.frontend(patches)))
