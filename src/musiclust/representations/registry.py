"""The representation registry: named entries of config, each a family over a feature kind.

Baseline families (``pca``, ``raw``) are computed by scikit-learn; learned families are the
autoencoder family of :mod:`musiclust.models` (kept as names here so that planning a workflow
does not import torch). An entry with ``betas`` is a sweep: it expands into one representation
per β, named ``{name}_beta{β}``.
"""

from __future__ import annotations

from collections.abc import Mapping

BASELINE_FAMILIES = ("pca", "raw")
LEARNED_FAMILIES = ("vae", "conv_vae", "cvae", "conv_ae")
# Families whose training sees genre labels: their clusters are not unsupervised results.
LABEL_CONDITIONED_FAMILIES = ("cvae",)


def sweep_name(name: str, beta: float) -> str:
    return f"{name}_beta{beta:g}"


def expand_representations(representations: Mapping[str, Mapping]) -> dict[str, dict]:
    """Every representation the workflow builds, β sweeps expanded, in config order."""
    expanded: dict[str, dict] = {}
    for name, spec in representations.items():
        spec = dict(spec)
        betas = spec.pop("betas", None)
        if betas is None:
            expanded[name] = spec
            continue
        for beta in betas:
            training = {**spec.get("training", {}), "beta": float(beta)}
            expanded[sweep_name(name, beta)] = {**spec, "training": training, "sweep": name}
    return expanded


def is_learned(spec: Mapping) -> bool:
    return spec["family"] in LEARNED_FAMILIES
