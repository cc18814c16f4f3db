"""JSON Schemas (of `spec/schemas/` and inside the OpenAPI documents) as readable HTML.

`SchemaRenderer.render(node, base)` draws one schema: its type, its constraints, and for an
object a table of its members (required ones marked), nested objects expanded a few levels;
every `$ref` becomes a link to where the target is drawn, and a `$ref` that does not resolve
is a warning. The exact schema is always one click away, as JSON (`<details>`).

`base` says where a `$ref` is resolved from: a schema file (`common.schema.json`) or an
OpenAPI document (`openapi/bron.yaml`, whose `#/components/schemas/X` are drawn on its page
and whose `../schemas/x.schema.json#/$defs/y` point into `schemas.html`).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from sitegen.links import schema_anchor
from sitegen.markdown import Markdown
from sitegen.problems import Problems

MAX_DEPTH = 3  # nested object levels drawn inline before "see the JSON"
SCHEMA_ID_BASE = "https://vorderingen.example/schemas/"
CONSTRAINTS = (
    ("format", Markup("format {}")), ("pattern", Markup("pattern <code>{}</code>")),
    ("minLength", Markup("≥ {} characters")), ("maxLength", Markup("≤ {} characters")),
    ("minimum", Markup("≥ {}")), ("exclusiveMinimum", Markup("> {}")),
    ("maximum", Markup("≤ {}")), ("exclusiveMaximum", Markup("< {}")),
    ("minItems", Markup("≥ {} items")), ("maxItems", Markup("≤ {} items")),
    ("minProperties", Markup("≥ {} members")), ("maxProperties", Markup("≤ {} members")),
)


@dataclass(frozen=True)
class Base:
    """Where a schema node lives: a schema file or an OpenAPI document (spec-relative)."""

    path: str  # `schemas/common.schema.json` or `openapi/bron.yaml`
    document: dict[str, Any]

    @property
    def is_openapi(self) -> bool:
        return self.path.startswith("openapi/")


def pointer_get(document: Any, pointer: str) -> Any:
    """The node at a JSON pointer (`/$defs/uuid`); KeyError when there is none."""
    node = document
    for raw in [p for p in pointer.split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(pointer)
    return node


class SchemaRenderer:
    """Draws schemas; see the module docstring."""

    def __init__(self, spec_dir: Path, markdown: Markdown, problems: Problems) -> None:
        self.spec_dir = spec_dir
        self.markdown = markdown
        self.problems = problems
        self._files: dict[str, dict[str, Any]] = {}

    def schema_file(self, name: str) -> dict[str, Any] | None:
        """The parsed `schemas/<name>.schema.json`, or None."""
        if name not in self._files:
            path = self.spec_dir / "schemas" / f"{name}.schema.json"
            if not path.is_file():
                return None
            self._files[name] = json.loads(path.read_text(encoding="utf-8"))
        return self._files[name]

    # --- $ref ---------------------------------------------------------------------------------

    def ref_target(self, ref: str, base: Base) -> tuple[str, str, Any, Base] | None:
        """(href, label, target node, its base) of a `$ref` written in `base`; None (and a
        warning) when it does not resolve."""
        location, _, pointer = ref.partition("#")
        if location.startswith(SCHEMA_ID_BASE):
            location = location.removeprefix(SCHEMA_ID_BASE)
        if not location:  # inside the same document
            if base.is_openapi:
                return self._openapi_target(pointer, base, ref)
            return self._file_target(posixpath.basename(base.path), pointer, base, ref)
        target_path = posixpath.normpath(posixpath.join(posixpath.dirname(base.path), location))
        if not (target_path.startswith("schemas/") and target_path.endswith(".schema.json")):
            self.problems.warn(base.path, f"$ref {ref}: not a schema file of the standard")
            return None
        return self._file_target(posixpath.basename(target_path), pointer, base, ref)

    def _file_target(self, file_name: str, pointer: str, base: Base,
                     ref: str) -> tuple[str, str, Any, Base] | None:
        name = file_name.removesuffix(".schema.json")
        document = self.schema_file(name)
        try:
            if document is None:
                raise KeyError(file_name)
            node = pointer_get(document, pointer)
        except (KeyError, IndexError, ValueError):
            self.problems.warn(base.path, f"$ref {ref} does not resolve")
            return None
        label = pointer.rsplit("/", 1)[-1] if pointer else name
        target_base = Base(f"schemas/{file_name}", document)
        return f"schemas.html#{schema_anchor(name, pointer)}", label, node, target_base

    def _openapi_target(self, pointer: str, base: Base,
                        ref: str) -> tuple[str, str, Any, Base] | None:
        try:
            node = pointer_get(base.document, pointer)
        except (KeyError, IndexError, ValueError):
            self.problems.warn(base.path, f"$ref {ref} does not resolve")
            return None
        parts = [p for p in pointer.split("/") if p]
        return f"#{component_anchor(parts[1], parts[-1])}", parts[-1], node, base

    # --- drawing ------------------------------------------------------------------------------

    def render(self, node: Any, base: Base, *, raw: bool = True, expand: bool = False) -> Markup:
        """The schema as HTML: summary line, member table, and the exact JSON. With `expand`,
        a schema that is only a `$ref` shows its target's members too (request and response
        bodies)."""
        body = self._node(node, base, depth=0)
        if expand and isinstance(node, dict) and set(node) == {"$ref"}:
            target = self.ref_target(str(node["$ref"]), base)
            if target is not None and isinstance(target[2], dict):
                shown = {k: v for k, v in target[2].items()
                         if k not in ("title", "$id", "$schema")}
                body += Markup('<div class="expanded">{}</div>').format(
                    self._node(shown, target[3], 1))
        if raw:
            text = json.dumps(node, indent=2, ensure_ascii=False)
            body += Markup('<details class="raw"><summary>JSON</summary><pre>{}</pre>'
                           "</details>").format(text)
        return body

    def _node(self, node: Any, base: Base, depth: int) -> Markup:
        if not isinstance(node, dict):
            return Markup("<span class='type'>{}</span>").format(json.dumps(node))
        parts = [self.summary(node, base)]
        description = node.get("description")
        if isinstance(description, str):
            parts.append(Markup('<div class="description">{}</div>').format(
                self.markdown.render(description, source=base.path)))
        properties = node.get("properties")
        if isinstance(properties, dict) and properties:
            if depth >= MAX_DEPTH:
                parts.append(Markup('<p class="note">members: see the JSON</p>'))
            else:
                parts.append(self._members(node, base, depth))
        for keyword in ("oneOf", "anyOf", "allOf"):
            variants = node.get(keyword)
            if isinstance(variants, list) and depth < MAX_DEPTH:
                items = Markup("").join(Markup("<li>{}</li>").format(
                    self._node(v, base, depth + 1)) for v in variants)
                parts.append(Markup('<div class="variants"><span class="kw">{}</span><ol>{}'
                                    "</ol></div>").format(keyword, items))
        if "if" in node:
            parts.append(Markup('<p class="note">conditional requirements '
                                "(<code>if</code>/<code>then</code>): see the JSON</p>"))
        return Markup("").join(parts)

    def _members(self, node: dict[str, Any], base: Base, depth: int) -> Markup:
        required = set(node.get("required") or [])
        rows = []
        for name, member in node["properties"].items():
            detail = Markup("")
            if isinstance(member, dict):
                nested = member.get("properties") or member.get("oneOf") or member.get("anyOf")
                if nested and "$ref" not in member:
                    detail = self._node({k: v for k, v in member.items() if k != "description"},
                                        base, depth + 1)
                description = member.get("description")
                text = (self.markdown.render(description, source=base.path)
                        if isinstance(description, str) else Markup(""))
                summary = self.summary(member, base) if not nested or "$ref" in member else ""
            else:
                text, summary = Markup(""), self.summary(member, base)
            mark = Markup('<span class="req" title="required">required</span>') \
                if name in required else Markup("")
            rows.append(Markup("<tr><td><code>{}</code> {}</td><td>{}{}{}</td></tr>").format(
                name, mark, summary, text, detail))
        closed = Markup('<p class="note">closed: no other members '
                        "(<code>additionalProperties: false</code>)</p>") \
            if node.get("additionalProperties") is False else Markup("")
        return Markup('<table class="members"><thead><tr><th>member</th><th>schema</th></tr>'
                      "</thead><tbody>{}</tbody></table>{}").format(
                          Markup("").join(rows), closed)

    def summary(self, node: Any, base: Base) -> Markup:
        """One line: type (or link to the `$ref`), enum/const, and constraints."""
        if node is True:
            return Markup('<span class="type">any</span>')
        if not isinstance(node, dict):
            return Markup('<span class="type">{}</span>').format(json.dumps(node))
        bits: list[Markup] = []
        if "$ref" in node:
            target = self.ref_target(str(node["$ref"]), base)
            if target is not None:
                bits.append(Markup('<a class="ref" href="{}">{}</a>').format(target[0], target[1]))
            else:
                bits.append(Markup('<span class="ref broken">{}</span>').format(node["$ref"]))
        kind = node.get("type")
        if kind is not None:
            kinds = kind if isinstance(kind, list) else [kind]
            label = " | ".join(str(k) for k in kinds)
            if "array" in kinds and isinstance(node.get("items"), dict):
                label = f"{label} of"
                bits.append(Markup('<span class="type">{}</span> {}').format(
                    label, self.summary(node["items"], base)))
            else:
                bits.append(Markup('<span class="type">{}</span>').format(label))
        if "const" in node:
            bits.append(Markup("= <code>{}</code>").format(json.dumps(node["const"],
                                                                        ensure_ascii=False)))
        if isinstance(node.get("enum"), list):
            values = ", ".join(json.dumps(v, ensure_ascii=False) for v in node["enum"])
            bits.append(Markup("one of <code>{}</code>").format(values))
        for key, template in CONSTRAINTS:
            if key in node:
                bits.append(template.format(node[key]))
        if node.get("uniqueItems"):
            bits.append(Markup("unique items"))
        return Markup('<span class="summary">{}</span>').format(Markup(", ").join(bits))


def component_anchor(kind: str, name: str) -> str:
    """`schemas`, `Voorstel` → `components-schemas-voorstel`."""
    return f"components-{kind}-{name}".lower()
