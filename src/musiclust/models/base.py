"""What every autoencoder family shares: the module interface and architecture parsing."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, NamedTuple, TypeVar

from torch import Tensor, nn

from .losses import reparameterise

ACTIVATIONS = ("relu", "leaky_relu")
LEAKY_RELU_SLOPE = 0.2


class AutoencoderOutput(NamedTuple):
    """One forward pass: reconstruction (shaped like the input), latent statistics, sample."""

    reconstruction: Tensor
    mu: Tensor
    logvar: Tensor | None  # None for deterministic autoencoders
    z: Tensor


class LatentAutoencoder(nn.Module):
    """Base class of the families: ``encode`` → latent statistics, ``decode`` → input space.

    Subclasses set ``variational``, ``conditional``, ``latent_dim`` and ``input_shape`` (the
    per-sample shape, without the batch axis) and implement ``encode`` and ``decode``.
    """

    family: str = ""
    variational: bool = True
    conditional: bool = False
    latent_dim: int
    input_shape: tuple[int, ...]

    def encode(self, x: Tensor, labels: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """``(mu, logvar)`` of shape ``(batch, latent_dim)``; logvar is None if deterministic."""
        raise NotImplementedError

    def decode(self, z: Tensor, labels: Tensor | None = None) -> Tensor:
        """Reconstruction of shape ``(batch, *input_shape)``."""
        raise NotImplementedError

    def forward(self, x: Tensor, labels: Tensor | None = None) -> AutoencoderOutput:
        """Encode, sample (training mode only; eval mode decodes the mean), decode."""
        mu, logvar = self.encode(x, labels)
        z = reparameterise(mu, logvar) if (self.training and logvar is not None) else mu
        return AutoencoderOutput(self.decode(z, labels), mu, logvar, z)


def activation_layer(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "leaky_relu":
        return nn.LeakyReLU(LEAKY_RELU_SLOPE)
    raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")


ArchT = TypeVar("ArchT")


def parse_arch(arch_type: type[ArchT], arch: Mapping[str, Any] | None, family: str) -> ArchT:
    """Build the frozen architecture dataclass from a plain dict, rejecting unknown keys.

    Lists (as they come from YAML/JSON) become tuples so that equal architectures compare equal.
    """
    arch = dict(arch or {})
    fields = {f.name for f in dataclasses.fields(arch_type)}  # type: ignore[arg-type]
    unknown = sorted(set(arch) - fields)
    if unknown:
        raise ValueError(
            f"{family}: unknown architecture option(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(fields))}"
        )
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in arch.items()}
    return arch_type(**values)


def arch_to_dict(arch: object) -> dict[str, Any]:
    """The plain-dict (JSON/YAML-friendly, tuples as lists) form of an architecture dataclass."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(arch).items()}  # type: ignore[call-overload]


def require_positive_ints(family: str, name: str, values: tuple[int, ...], allow_empty: bool = False) -> None:
    if (not values and not allow_empty) or any(not isinstance(v, int) or v < 1 for v in values):
        raise ValueError(f"{family}: {name} must be a tuple of positive integers, got {values!r}")
