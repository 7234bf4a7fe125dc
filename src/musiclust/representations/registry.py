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


# Feature kinds computed from audio; "table" is a feature table's own columns; any other name
# is a text embedding, "{source}-{encoder}".
AUDIO_FEATURES = ("mel", "mfcc_stats", "mfcc2d")
TABLE_FEATURES = "table"
# What each kind of dataset can feed a representation.
_DATASET_SOURCES = {"demo": ("audio", "text"), "fma": ("audio", "text"), "folder": ("audio", "text"),
                    "table": ("table", "text")}


def feature_source(features: str) -> str:
    """``audio``, ``table`` or ``text``: where a representation's features come from."""
    if features in AUDIO_FEATURES:
        return "audio"
    return "table" if features == TABLE_FEATURES else "text"


def representations_for(representations: Mapping[str, Mapping], dataset_kind: str) -> list[str]:
    """The representations a dataset of ``dataset_kind`` can build: a text-only dataset has no
    audio features, a feature table no audio either (``_DATASET_SOURCES``)."""
    sources = _DATASET_SOURCES.get(dataset_kind, ("text",))
    return [name for name, spec in representations.items() if feature_source(spec["features"]) in sources]
