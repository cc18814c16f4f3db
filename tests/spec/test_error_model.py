"""One error model: every problem code of the standard is named in three places, and they agree.

- the normative text: `trust-model.md`, `interface.md`, `versioning.md`, `governance.md` and the
  Statements of the rules in force (`rules/<area>.md`);
- the machine index: `problem_codes` of the rules in force in `rules.yaml`;
- the interfaces: anywhere in the OpenAPI documents (`openapi/*.yaml`), under one of
  `CODE_EXTENSIONS`: `x-probleemcodes` (what a response answers), `x-verificatiecodes` (what a
  verifier reports about a signed answer: scheme document, envelope, revocation list, bundle)
  and `x-algemene-probleemcodes` (codes any operation may answer).

A code named in one place and missing in another is a defect of the standard (trust model §9,
one error model). The check runs both ways.

The normative text writes the JWS-profile codes once with a placeholder, `<token>/<suffix>`;
it stands for that suffix under every token prefix of the trust model's token table (§3), except
where the text says that token has no such check (`EXPANSION_EXCEPTIONS`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "spec"
NORMATIVE = ("trust-model.md", "interface.md", "versioning.md", "governance.md",
             "certificering.md")
CODE = re.compile(r"^[a-z]+(/[a-z0-9-]+)+$")
BACKTICKED = re.compile(r"`([a-z]+(?:/[a-z0-9-]+)+)`")
PLACEHOLDER = re.compile(r"`<token>/([a-z0-9-]+)`")
# A token row of the trust model's table: | name | `typ…+…` … | signed by | `prefix` |
TOKEN_ROW = re.compile(r"^\|[^|\n]+\|[^|\n]*`[^`]*\+[^`]*`[^|\n]*\|[^|\n]+\| `([a-z]+)` \|$",
                       re.MULTILINE)
# `<token>/<suffix>` does not yield these: the envelope's payload is the claims document, whose
# failures are `envelop/document-ongeldig` (trust model §8).
EXPANSION_EXCEPTIONS = {"envelop/claims-ongeldig"}
STATEMENT = re.compile(r"^\*\*Statement\*\*$(.*?)^\*\*Rationale\*\*$", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^## `([^`]+)` — ", re.MULTILINE)


# --- reading the three places ---------------------------------------------------------------


def token_prefixes(trust_model: str) -> set[str]:
    return set(TOKEN_ROW.findall(trust_model))


def rules_in_force() -> list[dict[str, Any]]:
    rules = yaml.safe_load((SPEC / "rules.yaml").read_text(encoding="utf-8"))["rules"]
    return [rule for rule in rules if rule.get("status", "in-force") == "in-force"]


def rule_statements(in_force: set[str]) -> str:
    """The Statement parts of the rules in force, from every area file."""
    parts = []
    for path in sorted((SPEC / "rules").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        headings = list(HEADING.finditer(text))
        for i, heading in enumerate(headings):
            if heading[1] not in in_force:
                continue
            end = headings[i + 1].start() if i + 1 < len(headings) else len(text)
            statement = STATEMENT.search(text, heading.end(), end)
            if statement:
                parts.append(statement[1])
    return "\n".join(parts)


CODE_EXTENSIONS = frozenset({"x-probleemcodes", "x-verificatiecodes", "x-algemene-probleemcodes"})


def openapi_codes() -> dict[str, set[str]]:
    """Code → the OpenAPI documents naming it under one of `CODE_EXTENSIONS` (a list, or a
    mapping whose keys are codes)."""
    found: dict[str, set[str]] = {}

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in CODE_EXTENSIONS:
                    codes = value if isinstance(value, list) else list(value or {})
                    for code in codes:
                        found.setdefault(str(code), set()).add(where)
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path in sorted((SPEC / "openapi").glob("*.yaml")):
        walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return found


def normative_codes(text: str, prefixes: set[str], namespaces: set[str]) -> set[str]:
    """Codes named in `text`: backticked codes of a known namespace, and every placeholder
    `<token>/<suffix>` expanded to the token prefixes."""
    literal = {code for code in BACKTICKED.findall(text) if code.split("/")[0] in namespaces}
    expanded = {f"{prefix}/{suffix}" for suffix in PLACEHOLDER.findall(text)
                for prefix in prefixes}
    return literal | (expanded - EXPANSION_EXCEPTIONS)


TRUST_MODEL = (SPEC / "trust-model.md").read_text(encoding="utf-8")
PREFIXES = token_prefixes(TRUST_MODEL)
IN_FORCE = rules_in_force()
INDEX_CODES = {code for rule in IN_FORCE for code in rule["problem_codes"]}
OPENAPI = openapi_codes()
# Namespaces of problem codes: what the index and the interfaces use, plus the token prefixes.
# This keeps media types (`application/jose`) and file paths out of the text scan.
NAMESPACES = {code.split("/")[0] for code in INDEX_CODES | set(OPENAPI)} | PREFIXES
TEXT = "\n".join((SPEC / name).read_text(encoding="utf-8") for name in NORMATIVE)
TEXT += "\n" + rule_statements({rule["id"] for rule in IN_FORCE})
TEXT_CODES = normative_codes(TEXT, PREFIXES, NAMESPACES)


# --- the checks -----------------------------------------------------------------------------


def test_the_three_places_are_read() -> None:
    """Not vacuous: each place yields codes, including ones the trust model spells out and the
    placeholder expansion for the request proof."""
    assert {"stelsel", "certificaat", "bewijs", "verzoekbewijs", "envelop"} <= PREFIXES
    assert "verzoekbewijs/hergebruikt" in TEXT_CODES
    assert "verzoekbewijs/verboden-header" in TEXT_CODES  # from `<token>/verboden-header`
    assert "envelop/claims-ongeldig" not in TEXT_CODES
    assert "application/jose" not in TEXT_CODES
    assert len(INDEX_CODES) > 50 and len(OPENAPI) > 20


def test_every_code_is_well_formed() -> None:
    codes = TEXT_CODES | INDEX_CODES | set(OPENAPI)
    assert sorted(c for c in codes if not CODE.match(c)) == []


def test_every_normative_code_is_in_the_index() -> None:
    assert sorted(TEXT_CODES - INDEX_CODES) == []


def test_every_normative_code_is_in_an_openapi_document() -> None:
    assert sorted(TEXT_CODES - set(OPENAPI)) == []


def test_every_indexed_code_is_in_the_normative_text() -> None:
    assert sorted(INDEX_CODES - TEXT_CODES) == []


def test_every_openapi_code_is_in_the_normative_text() -> None:
    missing = {code: sorted(OPENAPI[code]) for code in set(OPENAPI) - TEXT_CODES}
    assert missing == {}


@pytest.mark.parametrize("text, expected", [
    ("`<token>/verlopen` and `sessie/token-ongeldig`, `application/json`",
     {"a/verlopen", "envelop/verlopen", "sessie/token-ongeldig"}),
    ("`<token>/claims-ongeldig`", {"a/claims-ongeldig"}),
    ("`rules/token.md`, `onbekend/x-y`", set()),
])
def test_code_extraction(text: str, expected: set[str]) -> None:
    assert normative_codes(text, {"a", "envelop"}, {"sessie", "a", "envelop"}) == expected
