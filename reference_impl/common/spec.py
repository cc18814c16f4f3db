"""Locating the standard's files and validating JSON against its schemas.

The spec directory is found, in order: the environment variable `VORDERINGEN_SPEC_DIR`;
`<package parent>/spec` (a source checkout); `<package parent>/vorderingen_spec` (an
installed wheel, see pyproject.toml). `schema_validator("app-certificaat")` gives a
cached JSON Schema 2020-12 validator with format checking switched on and every `$ref`
resolved locally (never over the network); `openapi_request_validator(...)` does the
same for the request body schema of an operation in `spec/openapi/*.yaml`, and
`openapi_component_validator(...)` for one of its component schemas.
`schema_errors(validator, instance)` first asks a compiled twin (jsonschema-rs) whether the
instance is valid, and only walks the python validator for the errors when it is not.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from reference_impl.common.errors import SpecNotFound
from reference_impl.common.schema_cost import quiet

SPEC_DIR_ENV = "VORDERINGEN_SPEC_DIR"
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
MAX_REASON_CHARS = 300


def spec_dir() -> Path:
    """The directory holding `trust-model.md`, `schemas/` and `openapi/`."""
    configured = os.environ.get(SPEC_DIR_ENV)
    candidates = [Path(configured)] if configured else []
    candidates += [PACKAGE_PARENT / "spec", PACKAGE_PARENT / "vorderingen_spec"]
    for candidate in candidates:
        if (candidate / "schemas").is_dir():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise SpecNotFound(f"de map spec/ van de standaard is niet gevonden (geprobeerd: {tried}; "
                       f"zet {SPEC_DIR_ENV})")


def schema_path(name: str) -> Path:
    """Path of `spec/schemas/<name>.schema.json`."""
    return spec_dir() / "schemas" / f"{name}.schema.json"


def openapi_path(name: str) -> Path:
    """Path of `spec/openapi/<name>.yaml` (`bron`, `app-manager`, `stelsel`)."""
    return spec_dir() / "openapi" / f"{name}.yaml"


@cache
def _schema_files() -> tuple[tuple[str, dict[str, Any]], ...]:
    """`(uri, contents)` of every schema file, under its file URI and under its `$id`."""
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((spec_dir() / "schemas").glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        found.append((path.resolve().as_uri(), contents))
        if "$id" in contents:
            found.append((contents["$id"], contents))
    return tuple(found)


@cache
def registry() -> Registry:
    """Every schema file, by its `$id` and by its file URI; nothing is fetched remotely."""
    resources = [(uri, DRAFT202012.create_resource(without_dialect(c)))
                 for uri, c in _schema_files()]

    def refuse(uri: str) -> Resource:
        raise NoSuchResource(ref=uri)

    return Registry(retrieve=refuse).with_resources(resources)  # type: ignore[call-arg]


def ecma_anchored(pattern: str) -> str:
    r"""`pattern` for Python's `re` with ECMA-262's `$` (JSON Schema's regex dialect): the end
    of the input only. Python's `$` also matches before a final newline, so `"2.2\n"` would
    pass `^2\.[0-9]+$` here and fail in every ECMA-262 engine (and in jsonschema-rs)."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "$":
            char = r"\Z"
        out.append(char)
        i += 1
    return "".join(out)


def without_dialect(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without `$schema`. Every schema here is 2020-12; jsonschema would otherwise
    swap `SchemaValidator` for its own Draft202012Validator (ECMA `pattern` lost) wherever
    a `$ref` enters a schema that names its dialect."""
    return {name: value for name, value in schema.items() if name != "$schema"}


@cache
def _ecma_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(ecma_anchored(pattern))


def _ecma_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    if validator.is_type(instance, "string") and not _ecma_regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


# Draft 2020-12 with `pattern` matched as ECMA-262 matches it (see `ecma_anchored`).
SchemaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def schema_validator(name: str) -> Draft202012Validator:
    """A validator for `spec/schemas/<name>.schema.json`, formats asserted."""
    contents = json.loads(schema_path(name).read_text(encoding="utf-8"))
    validator = SchemaValidator(
        without_dialect(contents), registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    _FAST[id(validator)] = _fast_twin(contents, ())
    return validator


@cache
def _openapi_document(name: str) -> tuple[str, dict[str, Any]]:
    path = openapi_path(name)
    if not path.is_file():
        raise SpecNotFound(f"OpenAPI-document niet gevonden: {path}")
    return path.resolve().as_uri(), yaml.safe_load(path.read_text(encoding="utf-8"))


def _pointer_token(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


@cache
def openapi_request_validator(name: str, path: str, method: str) -> Draft202012Validator | None:
    """Validator for the JSON request body of `method path` in `spec/openapi/<name>.yaml`.

    None when the operation declares no JSON request body.
    """
    uri, document = _openapi_document(name)
    operation = document.get("paths", {}).get(path, {}).get(method.lower())
    if not isinstance(operation, dict):
        return None
    body = operation.get("requestBody", {})
    if "$ref" in body:  # a shared request body under components/requestBodies
        body = _resolve_local(document, body["$ref"])
    if "application/json" not in body.get("content", {}):
        return None
    pointer = "/".join(
        _pointer_token(s)
        for s in ("paths", path, method.lower(), "requestBody", "content", "application/json")
    )
    if "$ref" in operation.get("requestBody", {}):
        pointer = operation["requestBody"]["$ref"].lstrip("#/") + "/content/application~1json"
    with_openapi = registry().with_resource(uri, DRAFT202012.create_resource(document))
    schema = {"$ref": f"{uri}#/{pointer}/schema"}
    validator = SchemaValidator(
        schema, registry=with_openapi, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    _FAST[id(validator)] = _fast_twin(schema, ((uri, document),))
    return validator


@cache
def openapi_component_validator(name: str, component: str) -> Draft202012Validator:
    """Validator for `#/components/schemas/<component>` of `spec/openapi/<name>.yaml`
    (formats asserted); `KeyError` when the document has no such component."""
    uri, document = _openapi_document(name)
    if component not in document.get("components", {}).get("schemas", {}):
        raise KeyError(f"{name}.yaml has no component schema {component!r}")
    schema = {"$ref": f"{uri}#/components/schemas/{component}"}
    validator = SchemaValidator(
        schema, registry=registry().with_resource(uri, DRAFT202012.create_resource(document)),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    _FAST[id(validator)] = _fast_twin(schema, ((uri, document),))
    return validator


# A fast twin (jsonschema-rs, compiled) of every validator made here. It only answers
# "valid?"; on "no" the errors come from the python validator, the authority. The two agree
# on every schema vector of the standard (tests/reference_impl/common). Both are kept alive
# by the caches above, so `id()` keys are stable.
_FAST: dict[int, Any] = {}


def _refuse_retrieval(uri: str) -> Any:
    raise ValueError(f"refusing to fetch {uri}: every schema is local")


def _fast_twin(schema: dict[str, Any], extra: tuple[tuple[str, Any], ...]) -> Any:
    resources = [*_schema_files(), *extra]
    return jsonschema_rs.Draft202012Validator(
        schema, validate_formats=True, registry=jsonschema_rs.Registry(resources),
        retriever=_refuse_retrieval,
    )


def _resolve_local(document: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = document
    for segment in ref.lstrip("#/").split("/"):
        node = node[segment.replace("~1", "/").replace("~0", "~")]
    return node


def json_pointer(path: Any) -> str:
    """A JSON pointer (`/a/0/b`) for a jsonschema error path."""
    return "".join(f"/{_pointer_token(str(p))}" for p in path)


# Keywords whose jsonschema message names only schema-side facts or property names, never
# the offending value (a value may be personal data and must not be echoed into logs).
# (minItems, maxItems, uniqueItems, min/maxProperties messages quote the instance: not here.)
_MESSAGE_IS_SAFE = frozenset({"required", "additionalProperties", "dependentRequired"})


def _reason(error: Any) -> str:
    if error.validator in _MESSAGE_IS_SAFE:
        return error.message[:MAX_REASON_CHARS]
    expected = json.dumps(error.validator_value, ensure_ascii=False, default=str)
    return f"violates {error.validator}: {expected}"[:MAX_REASON_CHARS]


def schema_errors(validator: Draft202012Validator, instance: Any, *,
                  limit: int | None = None) -> list[tuple[str, str]]:
    """`(json pointer, reason)` per violation, in a stable order; empty when valid.

    Reasons never quote the offending value, only the rule it breaks. With `limit`, the
    search stops after that many violations (bounded work for untrusted input).
    """
    fast = _FAST.get(id(validator))
    if fast is not None and fast.is_valid(instance):
        return []
    errors = sorted(
        itertools.islice(quiet(validator).iter_errors(instance), limit),
        key=lambda e: (list(map(str, e.path)), e.message),
    )
    params: list[tuple[str, str]] = []
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            # Name each unknown member itself, so the client sees which one to drop.
            allowed = error.schema.get("properties", {})
            extra = sorted(k for k in error.instance if k not in allowed)
            params.extend((json_pointer([*error.path, k]), "unknown member") for k in extra)
            if extra:
                continue
        params.append((json_pointer(error.path) or "/", _reason(error)))
    return params
