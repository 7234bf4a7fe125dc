"""Validate a musiclust config against its JSON schema, with messages that name the key.

jsonschema's own messages are precise but point at schema internals; a user needs the config
key (``features.mel.n_mels``), the bad value and what is allowed.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import jsonschema
import yaml

from musiclust.config_defaults import fill_defaults
from musiclust.data.catalog import archive_source_problems
from musiclust.representations.registry import (
    FMA_FEATURES,
    LEARNED_FAMILIES,
    MULTIMODAL_FAMILIES,
    TABLE_FEATURES,
    expand_representations,
    feature_source,
    part_problems,
)

# Rank of one track's features, by kind (text embeddings and table rows are vectors). The
# learned families' accepted ranks are musiclust.models.registry.FAMILIES' input_ranks, copied
# here because importing that registry imports torch at every start-up; tests check both.
FEATURE_RANKS = {"mel": 2, "mfcc_stats": 1, "mfcc2d": 2, "musicnn": 1, TABLE_FEATURES: 1, FMA_FEATURES: 1, "text": 1}
FEATURE_SHAPES = {"mel": "2-D (n_mels, n_frames)", "mfcc_stats": "vectors", "mfcc2d": "2-D (n_mfcc, n_frames)",
                  "musicnn": "vectors",
                  TABLE_FEATURES: "vectors", FMA_FEATURES: "vectors", "text": "vectors"}
# (multimodal_vae takes one packed vector per track; its audio part may have any rank.)
FAMILY_INPUT_RANKS = {"vae": (1,), "conv_vae": (2, 3), "cvae": (2, 3), "conv_ae": (2, 3), "multimodal_vae": (1,),
                      "vade": (1,), "conv_vade": (2, 3)}


class ConfigError(ValueError):
    """The config is invalid; the message names every offending key."""


def _key_path(path) -> str:
    return ".".join(str(part) for part in path) or "<top level>"


def _unknown_keys(key: str, error: jsonschema.ValidationError) -> str:
    """Each unknown key of an object, with a "did you mean" among its allowed keys."""
    allowed = list((error.schema or {}).get("properties") or {})
    patterns = list((error.schema or {}).get("patternProperties") or {})
    unknown = [k for k in error.instance if k not in allowed and not any(re.search(p, k) for p in patterns)]
    if not allowed or not unknown:
        return f"{key}: {error.message}"
    problems = []
    for name in unknown:
        near = difflib.get_close_matches(str(name), allowed, n=1)
        if near:
            problems.append(f"{key}: unknown key {name!r} (did you mean {near[0]!r}?)")
        else:
            problems.append(f"{key}: Additional properties are not allowed: unknown key {name!r} "
                            f"(allowed: {', '.join(allowed)})")
    return "\n  ".join(problems)


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        return _unknown_keys(key, error)
    if error.validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return f"{key}: {error.instance!r} is not one of the allowed values ({allowed})"
    if error.validator == "oneOf":
        # Report what each alternative wanted, the most useful of jsonschema's sub-errors.
        wanted = "; ".join(sorted({sub.message for sub in error.context})) if error.context else ""
        return f"{key}: {error.instance!r} is not valid ({wanted})"
    return f"{key}: {error.message}"


def load_schema(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def validate_config(config: MutableMapping, schema: Mapping) -> None:
    """Raise :class:`ConfigError` listing every problem; else fill the schema's defaults into
    ``config`` (in place: every key that has a default is then present) and return."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = [_describe(e) for e in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))]
    if not problems:
        fill_defaults(config, schema)  # (before the cross-checks, which read filled values)
        problems = _cross_checks(config)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))


def _cross_checks(config: Mapping) -> list[str]:
    """Rules a JSON schema cannot express: references between sections."""
    problems = []
    datasets = config["datasets"]
    if config["dataset"] not in datasets:
        problems.append(
            f"dataset: {config['dataset']!r} is not defined under datasets "
            f"(defined: {', '.join(sorted(datasets))})"
        )
    for name, algorithm in config["clustering"]["algorithms"].items():
        if "k_range" not in algorithm:  # (density algorithms have none)
            continue
        low, high = algorithm["k_range"]
        if low > high:
            problems.append(f"clustering.algorithms.{name}.k_range: {low} is larger than {high}")
    defaults = config["training"]
    for name, spec in config["representations"].items():
        if "training" in spec:
            merged = {**defaults, **spec["training"]}
            if merged["early_stopping"] and not merged["holdout_fraction"] > 0:
                problems.append(f"representations.{name}.training: early_stopping watches the held-out negative ELBO, "
                                f"but holdout_fraction is {merged['holdout_fraction']}: set holdout_fraction > 0 "
                                "(e.g. 0.2) or early_stopping: false")
    problems += _text_checks(config["text"], config["representations"])
    problems += _rank_checks(config["representations"])
    problems += part_problems(expand_representations(config["representations"]))
    for name, spec in datasets.items():
        problems += archive_source_problems(name, spec)
        if spec["missing_files"] != "error" and spec["kind"] != "folder":  # (error: the default, harmless)
            problems.append(f"datasets.{name}.missing_files: only a folder dataset has a CSV naming files")
    if config["dataset"] in datasets:
        problems += _k_checks(config["dataset"], datasets[config["dataset"]], config["clustering"]["algorithms"])
    # A 2-D MFCC matrix is the first n_frames frames of its excerpt (centred frames: one more
    # than samples // hop); more would pad it with zeros, which are not silence for MFCCs.
    mfcc2d = config["features"]["mfcc2d"]
    duration, hop, n_frames = mfcc2d["duration_s"], mfcc2d["hop_length"], mfcc2d["n_frames"]
    available = 1 + int(round(duration * config["audio"]["sample_rate"])) // hop
    if n_frames > available:
        problems.append(
            f"features.mfcc2d.n_frames: {n_frames} frames is more than the {available} that "
            f"features.mfcc2d.duration_s ({duration} s) gives at hop_length {hop}"
        )
    return problems


def _text_checks(text: Mapping, representations: Mapping) -> list[str]:
    """Every text embedding, listed in text.embeddings or read by a representation (features
    named "{source}-{encoder}"), names an encoder defined under text.encoders."""
    from musiclust.text.store import parse_text_feature

    encoders = text["encoders"]
    wanted = [("text.embeddings", name) for name in text["embeddings"]]
    wanted += [(f"representations.{rep}.{key}", spec[key]) for rep, spec in representations.items()
               for key in ("features", "text") if parse_text_feature(str(spec.get(key)))]
    return [
        f"{key}: {name!r} uses encoder {name.split('-', 1)[1]!r}, not defined under text.encoders "
        f"(defined: {', '.join(sorted(encoders)) or 'none'})"
        for key, name in wanted
        if name.split("-", 1)[1] not in encoders
    ]


def _rank_checks(representations: Mapping) -> list[str]:
    """A learned family on features of a rank it cannot take (an MLP VAE on log-mels, a conv
    VAE on vectors), known from the feature kind before anything is computed."""
    problems = []
    for name, spec in representations.items():
        family, features = spec["family"], str(spec.get("features"))
        if family not in LEARNED_FAMILIES or family in MULTIMODAL_FAMILIES:
            continue  # pca and raw flatten whatever they get; a multimodal model fits its audio encoder to it
        source = feature_source(features)
        kind = features if source != "text" else "text"
        if FEATURE_RANKS[kind] in FAMILY_INPUT_RANKS[family]:
            continue
        fits = [f for f, ranks in FAMILY_INPUT_RANKS.items() if FEATURE_RANKS[kind] in ranks]
        problems.append(
            f"representations.{name}.family: {family!r} cannot read features {features!r}, which are "
            f"{FEATURE_SHAPES[kind]}; families for them: {', '.join(fits)} (or pca, raw)"
        )
    return problems


def known_track_count(spec: Mapping) -> tuple[int, str] | None:
    """At most how many tracks a dataset can give, and why, when the config alone says (a demo's
    or a synthetic corpus's size, a selection's genres × tracks_per_genre or its total); ``spec``
    has its defaults filled (:func:`validate_config`)."""
    selection = spec["selection"]
    bounds = []
    genres, per_genre, total = selection.get("genres"), selection.get("tracks_per_genre"), selection.get("tracks")
    if genres and per_genre:
        bounds.append((len(genres) * per_genre, f"selection: {len(genres)} genres × tracks_per_genre {per_genre}"))
    if total:
        bounds.append((total, f"selection.tracks {total}"))
    if spec["kind"] == "demo":
        demo = spec["demo"]
        n_genres, tracks = demo["n_genres"], demo["tracks_per_genre"]
        bounds.append((n_genres * tracks, f"demo.n_genres {n_genres} × demo.tracks_per_genre {tracks}"))
    if spec["kind"] == "synthetic_lyrics":
        corpus = spec["synthetic_lyrics"]
        languages, songs = len(corpus["languages"]), corpus["songs_per_language"]
        bounds.append((languages * songs, f"synthetic_lyrics: {languages} languages × songs_per_language {songs}"))
    return min(bounds) if bounds else None


def _has_genre_column(path: str) -> bool | None:
    """Whether a folder's metadata CSV has a genre column; None when it cannot be read now."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
    except (OSError, UnicodeDecodeError):
        return None
    return "genre" in [column.strip() for column in header]


def _k_checks(dataset: str, spec: Mapping, algorithms: Mapping) -> list[str]:
    """The configured dataset against each algorithm's `k`: a number above the tracks it can
    have, or n_genres on a folder without labels."""
    problems = []
    bound = known_track_count(spec)
    for algorithm, params in algorithms.items():
        k = (params or {}).get("k")
        key = f"clustering.algorithms.{algorithm}.k"
        if isinstance(k, int) and bound is not None and k >= bound[0]:
            problems.append(
                f"{key}: {k} clusters need more tracks than the {bound[0]} that datasets.{dataset} can "
                f"have ({bound[1]}); lower k or set it to auto or n_genres"
            )
        if k == "n_genres" and spec["kind"] == "folder":
            csv_path = spec.get("metadata_csv")
            if not csv_path:
                problems.append(
                    f"{key}: n_genres needs genre labels, and datasets.{dataset} (a folder) has no "
                    "metadata_csv; set k to a number or auto, or give a metadata_csv with a genre column"
                )
            elif _has_genre_column(csv_path) is False:
                problems.append(
                    f"{key}: n_genres needs genre labels, and datasets.{dataset}.metadata_csv "
                    f"({csv_path}) has no genre column; set k to a number or auto, or add the column"
                )
    return problems
