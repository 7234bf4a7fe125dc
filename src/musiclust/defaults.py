"""The config's defaults for the library: read from the one place they are written, the
schema's ``default:`` keywords (``schemas/config.schema.yaml``, shipped in the package as
``musiclust/config.schema.yaml``).

The schema, not typed settings it would be generated from, is that place: it is what a user
reads and what every config is validated and filled against (README, "Configuration"), it
says what the dataclasses cannot (``oneOf``, per-kind branches, minima), and the workflow
needs it before any library module is imported. Library signatures take their defaults from
here (``TrainConfig``, the estimators, the collapse thresholds), so nothing can drift.

    from musiclust.defaults import defaults
    defaults("training")["free_bits"]                # 0.1
    representation_defaults("pca")["n_components"]   # 32
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import yaml

from musiclust.config_defaults import fill_node_defaults, schema_defaults

_PACKAGED = Path(__file__).with_name("config.schema.yaml")  # (a link to schemas/ in the repository)
_REPOSITORY = Path(__file__).resolve().parents[2] / "schemas" / "config.schema.yaml"


@functools.cache
def config_schema() -> dict[str, Any]:
    """The config's JSON schema (parsed once)."""
    path = _PACKAGED if _PACKAGED.exists() else _REPOSITORY
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _node(path: tuple[str, ...]) -> Any:
    node: Any = config_schema()
    for key in path:
        node = node[key] if key in node else node["properties"][key]
    return node


@functools.cache
def _defaults(path: tuple[str, ...]) -> dict[str, Any]:
    return schema_defaults(_node(path), config_schema())


def defaults(*path: str) -> dict[str, Any]:
    """The defaults of the config section at ``path`` (``"training"``, ``"analysis"``,
    ``"$defs", "lyrics"``): {key: default}, a copy."""
    return copy.deepcopy(_defaults(tuple(path)))


def entry_defaults(*path: str, **entry: Any) -> dict[str, Any]:
    """What the schema fills into an entry of the mapping at ``path`` that has the keys
    ``entry`` (its defaults can depend on them, e.g. a representation's on its ``family``, an
    encoder's on its ``kind``): {key: default}, those keys left out."""
    filled = fill_node_defaults(dict(entry), _node(tuple(path)), config_schema())
    return {key: value for key, value in filled.items() if key not in entry}


def representation_defaults(family: str) -> dict[str, Any]:
    """What the schema fills into a ``representations:`` entry of ``family`` (e.g. a PCA's
    ``n_components`` and ``standardize``): {key: default}."""
    return entry_defaults("representations", "additionalProperties", family=family)
