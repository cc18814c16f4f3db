"""The rule index: `rules.yaml` (the machine index), the full texts in `rules/<area>.md`, and
for every rule the conformance checks that test it.

The checks are found by reading the `__check__` metadata (`CheckMeta`) of the functions
listed in `conformance.profiles.PROFILES` (and the suite's preflight checks); nothing is
guessed from names. A rule testable from outside without a check shows the reason from
`conformance/untestable.yaml`, if there is one.

Every rule shows its lifecycle (spec/versioning.md §7): status (in force or withdrawn), the
version that introduced it, the version that last changed it, the version that withdrew it
and the rules that supersede it (linked).

Warnings: an index entry without its text or a text without its entry, a title that differs
between the two, a text without its Statement, Rationale or How to test, an area file that
is missing, a check that cites a rule the index does not have or a rule that is withdrawn, a
lifecycle that contradicts itself (withdrawn without `withdrawn_in`, or the reverse), and a
`superseded_by` naming a rule the index does not have.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from markupsafe import Markup, escape

from sitegen.errors import SpecMissing
from sitegen.links import area_anchor, rule_anchor
from sitegen.markdown import Markdown
from sitegen.problems import Problems

SECTION = re.compile(r"^## `(/[^`]+)` — (.+?)\s*$")
PART = re.compile(r"^\*\*(Statement|Rationale|How to test)\*\*\s*$")
FENCE = re.compile(r"^(```|~~~)")
LITERAL = re.compile(r"``(.+?)``")
PARTS = ("Statement", "Rationale", "How to test")


@dataclass(frozen=True)
class CheckRef:
    """A conformance check as its `__check__` metadata describes it."""

    name: str
    profiles: tuple[str, ...]
    severity: str
    statement: str  # plain text; ``literals`` as the docstrings write them

    @property
    def statement_html(self) -> Markup:
        """The statement with its ``literals`` as code."""
        parts = LITERAL.split(self.statement)
        return Markup("").join(Markup("<code>{}</code>").format(p) if i % 2 else escape(p)
                               for i, p in enumerate(parts))


@dataclass
class Rule:
    id: str
    title: str
    level: str
    area: str
    testable: str
    since: str
    problem_codes: list[str]
    reason: str
    statement: str  # HTML
    rationale: str  # HTML
    how_to_test: str  # HTML
    checks: list[CheckRef] = field(default_factory=list)
    untested_reason: str = ""
    status: str = "in-force"
    changed: str = ""
    withdrawn_in: str = ""
    superseded_by: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return rule_anchor(self.id)

    @property
    def withdrawn(self) -> bool:
        return self.status == "withdrawn"

    @property
    def status_label(self) -> str:
        """`in force` or `withdrawn in 2.0.0`, as the index shows it."""
        if self.withdrawn:
            return f"withdrawn in {self.withdrawn_in}" if self.withdrawn_in else "withdrawn"
        return "in force"

    @property
    def versions(self) -> str:
        """`since 1.0.0 · changed 2.0.0` (the withdrawal is in `status_label`)."""
        parts = [f"since {self.since}"]
        if self.changed:
            parts.append(f"changed {self.changed}")
        return " · ".join(parts)

    @property
    def superseded_anchors(self) -> list[tuple[str, str]]:
        """(id, anchor) of every rule that supersedes this one."""
        return [(rule_id, rule_anchor(rule_id)) for rule_id in self.superseded_by]


@dataclass
class Area:
    name: str
    title: str
    intro: str  # HTML
    rules: list[Rule] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return area_anchor(self.name)


@dataclass(frozen=True)
class Section:
    title: str
    parts: dict[str, str]


def read_area_file(path: Path) -> tuple[str, str, dict[str, Section]]:
    """(title, introduction, sections by rule id) of one `rules/<area>.md`."""
    title, intro_lines = path.stem, []
    sections: dict[str, Section] = {}
    current: tuple[str, str] | None = None
    part: str | None = None
    parts: dict[str, list[str]] = {}
    in_code = False

    def close() -> None:
        if current is not None:
            sections[current[0]] = Section(
                current[1], {k: "\n".join(v).strip() for k, v in parts.items()})

    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            in_code = not in_code
        heading = None if in_code else SECTION.match(line)
        if heading:
            close()
            current, part, parts = (heading.group(1), heading.group(2)), None, {}
            continue
        if current is None:
            if not in_code and line.startswith("# "):
                title = line[2:].strip()
            else:
                intro_lines.append(line)
            continue
        named = None if in_code else PART.match(line)
        if named:
            part = named.group(1)
            parts[part] = []
        elif part is not None:
            parts[part].append(line)
    close()
    return title, "\n".join(intro_lines).strip(), sections


def suite_checks() -> dict[str, list[CheckRef]]:
    """Rule id → the checks that test it, read from the suite's profiles."""
    from conformance.checks.base import meta_of
    from conformance.profiles import PROFILES

    listed: list[tuple[str, Any]] = []
    try:
        from conformance.checks.preflight import PREFLIGHT_CHECKS
    except ImportError:  # an older suite without preflight checks
        PREFLIGHT_CHECKS = ()
    listed += [("preflight", fn) for fn in PREFLIGHT_CHECKS]
    listed += [(profile, fn) for profile, fns in PROFILES.items() for fn in fns]
    # Keyed by the function's module and name: two modules may hold checks of one name.
    profiles_of: dict[str, list[str]] = {}
    metas: dict[str, Any] = {}
    for profile, fn in listed:
        key = f"{fn.__module__}.{fn.__qualname__}"
        metas.setdefault(key, meta_of(fn))
        if profile not in profiles_of.setdefault(key, []):
            profiles_of[key].append(profile)
    by_rule: dict[str, list[CheckRef]] = {}
    for key, meta in metas.items():
        by_rule.setdefault(meta.rule, []).append(CheckRef(
            name=meta.name, profiles=tuple(profiles_of[key]), severity=meta.severity,
            statement=meta.statement))
    return by_rule


def untested_reasons() -> dict[str, str]:
    from conformance import profiles

    path = Path(profiles.__file__).with_name("untestable.yaml")
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {entry["rule"]: entry["reason"] for entry in data.get("untestable") or []}


def read_lifecycle(entry: dict[str, Any], known: set[str], source: str,
                   problems: Problems) -> dict[str, Any]:
    """The lifecycle fields of one index entry, with a warning for each contradiction."""
    rule_id = entry["id"]
    status = str(entry.get("status", "in-force"))
    withdrawn_in = str(entry.get("withdrawn_in") or "")
    superseded_by = [str(i) for i in entry.get("superseded_by") or []]
    if status not in ("in-force", "withdrawn"):
        problems.warn("rules.yaml", f"rule {rule_id}: unknown status {status!r}")
    if (status == "withdrawn") != bool(withdrawn_in):
        problems.warn("rules.yaml", f"rule {rule_id}: status {status} with withdrawn_in "
                                    f"{withdrawn_in or 'missing'}")
    for successor in superseded_by:
        if successor not in known:
            problems.warn(source, f"rule {rule_id} is superseded by {successor}, which is "
                                  "not in rules.yaml")
    return {"status": status, "changed": str(entry.get("changed") or ""),
            "withdrawn_in": withdrawn_in, "superseded_by": superseded_by}


def load(spec_dir: Path, markdown: Markdown, problems: Problems) -> list[Area]:
    """Every area with its rules, in the order of `rules.yaml`."""
    index_path = spec_dir / "rules.yaml"
    if not index_path.is_file():
        raise SpecMissing(f"{index_path} is missing")
    index = yaml.safe_load(index_path.read_text(encoding="utf-8"))
    entries = index["rules"] if isinstance(index, dict) else index
    checks = suite_checks()
    reasons = untested_reasons()
    known = {entry["id"] for entry in entries}
    areas: dict[str, Area] = {}
    texts: dict[str, dict[str, Section]] = {}
    for entry in entries:
        rule_id, area_name = entry["id"], entry["area"]
        source = entry.get("file", f"rules/{area_name}.md")
        if area_name not in areas:
            path = spec_dir / source
            if not path.is_file():
                problems.warn("rules.yaml", f"area {area_name}: {source} does not exist")
                texts[area_name] = {}
                areas[area_name] = Area(area_name, area_name, "")
            else:
                title, intro, sections = read_area_file(path)
                texts[area_name] = sections
                areas[area_name] = Area(area_name, title, markdown.render(intro, source=source))
        section = texts[area_name].pop(rule_id, None)
        if section is None:
            problems.warn(source, f"rule {rule_id} of rules.yaml has no section")
            section = Section(entry.get("title", ""), {})
        elif section.title != entry.get("title"):
            problems.warn(source, f"rule {rule_id}: title {section.title!r} differs from "
                                  f"rules.yaml {entry.get('title')!r}")
        for part in PARTS:
            if not section.parts.get(part):
                problems.warn(source, f"rule {rule_id} has no {part}")
        lifecycle = read_lifecycle(entry, known, source, problems)
        rule_checks = sorted(checks.pop(rule_id, []), key=lambda c: c.name)
        if lifecycle["status"] == "withdrawn":
            for ref in rule_checks:
                problems.warn(f"conformance check {ref.name}",
                              f"cites rule {rule_id}, which is withdrawn")
        areas[area_name].rules.append(Rule(
            id=rule_id, title=section.title, level=str(entry.get("level", "")),
            area=area_name, testable=str(entry.get("testable", "")),
            since=str(entry.get("since", "")),
            problem_codes=list(entry.get("problem_codes") or []),
            reason=str(entry.get("reason", "")),
            statement=markdown.render(section.parts.get("Statement", ""), source=source),
            rationale=markdown.render(section.parts.get("Rationale", ""), source=source),
            how_to_test=markdown.render(section.parts.get("How to test", ""), source=source),
            checks=rule_checks,
            untested_reason=reasons.get(rule_id, ""),
            **lifecycle,
        ))
    for area_name, left in texts.items():
        for rule_id in left:
            problems.warn(f"rules/{area_name}.md", f"section {rule_id} is not in rules.yaml")
    for rule_id, refs in checks.items():
        for ref in refs:
            problems.warn(f"conformance check {ref.name}", f"cites rule {rule_id}, which is "
                                                          "not in rules.yaml")
    return list(areas.values())
