"""Family name → constructor and capabilities.

A constructor takes ``(input_shape, n_classes, arch)``: the per-sample input shape (no batch
axis), the number of label classes (used by conditional families only) and a plain dict of
architecture options (unknown keys are rejected; missing keys take the defaults).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .base import LatentAutoencoder, arch_to_dict, parse_arch
from .conv_ae import build_conv_ae
from .conv_backbone import ConvArch
from .conv_vae import build_conv_vae
from .cvae import CVAEArch, build_cvae
from .mlp_vae import MLPVAEArch, build_mlp_vae
from .multimodal import MultimodalArch, build_multimodal_vae
from .vade import ConvVaDEArch, VaDEArch, build_conv_vade, build_vade

Constructor = Callable[[tuple[int, ...], "int | None", "Mapping[str, Any] | None"], LatentAutoencoder]


@dataclass(frozen=True)
class FamilySpec:
    """What a family is and accepts.

    ``input_ranks``: accepted ranks of the per-sample shape (1: vectors; 2: ``(H, W)``;
    3: ``(C, H, W)``). ``default_beta``: the β the studies used for this family; the trainer
    takes β from ``TrainConfig``, so a pipeline passes this when the user sets none
    (non-variational families ignore β).
    """

    name: str
    constructor: Constructor
    arch_type: type
    variational: bool
    conditional: bool
    input_ranks: tuple[int, ...]
    default_beta: float
    description: str

    def check_input_shape(self, input_shape: tuple[int, ...]) -> None:
        """Raise ValueError if this family cannot take inputs of this per-sample shape."""
        if len(input_shape) not in self.input_ranks:
            kinds = {1: "vectors (n_features,)", 2: "2-D (height, width)", 3: "2-D with channels (C, height, width)"}
            accepted = " or ".join(kinds[r] for r in self.input_ranks)
            hint = ("; flatten the features or use a convolutional family" if 1 in self.input_ranks
                    else "; vector features need the 'vae' family")
            raise ValueError(
                f"family {self.name!r} takes {accepted}; got per-sample shape {tuple(input_shape)}{hint}"
            )

    def normalise_arch(self, arch: Mapping[str, Any] | None) -> dict[str, Any]:
        """The full architecture with defaults filled in, as a plain dict (what checkpoints record)."""
        return arch_to_dict(parse_arch(self.arch_type, arch, self.name))

    def build(self, input_shape: tuple[int, ...], n_classes: int | None, arch: Mapping[str, Any] | None) -> LatentAutoencoder:
        input_shape = tuple(int(s) for s in input_shape)
        self.check_input_shape(input_shape)
        if self.conditional and n_classes is None:
            raise ValueError(f"family {self.name!r} is conditional: it needs n_classes and labels")
        return self.constructor(input_shape, n_classes, arch)


FAMILIES: dict[str, FamilySpec] = {
    spec.name: spec
    for spec in (
        FamilySpec("vae", build_mlp_vae, MLPVAEArch, variational=True, conditional=False, input_ranks=(1,),
                   default_beta=1.0, description="MLP VAE on vector features"),
        FamilySpec("conv_vae", build_conv_vae, ConvArch, variational=True, conditional=False, input_ranks=(2, 3),
                   default_beta=1.0, description="convolutional VAE on log-mels / MFCC images"),
        FamilySpec("cvae", build_cvae, CVAEArch, variational=True, conditional=True, input_ranks=(2, 3),
                   default_beta=0.5, description="conditional conv VAE, genre embedding into the decoder"),
        FamilySpec("conv_ae", build_conv_ae, ConvArch, variational=False, conditional=False, input_ranks=(2, 3),
                   default_beta=0.0, description="deterministic conv autoencoder baseline, MSE only"),
        FamilySpec("multimodal_vae", build_multimodal_vae, MultimodalArch, variational=True, conditional=False,
                   input_ranks=(1,), default_beta=1.0,
                   description="audio + text VAE (concat or product-of-experts fusion) on packed vectors, text optional"),
        FamilySpec("vade", build_vade, VaDEArch, variational=True, conditional=False, input_ranks=(1,),
                   default_beta=1.0, description="MLP VAE with a mixture-of-Gaussians prior (VaDE): its own clusters"),
        FamilySpec("conv_vade", build_conv_vade, ConvVaDEArch, variational=True, conditional=False,
                   input_ranks=(2, 3), default_beta=1.0,
                   description="convolutional VAE with a mixture-of-Gaussians prior (VaDE): its own clusters"),
    )
}


def known_families() -> tuple[str, ...]:
    return tuple(FAMILIES)


def get_family(name: str) -> FamilySpec:
    """The spec of a family; unknown name → ValueError listing the known ones."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(f"unknown model family {name!r}; known: {', '.join(FAMILIES)}") from None


def build_model(family: str, input_shape: tuple[int, ...], n_classes: int | None = None,
                arch: Mapping[str, Any] | None = None) -> LatentAutoencoder:
    """Construct an untrained model of ``family`` for per-sample ``input_shape``."""
    return get_family(family).build(input_shape, n_classes, arch)
