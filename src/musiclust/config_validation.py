"""Validate a musiclust config against its JSON schema, with messages that name the key.

jsonschema's own messages are precise but point at schema internals; a user needs the config
key (``features.mel.n_mels``), the bad value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jsonschema
import yaml


class ConfigError(ValueError):
    """The config is invalid; the message names every offending key."""


def _key_path(path) -> str:
    return ".".join(str(part) for part in path) or "<top level>"


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key_path(error.absolute_path)
    if error.validator == "additionalProperties":
        return f"{key}: {error.message}"
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


def validate_config(config: Mapping, schema: Mapping) -> None:
    """Raise :class:`ConfigError` listing every problem, or return quietly."""
    validator = jsonschema.Draft202012Validator(schema)
    problems = [_describe(e) for e in sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))]
    if not problems:
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
        low, high = algorithm.get("k_range", [2, 10])
        if low > high:
            problems.append(f"clustering.algorithms.{name}.k_range: {low} is larger than {high}")
    defaults = config.get("training", {})
    for name, spec in config["representations"].items():
        if "training" in spec:
            missing = [key for key in ("epochs", "batch_size") if key not in {**defaults, **spec["training"]}]
            if missing:
                problems.append(f"representations.{name}.training: {', '.join(missing)} missing (and not in training:)")
    problems += _text_checks(config.get("text") or {}, config["representations"])
    # A 2-D MFCC matrix is the first n_frames frames of its excerpt (centred frames: one more
    # than samples // hop); more would pad it with zeros, which are not silence for MFCCs.
    mfcc2d = config["features"]["mfcc2d"]
    duration, hop, n_frames = mfcc2d.get("duration_s", 3.0), mfcc2d.get("hop_length", 512), mfcc2d.get("n_frames", 128)
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

    encoders = text.get("encoders") or {}
    wanted = [("text.embeddings", name) for name in text.get("embeddings") or []]
    wanted += [(f"representations.{rep}.features", spec.get("features")) for rep, spec in representations.items()
               if parse_text_feature(str(spec.get("features")))]
    return [
        f"{key}: {name!r} uses encoder {name.split('-', 1)[1]!r}, not defined under text.encoders "
        f"(defined: {', '.join(sorted(encoders)) or 'none'})"
        for key, name in wanted
        if name.split("-", 1)[1] not in encoders
    ]
