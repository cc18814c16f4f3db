"""Apply spec/adr-ruleset.yaml to OpenAPI documents: a small Python equivalent of `spectral lint`.

Only Python may be assumed in this project, so this module implements the subset of Spectral's
ruleset syntax that the ruleset uses (the header of spec/adr-ruleset.yaml documents it):

- ``given``: a JSONPath subset — ``$``, ``.name``, ``['name']``, ``[a,b]`` (union), ``.*`` and
  ``[*]``, recursive descent ``..name`` / ``..*`` / ``..[...]``, filters on the key
  ``[?(@property =~ /regex/)]`` and on a member ``[?(@.member == 'value')]``, and a trailing
  ``~`` that selects the key of each match. ``$ref``s (local and relative files) are followed
  while walking, as Spectral resolves them; a ``$ref`` that cannot be followed stays visible.
- ``then``: one check or a list; a check has an optional ``field`` (dotted path, or ``@key``),
  a ``function`` and ``functionOptions``.
- functions: ``truthy``, ``falsy``, ``defined``, ``undefined``, ``pattern`` (``match``,
  ``notMatch``), ``enumeration`` (``values``), ``schema`` (JSON Schema 2020-12 against the fully
  resolved value) and ``majorVersion`` (``of``: the value must end in ``/v<major of of>``).
  As in Spectral, ``pattern``, ``enumeration``, ``schema`` and ``majorVersion`` pass on a missing
  value; ``truthy`` and ``defined`` catch absence.
- ``except``: findings waived on purpose, by document and JSON-pointer prefix, with a reason.

Usage::

    .venv/bin/python tests/spec/adr_lint.py                 # the ruleset's own documents
    .venv/bin/python tests/spec/adr_lint.py spec/openapi/bron.yaml --ruleset spec/adr-ruleset.yaml

Exit status: 0 no errors (warnings and waived findings are printed), 1 errors, 2 the ruleset or
a document could not be read.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

import yaml
from jsonschema import Draft202012Validator

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
DEFAULT_RULESET = SPEC_DIR / "adr-ruleset.yaml"
MISSING: Any = object()

RULESET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["ruleset", "rules"],
    "properties": {
        "ruleset": {"type": "string"},
        "version": {"type": "string"},
        "documents": {"type": "array", "items": {"type": "string"}},
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["name", "adr", "severity", "message", "given", "then"],
                "properties": {
                    "name": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"},
                    "adr": {"type": ["string", "null"], "pattern": "^/core/[a-z0-9/-]+$"},
                    "basis": {"type": "string"},
                    "severity": {"enum": ["error", "warn"]},
                    "message": {"type": "string"},
                    "given": {"anyOf": [
                        {"type": "string", "pattern": r"^\$"},
                        {"type": "array", "minItems": 1,
                         "items": {"type": "string", "pattern": r"^\$"}},
                    ]},
                    "then": {"anyOf": [
                        {"$ref": "#/$defs/check"},
                        {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/check"}},
                    ]},
                    "except": {"type": "array", "items": {
                        "type": "object",
                        "required": ["document", "location", "reason"],
                        "properties": {"document": {"type": "string"},
                                       "location": {"type": "string", "pattern": "^/"},
                                       "reason": {"type": "string", "minLength": 10}},
                        "additionalProperties": False,
                    }},
                },
                "if": {"properties": {"adr": {"type": "null"}}},
                "then": {"required": ["basis"]},
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
    "$defs": {
        "check": {
            "type": "object",
            "required": ["function"],
            "properties": {
                "field": {"type": "string"},
                "function": {"enum": ["truthy", "falsy", "defined", "undefined", "pattern",
                                      "enumeration", "schema", "majorVersion"]},
                "functionOptions": {"type": "object"},
            },
            "additionalProperties": False,
        }
    },
}


class LintError(Exception):
    """The ruleset or a document cannot be used (exit status 2)."""


@dataclass(frozen=True)
class Finding:
    """One violation of one rule at one place (`location` is file#pointer)."""

    rule: str
    adr: str | None
    severity: str
    message: str
    document: str
    location: str
    waived: str | None = None

    def __str__(self) -> str:
        state = f"{self.severity} (waived)" if self.waived else self.severity
        rule = f"{self.rule} ({self.adr})" if self.adr else self.rule
        text = f"{self.document}: {state}: {rule} at {self.location}: {self.message}"
        return f"{text}\n    waived because: {self.waived}" if self.waived else text


@dataclass(frozen=True)
class Node:
    """A value reached by walking, with where it really lives (after following `$ref`s)."""

    value: Any
    file: Path
    pointer: str
    key: str | int | None
    trail: tuple[str, ...] = ()  # ref targets followed on the way here (cycle guard)
    cyclic: bool = False  # a `$ref` back into its own trail: resolved, but not walked again

    @property
    def location(self) -> str:
        return f"{self.file.name}#{self.pointer}"


@dataclass
class Loader:
    """Reads YAML/JSON files once and follows `$ref`s between them (never the network)."""

    cache: dict[Path, Any] = field(default_factory=dict)
    walked: dict[tuple[Path, str, tuple[str, ...]], list[Node]] = field(default_factory=dict)

    def load(self, path: Path) -> Any:
        path = path.resolve()
        if path not in self.cache:
            try:
                text = path.read_text(encoding="utf-8")
                self.cache[path] = json.loads(text) if path.suffix == ".json" else yaml.safe_load(
                    text)
            except (OSError, ValueError, yaml.YAMLError) as exc:
                raise LintError(f"cannot read {path}: {exc}") from exc
        return self.cache[path]

    def follow(self, node: Node) -> Node | None:
        """The target of `node` when it is a `$ref` object; None when it cannot be followed.

        A `$ref` back into the trail that led to it (a recursive schema) is returned as a
        `cyclic` node: it resolves, but walking does not enter it again."""
        ref = node.value["$ref"]
        target, fragment = urldefrag(urljoin(node.file.as_uri(), ref))
        if not target.startswith("file://"):
            return None
        path = Path(unquote(target.removeprefix("file://")))
        try:
            value = self.load(path)
        except LintError:
            return None
        if fragment:
            for segment in fragment.lstrip("/").split("/"):
                segment = unquote(segment).replace("~1", "/").replace("~0", "~")
                if isinstance(value, dict) and segment in value:
                    value = value[segment]
                elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
                    value = value[int(segment)]
                else:
                    return None
        key = f"{path.resolve()}#{fragment}"
        if key in node.trail:
            return Node(value, path.resolve(), fragment, node.key, node.trail, cyclic=True)
        return Node(value, path.resolve(), fragment, node.key, (*node.trail, key))

    def resolved(self, node: Node) -> Node:
        while (not node.cyclic and isinstance(node.value, dict)
               and isinstance(node.value.get("$ref"), str)):
            target = self.follow(node)
            if target is None:
                return node
            node = target
        return node

    def children(self, node: Node) -> Iterator[Node]:
        value = node.value
        if node.cyclic:
            return
        if isinstance(value, dict):
            items: Iterator[tuple[Any, Any]] = iter(value.items())
        elif isinstance(value, list):
            items = enumerate(value)
        else:
            return
        for key, child in items:
            pointer = f"{node.pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            yield self.resolved(Node(child, node.file, pointer, key, node.trail))

    def materialize(self, node: Node, depth: int = 0) -> Any:
        """The value with every followable `$ref` replaced by its target (for `schema`)."""
        node = self.resolved(node)
        if depth > 64:
            return node.value
        if isinstance(node.value, dict):
            return {c.key: self.materialize(c, depth + 1) for c in self.children(node)}
        if isinstance(node.value, list):
            return [self.materialize(c, depth + 1) for c in self.children(node)]
        return node.value


# --------------------------------------------------------------------------- JSONPath subset

Selector = Callable[[Loader, Node], Iterator[Node]]


def _name(name: str) -> Selector:
    def select(loader: Loader, node: Node) -> Iterator[Node]:
        if isinstance(node.value, dict) and name in node.value:
            yield from (c for c in loader.children(node) if c.key == name)

    return select


def _all(loader: Loader, node: Node) -> Iterator[Node]:
    yield from loader.children(node)


def _union(names: list[str]) -> Selector:
    def select(loader: Loader, node: Node) -> Iterator[Node]:
        for name in names:
            yield from _name(name)(loader, node)

    return select


def _key_filter(regex: str) -> Selector:
    compiled = re.compile(regex)

    def select(loader: Loader, node: Node) -> Iterator[Node]:
        if isinstance(node.value, dict):
            yield from (c for c in loader.children(node) if compiled.search(str(c.key)))

    return select


def _member_filter(member: str, expected: Any) -> Selector:
    def select(loader: Loader, node: Node) -> Iterator[Node]:
        for child in loader.children(node):
            if isinstance(child.value, dict) and child.value.get(member, MISSING) == expected:
                yield child

    return select


def _descendants(loader: Loader, node: Node) -> Iterator[Node]:
    """The node and everything below it (memoised: several rules descend the same document)."""
    key = (node.file, node.pointer, node.trail)
    if key not in loader.walked:
        found, pending = [], [node]
        while pending:
            current = pending.pop()
            found.append(current)
            pending.extend(reversed(list(loader.children(current))))
        loader.walked[key] = found
    yield from loader.walked[key]


_KEY_FILTER = re.compile(r"^\?\(@property =~ /(?P<regex>.*)/\)$")
_MEMBER_FILTER = re.compile(
    r"""^\?\(@\.(?P<member>[\w$-]+) == (?P<value>'[^']*'|"[^"]*"|true|false|-?\d+)\)$""")


def _bracket(content: str) -> Selector:
    content = content.strip()
    if content == "*":
        return _all
    if match := _KEY_FILTER.match(content):
        return _key_filter(match["regex"])
    if match := _MEMBER_FILTER.match(content):
        return _member_filter(match["member"], yaml.safe_load(match["value"]))
    if content.startswith("?"):
        raise LintError(f"unsupported filter [{content}]")
    names = [part.strip().strip("'\"") for part in content.split(",")]
    if not all(names):
        raise LintError(f"empty name in [{content}]")
    return _name(names[0]) if len(names) == 1 else _union(names)


def _bracket_end(path: str, start: int) -> int:
    """Index of the `]` closing the bracket that opens at `start` (filters may hold `]`)."""
    if path.startswith("[?(", start):
        end = path.find(")]", start)
        if end < 0:
            raise LintError(f"unclosed filter in {path}")
        return end + 1
    end = path.find("]", start)
    if end < 0:
        raise LintError(f"unclosed bracket in {path}")
    return end


def compile_path(path: str) -> tuple[list[tuple[bool, Selector]], bool]:
    """Parse a JSONPath into (recursive?, selector) steps and whether it selects keys (`~`)."""
    if not path.startswith("$"):
        raise LintError(f"a path starts with $: {path}")
    keys = path.endswith("~")
    body = path[1:-1] if keys else path[1:]
    steps: list[tuple[bool, Selector]] = []
    i = 0
    while i < len(body):
        recursive = body.startswith("..", i)
        if recursive:
            i += 2
        elif body[i] == ".":
            i += 1
        if i < len(body) and body[i] == "[":
            end = _bracket_end(body, i)
            steps.append((recursive, _bracket(body[i + 1:end])))
            i = end + 1
            continue
        match = re.compile(r"[^.\[]+").match(body, i)
        if match is None:
            raise LintError(f"cannot parse {path} at {body[i:]!r}")
        token = match.group()
        steps.append((recursive, _all if token == "*" else _name(token)))
        i = match.end()
    return steps, keys


def query(loader: Loader, root: Node, path: str) -> Iterator[Node]:
    steps, keys = compile_path(path)
    current = [root]
    for recursive, select in steps:
        found: list[Node] = []
        for node in current:
            sources = _descendants(loader, node) if recursive else iter([node])
            for source in sources:
                found.extend(select(loader, source))
        current = found
    for node in current:
        yield Node(node.key, node.file, node.pointer, node.key, node.trail) if keys else node


# --------------------------------------------------------------------------- functions


def _field(loader: Loader, node: Node, name: str | None) -> tuple[Any, Node]:
    if not name:
        return node.value, node
    if name == "@key":
        return node.key, node
    for part in name.split("."):
        matches = [c for c in loader.children(node) if c.key == part] if isinstance(
            node.value, dict) else []
        if not matches:
            return MISSING, node
        node = matches[0]
    return node.value, node


def apply(loader: Loader, root: Node, node: Node, check: dict[str, Any]) -> list[str]:
    """Error texts of one check on one matched node ([] when it passes)."""
    value, where = _field(loader, node, check.get("field"))
    options = check.get("functionOptions", {})
    function = check["function"]
    if function == "truthy":
        return [] if value is not MISSING and value else ["missing or empty"]
    if function == "falsy":
        return [] if value is MISSING or not value else [f"is {value!r}"]
    if function == "defined":
        return [] if value is not MISSING else ["missing"]
    if function == "undefined":
        return [] if value is MISSING else ["present"]
    if value is MISSING:
        return []
    if function == "pattern":
        if not isinstance(value, str):
            return [f"{value!r} is not a string"]
        errors = []
        if "match" in options and not re.search(options["match"], value):
            errors.append(f"does not match {options['match']}")
        if "notMatch" in options and re.search(options["notMatch"], value):
            errors.append(f"matches {options['notMatch']}")
        return errors
    if function == "enumeration":
        return [] if value in options["values"] else [f"{value!r} not in {options['values']}"]
    if function == "schema":
        validator = Draft202012Validator(options["schema"])
        instance = loader.materialize(where)
        return [e.message for e in sorted(validator.iter_errors(instance), key=str)]
    if function == "majorVersion":
        versions = [n.value for n in query(loader, root, options["of"])]
        if not versions or not isinstance(versions[0], str):
            return [f"no version at {options['of']}"]
        major = versions[0].split(".")[0]
        ok = isinstance(value, str) and value.endswith(f"/v{major}")
        return [] if ok else [f"major version is {major}"]
    raise LintError(f"unknown function {function}")


# --------------------------------------------------------------------------- running


def load_ruleset(path: Path = DEFAULT_RULESET) -> dict[str, Any]:
    ruleset = Loader().load(path)
    errors = sorted(Draft202012Validator(RULESET_SCHEMA).iter_errors(ruleset), key=str)
    if errors:
        raise LintError("; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors))
    names = [rule["name"] for rule in ruleset["rules"]]
    if len(names) != len(set(names)):
        raise LintError("rule names must be unique")
    for rule in ruleset["rules"]:
        for path in [rule["given"]] if isinstance(rule["given"], str) else rule["given"]:
            compile_path(path)
    return ruleset


def _render(message: str, node: Node, errors: list[str]) -> str:
    return (message.replace("{{value}}", str(node.value)).replace("{{property}}", str(node.key))
            .replace("{{error}}", "; ".join(errors)))


def _waiver(rule: dict[str, Any], document: Path, pointer: str, base: Path) -> str | None:
    for exception in rule.get("except", []):
        same = (base / exception["document"]).resolve() == document.resolve()
        if same and (pointer == exception["location"]
                     or pointer.startswith(exception["location"] + "/")):
            return exception["reason"]
    return None


def lint(documents: list[Path], ruleset: dict[str, Any], base: Path = SPEC_DIR) -> list[Finding]:
    """Every finding of every rule on every document; duplicates reached via `$ref`s merged."""
    findings: dict[tuple[str, str, str, str], Finding] = {}
    loader = Loader()
    for document in documents:
        root = Node(loader.load(document), document.resolve(), "", None)
        for rule in ruleset["rules"]:
            givens = [rule["given"]] if isinstance(rule["given"], str) else rule["given"]
            checks = rule["then"] if isinstance(rule["then"], list) else [rule["then"]]
            for given in givens:
                for node in query(loader, root, given):
                    for check in checks:
                        errors = apply(loader, root, node, check)
                        if not errors:
                            continue
                        waived = (_waiver(rule, node.file, node.pointer, base)
                                  if node.file == document.resolve() else None)
                        finding = Finding(
                            rule["name"], rule["adr"], rule["severity"],
                            _render(rule["message"], node, errors), document.name,
                            node.location, waived)
                        findings.setdefault(
                            (finding.rule, finding.document, finding.location, finding.message),
                            finding)
    return list(findings.values())


def errors_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error" and not f.waived]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("documents", nargs="*", type=Path,
                        help="OpenAPI documents (default: the ruleset's own `documents`)")
    parser.add_argument("--ruleset", type=Path, default=DEFAULT_RULESET)
    args = parser.parse_args(argv)
    try:
        ruleset = load_ruleset(args.ruleset)
        base = args.ruleset.resolve().parent
        documents = args.documents or [base / d for d in ruleset.get("documents", [])]
        findings = lint(documents, ruleset, base)
    except LintError as exc:
        print(f"adr-lint: {exc}", file=sys.stderr)
        return 2
    for finding in sorted(findings, key=str):
        print(finding)
    errors = errors_of(findings)
    print(f"adr-lint: {len(documents)} documents, {len(ruleset['rules'])} rules, "
          f"{len(errors)} errors, {len(findings) - len(errors)} warnings or waived")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
