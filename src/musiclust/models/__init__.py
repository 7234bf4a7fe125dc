"""The autoencoder family (PyTorch): models, losses, registry, shared trainer, disentanglement.

Pure library code: everything takes numpy arrays and plain dataclasses/dicts, never a config
file. Families: ``vae`` (MLP), ``conv_vae``, ``cvae`` (conditional), ``conv_ae``
(deterministic baseline); a β-VAE is any variational family trained with β != 1.
"""

from .base import AutoencoderOutput, LatentAutoencoder
from .latent_statistics import DisentanglementStats, disentanglement
from .checkpoints import CheckpointError, TrainingLocked, load_checkpoint, load_model
from .collapse import ActiveDimensions, active_dimensions, collapse_message
from .losses import kl_divergence, kl_per_dim, reconstruction_error, reparameterise, vae_loss
from .registry import FAMILIES, FamilySpec, build_model, get_family, known_families
from .train_config import TrainConfig, TrainingDiverged, resolve_device
from .trainer import TrainResult, encode, train

__all__ = [
    "FAMILIES",
    "ActiveDimensions",
    "CheckpointError",
    "AutoencoderOutput",
    "DisentanglementStats",
    "FamilySpec",
    "LatentAutoencoder",
    "TrainConfig",
    "TrainResult",
    "TrainingDiverged",
    "TrainingLocked",
    "active_dimensions",
    "build_model",
    "collapse_message",
    "disentanglement",
    "encode",
    "get_family",
    "kl_divergence",
    "kl_per_dim",
    "known_families",
    "load_checkpoint",
    "load_model",
    "reconstruction_error",
    "reparameterise",
    "resolve_device",
    "train",
    "vae_loss",
]
