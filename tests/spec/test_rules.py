"""The rule index (spec/rules.yaml) and the rule texts (spec/rules/<area>.md) say the same thing,
and every rule id cited anywhere in the repository is a rule of the standard.

- The index parses; every entry has exactly the documented fields with valid values; ids are
  unique, well formed and permanent-looking (`/area/name`), entries are grouped by area.
- Every entry carries its lifecycle (spec/versioning.md §7): `status`, `since`, and `changed`,
  `withdrawn_in`, `superseded_by` where they apply; versions are semver no later than the
  current version of the standard (the newest CHANGELOG entry) and in a possible order; a
  withdrawn rule names the version it was withdrawn in, and what supersedes it exists.
- Every indexed rule has a section in its area's markdown file (heading with the id in
  backticks) with Statement, Rationale and How to test, whose level, testability, problem codes
  and first statement paragraph match the index; and every rule section is indexed.
- Every problem code the index names is a code of the contract (trust-model.md, interface.md).
- Every rule id cited in the spec, the conformance suite, the reference implementation, docs and
  examples exists in the index. The scan is structural where it can be (`"rule"` members of JSON
  files, `rule=` arguments and `RULE` constants in Python) and textual otherwise (ids of a known
  area anywhere in text), so it keeps working as those folders grow.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "spec"
RULES_DIR = SPEC / "rules"
INDEX = SPEC / "rules.yaml"
CONTRACT = (SPEC / "trust-model.md", SPEC / "interface.md", SPEC / "versioning.md",
            SPEC / "governance.md", SPEC / "certificering.md")
CHANGELOG = SPEC / "CHANGELOG.md"

ID = re.compile(r"^/[a-z0-9-]+/[a-z0-9-]+$")
CODE = re.compile(r"^[a-z]+(/[a-z0-9-]+)+$")
VERSION = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")
LEVELS = {"MUST", "SHOULD"}
TESTABLE = {"external", "internal", "manual"}
REQUIRED_FIELDS = (
    "id", "level", "title", "area", "file", "statement", "problem_codes", "testable", "status",
    "since",
)
OPTIONAL_FIELDS = ("changed", "superseded_by")
STATUSES = {"in-force", "withdrawn"}
NOT_AN_AREA = {"README.md"}  # files in spec/rules/ that hold no rules

HEADING = re.compile(r"^## `(?P<id>[^`]+)` — (?P<title>\S.*)$")
ANY_ID_HEADING = re.compile(r"^#+ .*`(/[a-z0-9-]+/[a-z0-9-]+)`")
ROW = re.compile(r"^\| (?P<key>[A-Za-z ]+) \| (?P<value>.*) \|$")
PARTS = ("**Statement**", "**Rationale**", "**How to test**")

# Where rule ids are cited. Folders that do not exist yet are skipped.
SCAN_ROOTS = ("spec", "conformance", "reference_impl", "docs", "examples", "README.md",
              "ARCHITECTURE.md")
SCAN_SUFFIXES = {".py", ".md", ".json", ".yaml", ".yml", ".html", ".txt", ".toml", ".j2"}
SKIP_DIRS = {"__pycache__", ".venv", "node_modules", ".git", ".ruff_cache", ".hypothesis"}
# `/stelsel/v1` and `/app-manager/v1` are base paths of interfaces, not rules.
BASE_PATH_NAME = re.compile(r"^v[0-9]+$")
# `/suite/…` ids name findings about the conformance suite's own input (a stale entry in an
# expected-failures file); they are not requirements of the standard.
SUITE_OWN_AREA = "suite"
RULE_CONSTANT = re.compile(r"(^|_)RULE(_|$)")


def load_index() -> list[dict[str, Any]]:
    data = yaml.safe_load(INDEX.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and set(data) == {"rules"}, "rules.yaml has one key: rules"
    assert isinstance(data["rules"], list) and data["rules"], "rules: is a non-empty list"
    return data["rules"]


def current_version() -> tuple[int, int, int]:
    """The version of the standard: the newest entry (`## X.Y.Z — …`) of the CHANGELOG."""
    for line in CHANGELOG.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^## (\S+)", line)
        if match:
            assert VERSION.match(match[1]), f"CHANGELOG heading {line!r}"
            return semver(match[1])
    raise AssertionError("CHANGELOG.md has no version entry")


def semver(text: str) -> tuple[int, int, int]:
    major, minor, patch = (int(part) for part in text.split("."))
    return major, minor, patch


RULES = load_index()
BY_ID = {rule["id"]: rule for rule in RULES}
IN_FORCE = [rule for rule in RULES if rule.get("status") == "in-force"]
AREAS = sorted({rule["area"] for rule in RULES})


# --- the index ------------------------------------------------------------------------------


def test_index_entries_have_exactly_the_documented_fields() -> None:
    for rule in RULES:
        reason = {"reason"} if rule.get("testable") != "external" else set()
        withdrawn = {"withdrawn_in"} if rule.get("status") == "withdrawn" else set()
        required = set(REQUIRED_FIELDS) | reason | withdrawn
        assert required <= set(rule), f"{rule.get('id')}: missing {sorted(required - set(rule))}"
        extra = set(rule) - required - set(OPTIONAL_FIELDS)
        assert extra == set(), f"{rule.get('id')}: unexpected fields {sorted(extra)}"


def test_ids_are_unique_and_well_formed() -> None:
    counts = Counter(rule["id"] for rule in RULES)
    assert [i for i, n in counts.items() if n > 1] == []
    assert [i for i in counts if not ID.match(i)] == []


def test_area_and_file_follow_from_the_id() -> None:
    for rule in RULES:
        area = rule["id"].split("/")[1]
        assert rule["area"] == area, rule["id"]
        assert rule["file"] == f"rules/{area}.md", rule["id"]
        assert (SPEC / rule["file"]).is_file(), rule["file"]


def test_entries_are_grouped_by_area() -> None:
    order = [rule["area"] for rule in RULES]
    runs = [area for i, area in enumerate(order) if i == 0 or order[i - 1] != area]
    assert len(runs) == len(set(runs)), f"areas split up in the index: {runs}"


def test_values_are_valid() -> None:
    for rule in RULES:
        where = rule["id"]
        assert rule["level"] in LEVELS, where
        assert rule["testable"] in TESTABLE, where
        assert isinstance(rule["title"], str) and rule["title"].strip(), where
        assert isinstance(rule["problem_codes"], list), where
        assert isinstance(rule["since"], str) and VERSION.match(rule["since"]), where
        assert rule["status"] in STATUSES, where


# --- the lifecycle --------------------------------------------------------------------------


def lifecycle_problems(rules: list[dict[str, Any]], current: tuple[int, int, int]) -> list[str]:
    """Everything wrong with the lifecycle fields of `rules` (empty when they are valid)."""
    ids = {rule["id"] for rule in rules}
    problems: list[str] = []
    for rule in rules:
        where = rule["id"]
        versions = {name: rule[name] for name in ("since", "changed", "withdrawn_in")
                    if name in rule}
        for name, value in versions.items():
            if not (isinstance(value, str) and VERSION.match(value)):
                problems.append(f"{where}: {name} {value!r} is not MAJOR.MINOR.PATCH")
            elif semver(value) > current:
                problems.append(f"{where}: {name} {value} is later than the standard "
                                f"({'.'.join(map(str, current))})")
        if any(f"{where}: {name}" in p for p in problems for name in versions):
            continue
        since = semver(rule["since"])
        if "changed" in rule and not semver(rule["changed"]) > since:
            problems.append(f"{where}: changed {rule['changed']} is not after since")
        if rule.get("status") == "withdrawn":
            if "withdrawn_in" not in rule:
                problems.append(f"{where}: withdrawn without withdrawn_in")
            elif not semver(rule["withdrawn_in"]) > since:
                problems.append(f"{where}: withdrawn_in is not after since")
            elif "changed" in rule and not semver(rule["withdrawn_in"]) >= semver(rule["changed"]):
                problems.append(f"{where}: changed after it was withdrawn")
        elif "withdrawn_in" in rule:
            problems.append(f"{where}: withdrawn_in on a rule that is {rule.get('status')}")
        if "superseded_by" in rule:
            successors = rule["superseded_by"]
            if rule.get("status") != "withdrawn":
                problems.append(f"{where}: superseded_by on a rule in force")
            if not (isinstance(successors, list) and successors
                    and all(isinstance(i, str) for i in successors)):
                problems.append(f"{where}: superseded_by is not a non-empty list of ids")
                continue
            problems += [f"{where}: superseded_by {i} is not a rule" for i in successors
                         if i not in ids]
            problems += [f"{where}: superseded by itself" for i in successors if i == where]
    return problems


def test_lifecycle_is_valid() -> None:
    assert lifecycle_problems(RULES, current_version()) == []


def test_lifecycle_check_finds_what_it_should() -> None:
    """The lifecycle check is not vacuous: each kind of fault is reported."""
    base = {"id": "/a/x", "status": "in-force", "since": "1.0.0"}
    cases = {
        "withdrawn without withdrawn_in": {**base, "status": "withdrawn"},
        "is not a rule": {**base, "status": "withdrawn", "withdrawn_in": "2.0.0",
                          "superseded_by": ["/a/bestaat-niet"]},
        "later than the standard": {**base, "since": "2.3.0"},
        "is not MAJOR.MINOR.PATCH": {**base, "changed": "2.0"},
        "changed 1.0.0 is not after since": {**base, "changed": "1.0.0"},
        "withdrawn_in on a rule that is in-force": {**base, "withdrawn_in": "2.0.0"},
        "superseded_by on a rule in force": {**base, "superseded_by": ["/a/x"]},
    }
    for expected, rule in cases.items():
        found = lifecycle_problems([rule], (2, 0, 0))
        assert any(expected in p for p in found), (expected, found)
    good = {**base, "status": "withdrawn", "withdrawn_in": "2.0.0", "superseded_by": ["/a/y"]}
    assert lifecycle_problems([good, {**base, "id": "/a/y", "since": "2.0.0"}], (2, 0, 0)) == []


def test_standard_version_is_the_changelog_head() -> None:
    """Rules introduced or changed in this version exist, so the CHANGELOG head is current."""
    current = ".".join(map(str, current_version()))
    assert any(r["since"] == current or r.get("changed") == current for r in RULES), current


def test_withdrawn_rules_are_superseded_by_rules_in_force() -> None:
    stale = [f"{r['id']} → {i}" for r in RULES for i in r.get("superseded_by", [])
             if BY_ID.get(i, {}).get("status") != "in-force"]
    assert stale == []


def test_every_rule_not_tested_externally_says_why() -> None:
    missing = [
        r["id"] for r in RULES
        if r["testable"] != "external"
        and not (isinstance(r.get("reason"), str) and r["reason"].strip())
    ]
    assert missing == []


def test_statement_is_one_sentence() -> None:
    for rule in RULES:
        statement = rule["statement"]
        assert isinstance(statement, str) and "\n" not in statement, rule["id"]
        assert statement.endswith("."), rule["id"]
        # A full stop followed by a new capitalised word starts a second sentence.
        assert not re.search(r"[.!?] [A-Z]", statement), f"{rule['id']}: more than one sentence"


# --- the markdown texts ---------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    """One rule's section of a markdown file."""

    file: str
    rule_id: str
    title: str
    lines: tuple[str, ...]

    def rows(self) -> dict[str, str]:
        """The metadata table above the Statement: Level, Testable, Problem codes, Since, …"""
        found = {}
        end = self.lines.index(PARTS[0]) if PARTS[0] in self.lines else len(self.lines)
        for line in self.lines[:end]:
            match = ROW.match(line)
            if match:
                found[match["key"].strip()] = match["value"].strip()
        return found

    def part(self, name: str) -> str:
        """The text of Statement, Rationale or How to test ('' when absent or out of order)."""
        try:
            start = self.lines.index(name) + 1
        except ValueError:
            return ""
        later = [self.lines.index(p) for p in PARTS if p in self.lines]
        end = min((i for i in later if i >= start), default=len(self.lines))
        return "\n".join(self.lines[start:end]).strip()


def area_files() -> list[Path]:
    return sorted(p for p in RULES_DIR.glob("*.md") if p.name not in NOT_AN_AREA)


def sections(path: Path) -> list[Section]:
    """Every `## ` section of a rules file that is a rule (its heading names an id)."""
    found: list[Section] = []
    current: tuple[str, str] | None = None
    body: list[str] = []

    def close() -> None:
        if current is not None:
            found.append(Section(path.name, current[0], current[1], tuple(body)))

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            close()
            body = []
            match = HEADING.match(line)
            assert match or not ANY_ID_HEADING.match(line), (
                f"{path.name}: rule heading not in the form '## `/area/name` — Title': {line}"
            )
            current = (match["id"], match["title"].strip()) if match else None
        elif current is not None:
            assert not ANY_ID_HEADING.match(line), f"{path.name}: nested rule heading {line}"
            body.append(line)
    close()
    return found


SECTIONS = {section.rule_id: section for path in area_files() for section in sections(path)}


def test_every_area_has_a_file_and_every_file_an_area() -> None:
    assert sorted(p.stem for p in area_files()) == AREAS


def test_no_rule_is_written_twice() -> None:
    counts = Counter(s.rule_id for path in area_files() for s in sections(path))
    assert [i for i, n in counts.items() if n > 1] == []


def test_every_markdown_rule_is_indexed() -> None:
    assert sorted(set(SECTIONS) - set(BY_ID)) == []


@pytest.mark.parametrize("rule", RULES, ids=[r["id"] for r in RULES])
def test_indexed_rule_has_its_section(rule: dict[str, Any]) -> None:
    section = SECTIONS.get(rule["id"])
    assert section is not None, f"no section for {rule['id']} in {rule['file']}"
    assert f"rules/{section.file}" == rule["file"]
    assert section.title == rule["title"]
    for name in PARTS:
        assert section.part(name), f"{rule['id']}: {name} missing, empty or out of order"
    first_paragraph = section.part("**Statement**").split("\n\n")[0]
    assert " ".join(first_paragraph.split()) == rule["statement"]
    rows = section.rows()
    assert rows.get("Level") == f"**{rule['level']}**"
    assert rows.get("Testable") == rule["testable"]
    assert rows.get("Status") == rule["status"]
    assert rows.get("Since") == rule["since"]
    assert rows.get("Changed") == rule.get("changed")
    assert rows.get("Withdrawn in") == rule.get("withdrawn_in")
    successors = re.findall(r"`([^`]+)`", rows.get("Superseded by", ""))
    assert successors == rule.get("superseded_by", [])
    marked = any(line.startswith("> **Withdrawn in ") for line in section.lines)
    assert marked == (rule["status"] == "withdrawn"), f"{rule['id']}: withdrawn marker"
    codes = re.findall(r"`([^`]+)`", rows.get("Problem codes", ""))
    assert codes == rule["problem_codes"]
    if rule["testable"] != "external":
        assert rows.get("Why not external") == rule["reason"]


# --- problem codes --------------------------------------------------------------------------


def contract_codes() -> set[str]:
    """Problem codes of the contract. The trust model writes the JWS-profile codes once with a
    `<token>` placeholder and per-token codes for some token types; `<token>` is any token's
    prefix (its table in §3), so a suffix used with one token prefix is a code of every token."""
    text = "\n".join(path.read_text(encoding="utf-8") for path in CONTRACT)
    literal = set(re.findall(r"`([a-z]+(?:/[a-z0-9-]+)+)`", text))
    templates = set(re.findall(r"`<token>/([a-z0-9-]+)`", text))
    trust_model = CONTRACT[0].read_text(encoding="utf-8")
    prefixes = set(re.findall(r"^\|[^|\n]+\|[^|\n]*`[^`]*\+[^`]*`[^|\n]*\|[^|\n]+\| `([a-z]+)` \|$",
                              trust_model, flags=re.MULTILINE))
    assert {"stelsel", "certificaat", "bewijs", "envelop"} <= prefixes, prefixes
    per_token = {code.split("/", 1)[1] for code in literal if code.split("/")[0] in prefixes}
    suffixes = templates | per_token
    return literal | {f"{prefix}/{suffix}" for prefix in prefixes for suffix in suffixes}


def test_problem_codes_are_codes_of_the_contract() -> None:
    """Rules in force name codes of the contract; a withdrawn rule keeps the codes it had."""
    known = contract_codes()
    unknown = sorted(
        f"{rule['id']}: {code}" for rule in IN_FORCE for code in rule["problem_codes"]
        if not CODE.match(code) or code not in known
    )
    assert unknown == []


def test_contract_codes_are_read_from_the_contract() -> None:
    """The extraction above must not be vacuous: it yields the codes the trust model spells out
    and the per-token expansion, and nothing made up."""
    known = contract_codes()
    spelled_out = {
        "bewijs/nonce-gebruikt", "sessie/token-ongeldig", "betalingsregeling/niet-mogelijk",
    }
    assert spelled_out <= known
    assert "aanvraag/verboden-header" in known  # `<token>/verboden-header` for the request token
    assert "bewijs/bestaat-niet" not in known


# --- rule ids cited in the repository -------------------------------------------------------


def scanned_files(repo: Path) -> Iterator[Path]:
    for root in SCAN_ROOTS:
        start = repo / root
        if start.is_file():
            yield start
        elif start.is_dir():
            for path in sorted(start.rglob("*")):
                if (path.is_file() and path.suffix in SCAN_SUFFIXES
                        and not SKIP_DIRS & set(path.relative_to(repo).parts)):
                    yield path


def text_citation_pattern(areas: list[str]) -> re.Pattern[str]:
    """`/area/name` of a known area, standing alone (not inside a longer path or pointer)."""
    alternatives = "|".join(re.escape(a) for a in sorted(areas, key=len, reverse=True))
    name = r"[a-z0-9]+(?:-[a-z0-9]+)*"
    return re.compile(rf"(?<![\w/.#:-])(/(?:{alternatives})/{name})(?![\w/{{}}-])")


def json_rule_members(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "rule" and isinstance(value, str):
                yield value
            yield from json_rule_members(value)
    elif isinstance(node, list):
        for item in node:
            yield from json_rule_members(item)


def python_rule_arguments(source: str) -> Iterator[str]:
    """String values of `rule=` keyword arguments and of `RULE` constants."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.keyword) and node.arg == "rule":
            value = node.value
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if not any(isinstance(t, ast.Name) and RULE_CONSTANT.search(t.id) for t in targets):
                continue
            value = node.value
        else:
            continue
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            yield value.value


def cited_rule_ids(repo: Path, areas: list[str]) -> dict[str, set[str]]:
    """Every rule id cited under `repo`, with the files citing it."""
    pattern = text_citation_pattern(areas)
    cited: dict[str, set[str]] = {}
    for path in scanned_files(repo):
        text = path.read_text(encoding="utf-8", errors="replace")
        found = set(pattern.findall(text))
        if path.suffix == ".json":
            # A file that does not parse is not ours to judge here; the textual scan still applies.
            with contextlib.suppress(json.JSONDecodeError):
                found |= {v for v in json_rule_members(json.loads(text)) if ID.match(v)}
        if path.suffix == ".py":
            with contextlib.suppress(SyntaxError):
                found |= {v for v in python_rule_arguments(text) if ID.match(v)}
        for rule_id in found:
            area, name = rule_id.split("/")[1:]
            if BASE_PATH_NAME.match(name) or area == SUITE_OWN_AREA:
                continue
            cited.setdefault(rule_id, set()).add(str(path.relative_to(repo)))
    return cited


def test_every_cited_rule_id_is_in_the_index() -> None:
    cited = cited_rule_ids(REPO, AREAS)
    unknown = {rule_id: sorted(files) for rule_id, files in cited.items() if rule_id not in BY_ID}
    assert unknown == {}


def test_citation_scan_finds_what_it_should(tmp_path: Path) -> None:
    """The scan is not vacuous: it finds every kind of citation and ignores look-alikes."""
    (tmp_path / "spec" / "vectors").mkdir(parents=True)
    (tmp_path / "spec" / "vectors" / "x.json").write_text(json.dumps(
        [{"rule": "/nieuw/gebied", "pointer": "/document/financiele_zaken/0",
          "tests": [{"rule": "/sessie/vector-regel"}]}]))
    (tmp_path / "conformance").mkdir()
    (tmp_path / "conformance" / "c.py").write_text(
        'RULE_X = "/elders/constante"\n'
        '@check(rule="/sessie/check-regel")\n'
        'def f(): return "/token/in-tekst", "/stelsel/v1", "/sessies/huidige"\n'
        'URL = "https://host/stelsel/v1/stelseldocument"\n'
        'STALE_RULE = "/suite/eigen-regel"\n')
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "d.md").write_text(
        "See [`/document/in-docs`] and spec/vectors/document/geldig.json.\n")
    cited = cited_rule_ids(tmp_path, AREAS)
    assert set(cited) == {
        "/nieuw/gebied", "/sessie/vector-regel", "/elders/constante", "/sessie/check-regel",
        "/token/in-tekst", "/document/in-docs",
    }
    assert cited["/document/in-docs"] == {"docs/d.md"}


def test_citation_scan_covers_the_known_citers() -> None:
    """Rule ids that other parts of the repository are known to cite are seen by the scan."""
    cited = cited_rule_ids(REPO, AREAS)
    if (REPO / "spec" / "vectors").is_dir():
        assert any(f.startswith("spec/vectors/") for files in cited.values() for f in files)
    assert "/token/alg-es256" in cited
