"""Training settings (``TrainConfig``) and the torch environment a run trains in.

``TrainConfig`` holds every setting that changes what training computes, validated on
construction; ``resolve_device`` and ``torch_settings`` decide where and how it runs (device,
threads, deterministic algorithms), restoring the global state afterwards.
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from musiclust.defaults import defaults

from .losses import RECONSTRUCTIONS

# The config's `training:` defaults (schemas/config.schema.yaml), the one place they are written.
_DEFAULTS = defaults("training")


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the message names the model, epoch and likely causes."""


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and loss settings of one training run (Adam).

    ``reconstruction``: ``"sum"`` (per-track ELBO) or ``"mean"`` (per element; see ``losses``).
    ``kl_warmup_epochs``: β ramps linearly from β/W in epoch 1 to β in epoch W.
    ``free_bits``: per-dimension KL floor in nats (0: off, the default).
    ``holdout_fraction``: share of rows (seeded) left out of training and scored every epoch.
    ``early_stopping``: ``epochs`` becomes a maximum: stop once the held-out negative ELBO has
    not improved for ``patience`` epochs and keep the best epoch's weights (``stopping``);
    needs ``holdout_fraction > 0``. Off: every one of ``epochs`` is trained (the studies').
    ``min_steps``: with early stopping, optimiser steps taken before it may stop (on a small
    dataset an epoch is one step, and patience alone would stop in the first tens of steps).
    """

    epochs: int = _DEFAULTS["epochs"]
    batch_size: int = _DEFAULTS["batch_size"]
    learning_rate: float = _DEFAULTS["learning_rate"]
    beta: float = _DEFAULTS["beta"]
    reconstruction: str = _DEFAULTS["reconstruction"]
    kl_warmup_epochs: int = _DEFAULTS["kl_warmup_epochs"]
    free_bits: float = _DEFAULTS["free_bits"]  # README, "The loss": defaults chosen by held-out ELBO and effective dimensions
    holdout_fraction: float = _DEFAULTS["holdout_fraction"]
    seed: int = 0
    device: str = _DEFAULTS["device"]  # "auto" → cuda if available else cpu; or "cpu"/"cuda"/"cuda:1"
    threads: int = _DEFAULTS["threads"]  # torch.set_num_threads while training (part of the result)
    checkpoint_every: int = _DEFAULTS["checkpoint_every"]  # epochs between resumable checkpoints (the last epoch is always saved)
    weight_decay: float = _DEFAULTS["weight_decay"]
    early_stopping: bool = _DEFAULTS["early_stopping"]
    patience: int = _DEFAULTS["patience"]
    min_steps: int = _DEFAULTS["min_steps"]

    def __post_init__(self) -> None:
        if not isinstance(self.min_steps, int) or isinstance(self.min_steps, bool) or self.min_steps < 0:
            raise ValueError(f"TrainConfig.min_steps must be an integer >= 0, got {self.min_steps!r}")
        for name in ("epochs", "batch_size", "threads", "checkpoint_every", "patience"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"TrainConfig.{name} must be a positive integer, got {value!r}")
        if not (self.learning_rate > 0 and math.isfinite(self.learning_rate)):
            raise ValueError(f"TrainConfig.learning_rate must be positive, got {self.learning_rate!r}")
        if not (self.beta >= 0 and math.isfinite(self.beta)):
            raise ValueError(f"TrainConfig.beta must be >= 0, got {self.beta!r}")
        if self.reconstruction not in RECONSTRUCTIONS:
            raise ValueError(f"TrainConfig.reconstruction must be one of {', '.join(RECONSTRUCTIONS)}, "
                             f"got {self.reconstruction!r}")
        if not isinstance(self.kl_warmup_epochs, int) or self.kl_warmup_epochs < 0:
            raise ValueError(f"TrainConfig.kl_warmup_epochs must be an integer >= 0, got {self.kl_warmup_epochs!r}")
        if not (self.free_bits >= 0 and math.isfinite(self.free_bits)):
            raise ValueError(f"TrainConfig.free_bits must be >= 0, got {self.free_bits!r}")
        if not 0 <= self.holdout_fraction < 1:
            raise ValueError(f"TrainConfig.holdout_fraction must be in [0, 1), got {self.holdout_fraction!r}")
        if not self.weight_decay >= 0:
            raise ValueError(f"TrainConfig.weight_decay must be >= 0, got {self.weight_decay!r}")
        if not isinstance(self.early_stopping, bool):
            raise ValueError(f"TrainConfig.early_stopping must be true or false, got {self.early_stopping!r}")
        if self.early_stopping and self.holdout_fraction <= 0:
            raise ValueError("TrainConfig.early_stopping watches the held-out negative ELBO, but holdout_fraction is "
                             f"{self.holdout_fraction!r}: no track is held out. Set holdout_fraction > 0 (e.g. 0.2), "
                             "or early_stopping: false to train a fixed number of epochs")
        if not isinstance(self.seed, int):
            raise ValueError(f"TrainConfig.seed must be an integer, got {self.seed!r}")

    def beta_at(self, epoch: int) -> float:
        """β of ``epoch`` (1-based), with the linear warm-up."""
        if self.kl_warmup_epochs <= 0:
            return self.beta
        return self.beta * min(1.0, epoch / self.kl_warmup_epochs)


def resolve_device(device: str | torch.device) -> torch.device:
    """``"auto"`` → CUDA when available, else CPU; explicit CUDA without a GPU → ValueError."""
    if isinstance(device, torch.device):
        return device
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    resolved = torch.device(device)
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available (torch {torch.__version__})")
    return resolved


@contextmanager
def torch_settings(device: torch.device, threads: int) -> Iterator[None]:
    """Deterministic algorithms and the thread count while training; restored afterwards."""
    previous = (
        torch.get_num_threads(),
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
    )
    if device.type == "cuda":
        # cuBLAS reads this when its handle is created; harmless if already set or too late.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=device.type == "cuda")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.set_num_threads(previous[0])
        torch.use_deterministic_algorithms(previous[1], warn_only=previous[2])
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = previous[3], previous[4]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)  # also seeds every CUDA device
