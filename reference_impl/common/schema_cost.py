"""Schema validation whose cost follows the instance's size, not its size times the errors.

The python `jsonschema` validator formats each error message eagerly with `repr(instance)`
(`maxItems`, `type`, `enum`, `anyOf`, ...): on a 1 MB array every such error costs a 1 MB
repr, and `anyOf`/`oneOf` first collect *every* error of every branch, `uniqueItems` may
compare all pairs. `quiet(validator)` gives a twin of `validator` (same schema, registry and
format checker, cached) whose keywords decide exactly as before but say only which rule
broke (the standard's reasons never quote a value anyway, see spec.schema_errors):

- `type`, `enum`, `const`, `minItems`, `maxItems`, `minProperties`, `maxProperties`,
  `not`: the same test, a constant message;
- `anyOf`, `oneOf`: `is_valid` per branch (stops at a branch's first error);
- `uniqueItems`: one pass with a set of canonical JSON texts instead of pairwise equality;
- `items`: of an array longer than its `maxItems` (refused for that already) only the first
  `maxItems` items are looked at.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema._utils import equal  # JSON equality (1 == 1.0, True != 1), as the keywords use
from referencing import Registry
from referencing.jsonschema import DRAFT202012

_QUIET: dict[int, Any] = {}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _type(validator: Any, types: Any, instance: Any, _schema: Any) -> Iterator[ValidationError]:
    names = types if isinstance(types, list) else [types]
    if not any(validator.is_type(instance, name) for name in names):
        yield ValidationError(f"is not of type {', '.join(map(repr, names))}")


def _enum(_validator: Any, enums: Any, instance: Any, _schema: Any
          ) -> Iterator[ValidationError]:
    if all(not equal(each, instance) for each in enums):
        yield ValidationError("is not one of the allowed values")


def _const(_validator: Any, const: Any, instance: Any, _schema: Any
           ) -> Iterator[ValidationError]:
    if not equal(instance, const):
        yield ValidationError("is not the expected value")


def _count(kind: str, keyword: str, too: str) -> Any:
    def check(validator: Any, limit: int, instance: Any, _schema: Any
              ) -> Iterator[ValidationError]:
        if validator.is_type(instance, kind):
            size = len(instance)
            if (size < limit) if keyword.startswith("min") else (size > limit):
                yield ValidationError(f"has too {too} {'items' if kind == 'array' else 'members'}")
    return check


def _unique(validator: Any, unique: bool, instance: Any, _schema: Any
            ) -> Iterator[ValidationError]:
    if unique and validator.is_type(instance, "array"):
        seen: set[str] = set()
        for item in instance:
            text = _canonical(item)
            if text in seen:
                yield ValidationError("has non-unique items")
                return
            seen.add(text)


def _not(validator: Any, schema: Any, instance: Any, _parent: Any) -> Iterator[ValidationError]:
    if validator.evolve(schema=schema).is_valid(instance):
        yield ValidationError("is valid under a schema it must not match")


def _any_of(validator: Any, schemas: Any, instance: Any, _parent: Any
            ) -> Iterator[ValidationError]:
    if not any(validator.evolve(schema=s).is_valid(instance) for s in schemas):
        yield ValidationError("is not valid under any of the given schemas")


def _one_of(validator: Any, schemas: Any, instance: Any, _parent: Any
            ) -> Iterator[ValidationError]:
    matching = 0
    for schema in schemas:
        if validator.evolve(schema=schema).is_valid(instance):
            matching += 1
            if matching > 1:
                yield ValidationError("is valid under more than one of the given schemas")
                return
    if matching == 0:
        yield ValidationError("is not valid under any of the given schemas")


_ITEMS = Draft202012Validator.VALIDATORS["items"]


def _items(validator: Any, items: Any, instance: Any, schema: Any) -> Iterator[ValidationError]:
    limit = schema.get("maxItems")
    if isinstance(limit, int) and validator.is_type(instance, "array") and len(instance) > limit:
        instance = instance[:limit]  # already refused by maxItems: the rest adds only work
    yield from _ITEMS(validator, items, instance, schema)


QuietValidator = validators.extend(Draft202012Validator, {
    "items": _items,
    "type": _type, "enum": _enum, "const": _const,
    "minItems": _count("array", "minItems", "few"),
    "maxItems": _count("array", "maxItems", "many"),
    "minProperties": _count("object", "minProperties", "few"),
    "maxProperties": _count("object", "maxProperties", "many"),
    "uniqueItems": _unique, "not": _not, "anyOf": _any_of, "oneOf": _one_of,
})


def _without_dialect(registry: Registry) -> Registry:
    """`registry` with `$schema` left out of every resource: jsonschema picks the validator
    class of a `$ref`'d schema by its `$schema`, which would leave the quiet keywords behind
    at the first reference (every resource here is 2020-12 anyway)."""
    resources = []
    for uri in registry:
        contents = registry[uri].contents
        if isinstance(contents, dict) and "$schema" in contents:
            contents = {k: v for k, v in contents.items() if k != "$schema"}
        resources.append((uri, DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


def quiet(validator: Draft202012Validator) -> Draft202012Validator:
    """The cheap-message twin of `validator` (cached; `validator` must be long-lived)."""
    twin = _QUIET.get(id(validator))
    if twin is None:
        schema = validator.schema
        if isinstance(schema, dict):
            schema = {k: v for k, v in schema.items() if k != "$schema"}
        twin = QuietValidator(schema, registry=_without_dialect(validator._registry),
                              format_checker=validator.format_checker)
        _QUIET[id(validator)] = twin
    return twin
