"""The representation registry: named entries of config, each a family over a feature kind.

Baseline families (``pca``, ``raw``) are computed by scikit-learn; learned families are the
autoencoder family of :mod:`musiclust.models` (kept as names here so that planning a workflow
does not import torch). An entry with ``betas`` is a sweep: it expands into one representation
per β, named ``{name}_beta{β}``.

Fusion: a hybrid (``hybrid_concat``, ``hybrid_weighted``) reads no features of its own but the
latents of its ``parts``, other representations of the same seed (the studies' early fusion of
an audio and a text representation); ``multimodal_vae`` is learned from audio ``features`` and
a ``text`` embedding together. ``vade``/``conv_vade`` (a mixture prior) cluster by themselves.
"""

from __future__ import annotations

from collections.abc import Mapping

BASELINE_FAMILIES = ("pca", "raw")
LEARNED_FAMILIES = ("vae", "conv_vae", "cvae", "conv_ae", "multimodal_vae", "vade", "conv_vade")
# Learned families with a mixture-of-Gaussians prior (VaDE): they take `k` and write their own
# clusters beside their latents, which the evaluation scores as the algorithm `vade`.
MIXTURE_FAMILIES = ("vade", "conv_vade")
HYBRID_FAMILIES = ("hybrid_concat", "hybrid_weighted")
# Learned families that read a text embedding (`text:`) beside their audio `features`.
MULTIMODAL_FAMILIES = ("multimodal_vae",)
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
            training = {**spec["training"], "beta": float(beta)}  # (a learned entry: the schema requires it)
            expanded[sweep_name(name, beta)] = {**spec, "training": training, "sweep": name}
    return expanded


def is_learned(spec: Mapping) -> bool:
    return spec["family"] in LEARNED_FAMILIES


def is_hybrid(spec: Mapping) -> bool:
    return spec["family"] in HYBRID_FAMILIES


def stage_of(spec: Mapping) -> str:
    """``learned`` (trained by torch), ``hybrid`` (made of other representations' latents) or
    ``baseline`` (scikit-learn on features): which rule builds a representation."""
    return "learned" if is_learned(spec) else "hybrid" if is_hybrid(spec) else "baseline"


def feature_inputs(spec: Mapping) -> list[str]:
    """The feature kinds a representation reads itself (none for a hybrid)."""
    if is_hybrid(spec):
        return []
    return [spec["features"], *([spec["text"]] if spec["family"] in MULTIMODAL_FAMILIES else [])]


def part_problems(representations: Mapping[str, Mapping]) -> list[str]:
    """A hybrid's parts must be other, non-hybrid representations of the (β-expanded) registry."""
    problems = []
    for name, spec in representations.items():
        if not is_hybrid(spec):
            continue
        for part in spec["parts"]:
            if part not in representations:
                problems.append(f"representations.{name}.parts: {part!r} is not a representation "
                                f"(defined: {', '.join(n for n in representations if n != name)})")
            elif is_hybrid(representations[part]):
                problems.append(f"representations.{name}.parts: {part!r} is itself a hybrid; name its parts instead")
    return problems


# Keys of a `training:` block that are scheduler resources, not training settings: they reach
# the rule's resources, never its params, so editing them reruns nothing.
# Training settings that are only resources: where a job runs and what it may use, not what it
# computes (editing them reruns nothing). Threads are not among them: torch's reductions
# depend on the thread count, so it is part of a model's identity (README, "Training").
TRAINING_RESOURCE_KEYS = ("gpus", "mem_mb", "runtime_min")

# Feature kinds computed from audio; "table" is a feature table's own columns; any other name
# is a text embedding, "{source}-{encoder}".
AUDIO_FEATURES = ("mel", "mfcc_stats", "mfcc2d", "musicnn")
TABLE_FEATURES = "table"
# FMA's own features.csv (518 librosa statistics a track), in every FMA-format metadata archive.
FMA_FEATURES = "fma_features"
_TEXT_SOURCES = ("metadata", "lyrics", "lyrics_or_metadata")
# What each kind of dataset can feed a representation: audio, table, or a text source. A
# synthetic lyrics corpus has only its lyrics (no titles or artists to embed as metadata); a
# feature table only its columns (it has no audio to fetch lyrics for, and often no titles).
_DATASET_SOURCES = {
    "demo": ("audio", FMA_FEATURES, *_TEXT_SOURCES), "fma": ("audio", FMA_FEATURES, *_TEXT_SOURCES),
    "folder": ("audio", *_TEXT_SOURCES),
    "table": ("table",), "synthetic_lyrics": ("lyrics",),
}


def feature_source(features: str) -> str:
    """``audio``, ``table``, ``fma_features`` or ``text``: where a representation's features come from."""
    if features in AUDIO_FEATURES:
        return "audio"
    if features == FMA_FEATURES:
        return FMA_FEATURES
    return "table" if features == TABLE_FEATURES else "text"


def representations_for(representations: Mapping[str, Mapping], dataset_kind: str) -> list[str]:
    """The representations a dataset of ``dataset_kind`` can build (``_DATASET_SOURCES``): a
    feature table or a text-only corpus has no audio features, and so plans no audio job; a
    hybrid, when the dataset can build each of its parts."""
    available = _DATASET_SOURCES[dataset_kind]

    def source(features: str) -> str:
        kind = feature_source(features)
        return features.split("-", 1)[0] if kind == "text" else kind

    def buildable(spec: Mapping) -> bool:
        if is_hybrid(spec):
            return all(part in representations and buildable(representations[part]) for part in spec["parts"])
        return all(source(features) in available for features in feature_inputs(spec))

    return [name for name, spec in representations.items() if buildable(spec)]


def representation_features(representations: Mapping[str, Mapping], name: str) -> list[str]:
    """The feature kinds a representation is made from: its own, or a hybrid's parts' together."""
    spec = representations[name]
    if is_hybrid(spec):
        return sorted({f for part in spec["parts"] for f in representation_features(representations, part)})
    return sorted(set(feature_inputs(spec)))


def same_feature_baselines(representations: Mapping[str, Mapping]) -> dict[str, list[str]]:
    """Each learned or fused representation → the baselines (``pca``, ``raw``) made from its
    features, or from some of them (a hybrid's or a multimodal model's single modality): what
    the report compares it with. Representations without such a baseline are left out."""
    baselines = {name: set(representation_features(representations, name)) for name, spec in representations.items()
                 if stage_of(spec) == "baseline"}
    out = {}
    for name, spec in representations.items():
        if stage_of(spec) == "baseline":
            continue
        features = set(representation_features(representations, name))
        matches = [b for b, own in baselines.items() if own and own <= features]
        if matches:
            out[name] = matches
    return out
