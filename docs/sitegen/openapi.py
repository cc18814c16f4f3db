"""An OpenAPI 3.1 document of the standard as a view for its page.

Operations are grouped by tag, in the order of the document's `tags`. Per operation: method
and path, summary and description, security, parameters, request body, and every response
with its headers, media types, schema, examples, problem codes (`x-probleemcodes`) and
links. A response, parameter, header or example given by `$ref` is drawn where it is used
(and linked to its component); schemas are linked. Every `$ref` must resolve (a warning
otherwise), and an operation without a tag, a summary or an `operationId` is a warning.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup

from sitegen.markdown import Markdown
from sitegen.problems import Problems
from sitegen.schemas import Base, SchemaRenderer, component_anchor

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
DOCUMENTS = (("bron", "Source organisation"), ("app-manager", "App Manager"),
             ("stelsel", "Scheme service"))


@dataclass
class Example:
    name: str
    summary: str
    json: str


@dataclass
class Media:
    media_type: str
    schema: Markup
    examples: list[Example] = field(default_factory=list)


@dataclass
class Header:
    name: str
    description: Markup
    schema: Markup


@dataclass
class Response:
    status: str
    description: Markup
    component: str  # href of the component it came from, or ""
    problem_codes: list[str]
    headers: list[Header]
    media: list[Media]
    links: list[tuple[str, str, Markup]]  # (name, operationId href, description)


@dataclass
class Parameter:
    name: str
    location: str
    required: bool
    description: Markup
    schema: Markup


@dataclass
class Operation:
    method: str
    path: str
    operation_id: str
    summary: str
    description: Markup
    security: str
    parameters: list[Parameter]
    request: list[Media]
    request_required: bool
    responses: list[Response]

    @property
    def anchor(self) -> str:
        return f"op-{self.operation_id}"


@dataclass
class Tag:
    name: str
    description: Markup
    operations: list[Operation] = field(default_factory=list)


@dataclass
class Component:
    kind: str
    name: str
    body: Markup

    @property
    def anchor(self) -> str:
        return component_anchor(self.kind, self.name)


@dataclass
class ApiDocument:
    name: str
    page: str
    label: str
    title: str
    version: str
    summary: str
    description: Markup
    servers: list[tuple[str, Markup]]
    tags: list[Tag]
    components: list[Component]
    security_schemes: list[tuple[str, Markup]]

    @property
    def operation_count(self) -> int:
        return sum(len(t.operations) for t in self.tags)


class OpenApiView:
    """Builds `ApiDocument`s; see the module docstring."""

    def __init__(self, spec_dir: Path, markdown: Markdown, schemas: SchemaRenderer,
                 problems: Problems) -> None:
        self.spec_dir = spec_dir
        self.markdown = markdown
        self.schemas = schemas
        self.problems = problems

    def load(self, name: str, label: str) -> ApiDocument:
        path = f"openapi/{name}.yaml"
        document = yaml.safe_load((self.spec_dir / path).read_text(encoding="utf-8"))
        base = Base(path, document)
        info = document.get("info", {})
        tags = [Tag(t["name"], self._md(t.get("description", ""), base))
                for t in document.get("tags", [])]
        by_name = {t.name: t for t in tags}
        for route, item in (document.get("paths") or {}).items():
            for method in METHODS:
                if method not in item:
                    continue
                operation = self._operation(method, route, item, item[method], base)
                tag_names = item[method].get("tags") or []
                tag = by_name.get(tag_names[0]) if tag_names else None
                if tag is None:
                    self.problems.warn(path, f"{method.upper()} {route}: no tag of `tags`")
                    tag = by_name.setdefault("(untagged)", Tag("(untagged)", Markup("")))
                    if tag not in tags:
                        tags.append(tag)
                tag.operations.append(operation)
        schemes = (document.get("components") or {}).get("securitySchemes") or {}
        return ApiDocument(
            name=name, page=f"{name}.html", label=label, title=str(info.get("title", name)),
            version=str(info.get("version", "")), summary=str(info.get("summary", "")),
            description=self._md(info.get("description", ""), base),
            servers=[(s["url"], self._md(s.get("description", ""), base))
                     for s in document.get("servers", [])],
            tags=[t for t in tags if t.operations],
            components=self._components(document, base),
            security_schemes=[(n, self._md(self._scheme_text(s), base))
                              for n, s in schemes.items()],
        )

    # --- parts --------------------------------------------------------------------------------

    def _md(self, text: Any, base: Base) -> Markup:
        return self.markdown.render(str(text or ""), source=base.path)

    @staticmethod
    def _scheme_text(scheme: dict[str, Any]) -> str:
        kind = f"`{scheme.get('type')}`" + (f" `{scheme['scheme']}`" if "scheme" in scheme else "")
        return f"{kind}. {scheme.get('description', '')}"

    def _deref(self, node: Any, base: Base) -> tuple[Any, str]:
        """(the node, the href of its component) following one `$ref` level."""
        if isinstance(node, dict) and "$ref" in node:
            target = self.schemas.ref_target(str(node["$ref"]), base)
            if target is None:
                return {}, ""
            return target[2], target[0]
        return node, ""

    def _operation(self, method: str, route: str, item: dict[str, Any], node: dict[str, Any],
                   base: Base) -> Operation:
        where = f"{base.path} {method.upper()} {route}"
        for key in ("operationId", "summary"):
            if not node.get(key):
                self.problems.warn(where, f"has no {key}")
        security = node.get("security", base.document.get("security", []))
        names = sorted({name for requirement in security for name in requirement})
        parameters = [self._parameter(p, base)
                      for p in [*item.get("parameters", []), *node.get("parameters", [])]]
        body, _href = self._deref(node.get("requestBody") or {}, base)
        return Operation(
            method=method.upper(), path=route,
            operation_id=str(node.get("operationId", f"{method}-{route}")),
            summary=str(node.get("summary", "")),
            description=self._md(node.get("description", ""), base),
            security=", ".join(names) if names else "none (public)",
            parameters=parameters,
            request=self._media(body.get("content") or {}, base),
            request_required=bool(body.get("required")),
            responses=[self._response(status, response, base)
                       for status, response in (node.get("responses") or {}).items()],
        )

    def _parameter(self, node: Any, base: Base) -> Parameter:
        parameter, _href = self._deref(node, base)
        return Parameter(
            name=str(parameter.get("name", "?")), location=str(parameter.get("in", "?")),
            required=bool(parameter.get("required")),
            description=self._md(parameter.get("description", ""), base),
            schema=self.schemas.render(parameter.get("schema", {}), base, raw=False),
        )

    def _response(self, status: Any, node: Any, base: Base) -> Response:
        response, href = self._deref(node, base)
        headers = []
        for name, header_node in (response.get("headers") or {}).items():
            header, _header_href = self._deref(header_node, base)
            headers.append(Header(name, self._md(header.get("description", ""), base),
                                  self.schemas.render(header.get("schema", {}), base, raw=False)))
        links = []
        for name, link in (response.get("links") or {}).items():
            target = f"#op-{link['operationId']}" if "operationId" in link else ""
            links.append((name, target, self._md(link.get("description", ""), base)))
        return Response(
            status=str(status), description=self._md(response.get("description", ""), base),
            component=href, problem_codes=list(response.get("x-probleemcodes") or []),
            headers=headers, media=self._media(response.get("content") or {}, base),
            links=links,
        )

    def _media(self, content: dict[str, Any], base: Base) -> list[Media]:
        media = []
        for media_type, node in content.items():
            examples = []
            if "example" in node:
                examples.append(Example("example", "", _json(node["example"])))
            for name, example_node in (node.get("examples") or {}).items():
                example, _href = self._deref(example_node, base)
                examples.append(Example(name, str(example.get("summary", "")),
                                        _json(example.get("value"))))
            schema = self.schemas.render(node.get("schema", {}), base, expand=True)
            media.append(Media(media_type, schema, examples))
        return media

    def _components(self, document: dict[str, Any], base: Base) -> list[Component]:
        found = []
        components = document.get("components") or {}
        for name, schema in (components.get("schemas") or {}).items():
            found.append(Component("schemas", name, self.schemas.render(schema, base)))
        for name, node in (components.get("responses") or {}).items():
            response = self._response("", node, base)
            body = Markup("").join([response.description, *(m.schema for m in response.media)])
            if response.problem_codes:
                body += Markup("<p>problem codes: {}</p>").format(
                    Markup(", ").join(Markup("<code>{}</code>").format(c)
                                      for c in response.problem_codes))
            found.append(Component("responses", name, body))
        return found


def _json(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)
