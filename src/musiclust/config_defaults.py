"""The config's defaults, from the one place they are written: the schema's ``default:`` keywords.

:func:`fill_defaults` walks a validated config beside its schema and writes every absent key
that has a ``default`` (a copy of it), so the rules and adapters can index the config directly.
It follows ``$ref`` (and the keywords beside it), ``properties``, ``additionalProperties``
(``datasets.<name>``, ``text.encoders.<name>``), ``allOf``, and ``if``/``then``/``else`` by
evaluating ``if`` on the config (a folder's ``missing_files``, an encoder's settings by kind).
It never descends into ``oneOf``/``anyOf``/``not``: which alternative holds is not a default's
business. An absent object is created only where the schema gives it a default (``{}``).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import jsonschema


def fill_defaults(config: MutableMapping, schema: Mapping) -> MutableMapping:
    """Write the schema's defaults into ``config`` (in place, also returned); validate it first."""
    validator = jsonschema.Draft202012Validator(schema)
    _fill(config, schema, schema, validator)
    return config


def fill_node_defaults(instance: MutableMapping, node: Mapping, root: Mapping) -> MutableMapping:
    """:func:`fill_defaults` for one part of a config: ``instance`` beside its subschema ``node``
    of the schema ``root`` (e.g. one representation entry)."""
    _fill(instance, node, root, jsonschema.Draft202012Validator(root))
    return instance


def _resolve(node: Mapping, root: Mapping) -> Mapping:
    """A local ``$ref`` ("#/$defs/name") resolved; the keywords beside it are walked separately."""
    reference = node["$ref"]
    if not reference.startswith("#/"):
        raise ValueError(f"config schema: only local $ref are followed, got {reference!r}")
    target: Any = root
    for part in reference[2:].split("/"):
        target = target[part]
    return target


def _subschemas(node: Mapping, root: Mapping) -> Iterator[Mapping]:
    """``node`` and what its ``$ref`` points at (recursively), whose keywords all apply."""
    if not isinstance(node, Mapping):  # a boolean schema (`kind: true`) has no keywords
        return
    yield node
    if "$ref" in node:
        yield from _subschemas(_resolve(node, root), root)


def _default_of(node: Mapping, root: Mapping) -> tuple[bool, Any]:
    for schema in _subschemas(node, root):
        if "default" in schema:
            return True, schema["default"]
    return False, None


def _fill(instance: Any, node: Any, root: Mapping, validator: jsonschema.Draft202012Validator) -> None:
    if not isinstance(instance, MutableMapping) or not isinstance(node, Mapping):
        return
    for schema in list(_subschemas(node, root)):
        properties = schema.get("properties") or {}
        for key, child in properties.items():
            if key not in instance:
                has_default, default = _default_of(child, root)
                if not has_default:
                    continue
                instance[key] = copy.deepcopy(default)
            _fill(instance[key], child, root, validator)
        extra = schema.get("additionalProperties")
        if isinstance(extra, Mapping):
            for key in instance:
                if key not in properties:
                    _fill(instance[key], extra, root, validator)
        for branch in schema.get("allOf") or ():
            _fill(instance, branch, root, validator)
        if "if" in schema:
            holds = validator.evolve(schema=schema["if"]).is_valid(instance)
            branch = schema.get("then" if holds else "else")
            if branch is not None:
                _fill(instance, branch, root, validator)


def schema_defaults(node: Mapping, root: Mapping) -> dict[str, Any]:
    """The defaults a (sub)schema gives the keys of its object, ``$ref`` followed: {key: default}."""
    defaults = {}
    for schema in _subschemas(node, root):
        for key, child in (schema.get("properties") or {}).items():
            has_default, default = _default_of(child, root)
            if has_default:
                defaults.setdefault(key, default)
    return defaults
