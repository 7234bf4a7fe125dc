"""The autoencoder family (PyTorch): models, losses, registry, shared trainer, disentanglement.

Pure library code: everything takes numpy arrays and plain dataclasses/dicts, never a config
file. Families: ``vae`` (MLP), ``conv_vae``, ``beta_vae`` (conv_vae with β), ``cvae``
(conditional), ``conv_ae`` (deterministic baseline).
"""

from .base import AutoencoderOutput, LatentAutoencoder
from .disentanglement import DisentanglementStats, disentanglement
from .losses import kl_divergence, kl_per_dim, reconstruction_mse, reparameterise, vae_loss
from .registry import FAMILIES, FamilySpec, build_model, get_family, known_families
from .trainer import (
    TrainConfig,
    TrainingDiverged,
    TrainResult,
    encode,
    load_checkpoint,
    load_model,
    resolve_device,
    train,
)

__all__ = [
    "FAMILIES",
    "AutoencoderOutput",
    "DisentanglementStats",
    "FamilySpec",
    "LatentAutoencoder",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "build_model",
    "disentanglement",
    "encode",
    "get_family",
    "kl_divergence",
    "kl_per_dim",
    "known_families",
    "load_checkpoint",
    "load_model",
    "reconstruction_mse",
    "reparameterise",
    "resolve_device",
    "train",
    "vae_loss",
]
