"""Locate and load the standard's files: OpenAPI documents, JSON Schemas, the rules index.

The spec directory is, first match wins:

1. ``$VORDERINGEN_SPEC_DIR``;
2. ``<package parent>/spec`` (a source checkout);
3. ``<package parent>/vorderingen_spec`` (an installed wheel: pyproject force-includes
   ``spec`` as ``vorderingen_spec``).

Schemas are loaded into one local `referencing` registry (keyed by their ``$id``), so a
``$ref`` never causes a network fetch.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from conformance.errors import CouldNotRun

SPEC_DIR_ENV = "VORDERINGEN_SPEC_DIR"
SOURCE_OPENAPI = "bron"
DEFAULT_SPEC_VERSION = "2.2.0"
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent


@cache
def spec_dir() -> Path:
    """The directory holding the standard's files; CouldNotRun when none is found."""
    configured = os.environ.get(SPEC_DIR_ENV)
    candidates = [Path(configured)] if configured else []
    candidates += [_PACKAGE_PARENT / "spec", _PACKAGE_PARENT / "vorderingen_spec"]
    for candidate in candidates:
        if (candidate / "schemas").is_dir():
            return candidate
    if configured:
        raise CouldNotRun(f"{SPEC_DIR_ENV}={configured} holds no schemas/ directory")
    raise CouldNotRun("spec files not found (set VORDERINGEN_SPEC_DIR to the spec/ directory)")


def openapi_path(name: str = SOURCE_OPENAPI) -> Path:
    """Path of ``openapi/<name>.yaml``; CouldNotRun when missing."""
    path = spec_dir() / "openapi" / f"{name}.yaml"
    if not path.is_file():
        raise CouldNotRun(f"OpenAPI document not found: {path}")
    return path


@cache
def openapi(name: str = SOURCE_OPENAPI) -> dict[str, Any]:
    """The parsed OpenAPI document (a fresh copy must be taken before mutating it)."""
    return yaml.safe_load(openapi_path(name).read_text(encoding="utf-8"))


def spec_version() -> str:
    """``info.version`` of the source OpenAPI document (the standard's version)."""
    try:
        return str(openapi()["info"]["version"])
    except (CouldNotRun, KeyError, TypeError):
        return DEFAULT_SPEC_VERSION


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    out = {}
    for path in sorted((spec_dir() / "schemas").glob("*.schema.json")):
        out[path.name.removesuffix(".schema.json")] = json.loads(path.read_text("utf-8"))
    return out


def schema(name: str) -> dict[str, Any]:
    """The schema ``schemas/<name>.schema.json`` (e.g. ``"vorderingendocument"``)."""
    try:
        return _schemas()[name]
    except KeyError:
        raise CouldNotRun(f"schema not found: schemas/{name}.schema.json") from None


@cache
def registry() -> Registry:
    """A registry with every schema of the standard under its ``$id``; no remote retrieval."""
    resources = [
        (s["$id"], Resource.from_contents(_without_dialect(s),
                                          default_specification=DRAFT202012))
        for s in _schemas().values()
        if "$id" in s
    ]
    return Registry().with_resources(resources)


# An escape, a character class, or ECMA-262's `$` (the end of the input only).
_ESCAPE_CLASS_OR_END = re.compile(r"(\\.)|(\[(?:\\.|[^\]])*\])|\$")


def ecma_anchored(pattern: str) -> str:
    """``pattern`` for Python's ``re`` with ECMA-262's ``$`` (JSON Schema's dialect) as
    ``\\Z``: Python's ``$`` also matches before a final newline."""
    return _ESCAPE_CLASS_OR_END.sub(lambda m: m.group(1) or m.group(2) or r"\Z", pattern)


def _without_dialect(schema: dict[str, Any]) -> dict[str, Any]:
    """Without ``$schema`` (all are 2020-12): jsonschema swaps in its own validator class,
    and so loses the ECMA ``pattern``, wherever a ``$ref`` enters a schema naming its dialect."""
    return {name: value for name, value in schema.items() if name != "$schema"}


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_anchored(pattern))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 whose ``pattern`` matches as ECMA-262 does: "2.2\n" is not "^2\.[0-9]+$".
SchemaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def validator(name: str) -> Draft202012Validator:
    """A format-asserting 2020-12 validator for ``schemas/<name>.schema.json``."""
    return SchemaValidator(
        _without_dialect(schema(name)), registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@cache
def rules() -> dict[str, Any]:
    """The rules index (``rules.yaml``) as parsed YAML; empty when absent."""
    path = spec_dir() / "rules.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {"rules": data}
