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


# Keys of a `training:` block that are scheduler resources, not training settings: they reach
# the rule's resources, never its params, so editing them reruns nothing.
TRAINING_RESOURCE_KEYS = ("threads", "gpus", "mem_mb", "runtime_min")

# Feature kinds computed from audio; "table" is a feature table's own columns; any other name
# is a text embedding, "{source}-{encoder}".
AUDIO_FEATURES = ("mel", "mfcc_stats", "mfcc2d")
TABLE_FEATURES = "table"
_TEXT_SOURCES = ("metadata", "lyrics", "lyrics_or_metadata")
# What each kind of dataset can feed a representation: audio, table, or a text source. A
# synthetic lyrics corpus has only its lyrics (no titles or artists to embed as metadata); a
# feature table only its columns (it has no audio to fetch lyrics for, and often no titles).
_DATASET_SOURCES = {
    "demo": ("audio", *_TEXT_SOURCES), "fma": ("audio", *_TEXT_SOURCES), "folder": ("audio", *_TEXT_SOURCES),
    "table": ("table",), "synthetic_lyrics": ("lyrics",),
}


def feature_source(features: str) -> str:
    """``audio``, ``table`` or ``text``: where a representation's features come from."""
    if features in AUDIO_FEATURES:
        return "audio"
    return "table" if features == TABLE_FEATURES else "text"


def representations_for(representations: Mapping[str, Mapping], dataset_kind: str) -> list[str]:
    """The representations a dataset of ``dataset_kind`` can build (``_DATASET_SOURCES``): a
    feature table or a text-only corpus has no audio features, and so plans no audio job."""
    available = _DATASET_SOURCES[dataset_kind]

    def source(features: str) -> str:
        kind = feature_source(features)
        return features.split("-", 1)[0] if kind == "text" else kind

    return [name for name, spec in representations.items() if source(spec["features"]) in available]
