"""Values given on the command line (``snakemake --config key=value``) read as a config file
would read them.

Snakemake parses a top-level value (``seeds=3``) as a number or boolean when it can, but every
value inside a list or mapping (``seeds=[0,1,2]``, ``training={threads: 2}``) arrives as text,
which the schema then refuses ("seeds.0: '0' is not of type 'integer'"). :func:`coerce_overrides`
walks those values beside the schema: a text the schema does not accept where it stands, whose
YAML reading (the one a config file gives it) it does accept, becomes that reading; ``'0'``
where the schema wants an integer becomes ``0``, ``'true'`` where it wants a boolean ``True``.
A text the schema accepts as text stays text (``dataset=2024`` names a dataset ``'2024'``), and
so does one that no reading makes valid: validation then names it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
import yaml


def coerce_overrides(overrides: Mapping[str, Any], schema: Mapping) -> dict[str, Any]:
    """A copy of ``overrides`` (a partial config) with each text read as the schema types it."""
    validator = jsonschema.Draft202012Validator(schema)
    return _coerce(dict(overrides), [schema], schema, validator)


def _readings(value: Any) -> Iterator[Any]:
    if isinstance(value, str):
        try:
            yield yaml.safe_load(value)
        except yaml.YAMLError:
            pass
        try:
            yield float(value)  # (YAML 1.1 reads 1e-3 as text; a number here)
        except ValueError:
            pass
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield str(value)  # a name Snakemake took for a number (dataset=2024)


def _coerce(value: Any, schemas: list[Mapping], root: Mapping, validator: jsonschema.Draft202012Validator) -> Any:
    if isinstance(value, Mapping):
        return {key: _coerce(item, _children(schemas, key, value, root, validator), root, validator)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_coerce(item, _items(schemas, root, validator, value), root, validator) for item in value]
    if not schemas:
        return value
    where = validator.evolve(schema={"allOf": list(schemas)})
    if where.is_valid(value):
        return value
    return next((reading for reading in _readings(value) if where.is_valid(reading)), value)


def _expanded(schema: Any, root: Mapping, validator: jsonschema.Draft202012Validator, instance: Any) -> Iterator[Mapping]:
    """``schema`` and every subschema that applies to ``instance`` beside it: ``$ref``,
    ``allOf``, the branch of ``if`` that holds, and each alternative of ``oneOf``/``anyOf``."""
    if not isinstance(schema, Mapping):
        return
    yield schema
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from _expanded(target, root, validator, instance)
    for branch in schema.get("allOf") or ():
        yield from _expanded(branch, root, validator, instance)
    for branch in (*(schema.get("oneOf") or ()), *(schema.get("anyOf") or ())):
        yield from _expanded(branch, root, validator, instance)
    if "if" in schema:
        branch = schema.get("then" if validator.evolve(schema=schema["if"]).is_valid(instance) else "else")
        yield from _expanded(branch, root, validator, instance)


def _children(schemas: list[Mapping], key: str, instance: Mapping, root: Mapping,
              validator: jsonschema.Draft202012Validator) -> list[Mapping]:
    found = []
    for schema in schemas:
        for node in _expanded(schema, root, validator, instance):
            properties = node.get("properties") or {}
            if key in properties:
                found.append(properties[key])
            elif isinstance(node.get("additionalProperties"), Mapping):
                found.append(node["additionalProperties"])
    return found


def _items(schemas: list[Mapping], root: Mapping, validator: jsonschema.Draft202012Validator,
           instance: list) -> list[Mapping]:
    return [node["items"] for schema in schemas for node in _expanded(schema, root, validator, instance)
            if isinstance(node.get("items"), Mapping)]
