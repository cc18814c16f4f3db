"""docs/build.py: one command builds the reviewers' site without a warning; the site is
complete (every rule with its checks, every operation, every schema), works offline, and
any broken reference in the standard fails the build."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import yaml
from docs_support import REPO, run_build

from conformance.checks.base import meta_of
from conformance.profiles import PROFILES

SPEC = REPO / "spec"
PAGES = ("index.html", "rules.html", "bron.html", "app-manager.html", "stelsel.html",
         "schemas.html", "trust-model.html", "interface.html", "standard.html",
         "vectors.html", "changelog.html", "versioning.html", "governance.html",
         "certificering.html", "testomgeving.html",
         "onboarding.html", "bron-yaml.html", "handshake.html", "ci.html", "cli.html")


class Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.resources: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.add(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.hrefs.append(str(found["href"]))
        if tag == "script":
            self.scripts += 1
        for key in ("src", "srcset", "data"):
            if found.get(key):
                self.resources.append(str(found[key]))
        if tag == "link" and found.get("href"):
            self.resources.append(str(found["href"]))


def scan(path: Path) -> Scan:
    result = Scan()
    result.feed(path.read_text(encoding="utf-8"))
    return result


def rule_ids() -> list[str]:
    return [r["id"] for r in yaml.safe_load((SPEC / "rules.yaml").read_text("utf-8"))["rules"]]


def test_every_page_is_built(site: Path) -> None:
    assert sorted(p.name for p in site.glob("*.html")) == sorted(PAGES)
    assert (site / "site.css").is_file()


def test_site_needs_no_network(site: Path) -> None:
    for page in PAGES:
        found = scan(site / page)
        assert found.scripts == 0, page
        assert found.resources == ["site.css"], (page, found.resources)
    css = (site / "site.css").read_text(encoding="utf-8")
    assert "url(" not in css and "@import" not in css


def test_every_internal_link_and_anchor_resolves(site: Path) -> None:
    scans = {page: scan(site / page) for page in PAGES}
    for page, found in scans.items():
        for href in found.hrefs:
            if href.startswith(("http://", "https://", "mailto:")):
                continue
            target, _, anchor = href.partition("#")
            target = target or page
            assert (site / target).is_file(), (page, href)
            if anchor and target in scans:
                assert anchor in scans[target].ids, (page, href)


def _article(rules_html: str, rule_id: str) -> str:
    anchor = "rule" + rule_id.replace("/", "-")
    match = re.search(rf'<article class="rule( withdrawn)?" id="{re.escape(anchor)}">', rules_html)
    assert match, rule_id
    return rules_html[match.start():rules_html.index("</article>", match.start())]


def _index_row(rules_html: str, rule_id: str) -> str:
    anchor = "rule" + rule_id.replace("/", "-")
    start = rules_html.index(f'<a href="#{anchor}"><code>{rule_id}</code></a></td>')
    return rules_html[start:rules_html.index("</tr>", start)]


def test_every_rule_has_its_text_and_checks(site: Path) -> None:
    html = (site / "rules.html").read_text(encoding="utf-8")
    checks_of: dict[str, set[str]] = {}
    for profile in PROFILES.values():
        for fn in profile:
            checks_of.setdefault(meta_of(fn).rule, set()).add(fn.__name__)
    for rule_id in rule_ids():
        article = _article(html, rule_id)
        for heading in ("Statement", "Rationale", "How to test", "Conformance checks"):
            assert f"<h4>{heading}</h4>" in article, (rule_id, heading)
        shown = set(re.findall(r"<tr><td><code>([a-z_0-9]+)</code></td>", article))
        assert checks_of.get(rule_id, set()) <= shown, rule_id


def test_the_example_rule_reads_right(site: Path) -> None:
    article = _article((site / "rules.html").read_text(encoding="utf-8"),
                       "/document/vereffend-is-som")
    assert "FinancieleVerplichtingKwijtgescholden" in article  # the statement
    assert "<code>vereffend_is_sum</code>" in article  # the check that tests it
    assert "MUST" in article and "envelop/document-ongeldig" in article


def test_every_rule_shows_its_lifecycle(site: Path) -> None:
    """The index row and the rule's own section show status and versions (rules.yaml)."""
    html = (site / "rules.html").read_text(encoding="utf-8")
    index = yaml.safe_load((SPEC / "rules.yaml").read_text("utf-8"))["rules"]
    assert any(r["status"] == "withdrawn" for r in index)
    assert any("changed" in r for r in index)
    for rule in index:
        row, article = _index_row(html, rule["id"]), _article(html, rule["id"])
        for part in (row, article):
            assert f"since {rule['since']}" in part, rule["id"]
            if "changed" in rule:
                assert f"changed {rule['changed']}" in part, rule["id"]
        if rule["status"] == "withdrawn":
            assert f"withdrawn in {rule['withdrawn_in']}" in row, rule["id"]
            assert f"<strong>Withdrawn in {rule['withdrawn_in']}</strong>" in article
            for successor in rule.get("superseded_by", []):
                anchor = "rule" + successor.replace("/", "-")
                assert f'<a href="#{anchor}"><code>{successor}</code></a>' in article
        else:
            # the status cell, not the title (a title may say "can be withdrawn")
            assert "in force" in row and "withdrawn in" not in row, rule["id"]


def test_every_operation_is_rendered(site: Path) -> None:
    for name in ("bron", "app-manager", "stelsel"):
        document = yaml.safe_load((SPEC / "openapi" / f"{name}.yaml").read_text("utf-8"))
        ids = scan(site / f"{name}.html").ids
        for item in document["paths"].values():
            for operation in item.values():
                if isinstance(operation, dict) and "operationId" in operation:
                    assert f"op-{operation['operationId']}" in ids, (name, operation)


def test_every_schema_definition_is_rendered(site: Path) -> None:
    ids = scan(site / "schemas.html").ids
    for path in (SPEC / "schemas").glob("*.schema.json"):
        assert f"schema-{path.name.removesuffix('.schema.json')}" in ids, path.name


def test_output_folder_is_ignored_by_git() -> None:
    ignored = (REPO / ".gitignore").read_text(encoding="utf-8").split()
    assert "docs/_build/" in ignored


def _broken_spec(tmp_path: Path) -> Path:
    spec = Path(shutil.copytree(SPEC, tmp_path / "spec"))
    bron = spec / "openapi" / "bron.yaml"
    bron.write_text(bron.read_text("utf-8").replace(
        "'#/components/schemas/Voorstel'", "'#/components/schemas/Voorstl'", 1), "utf-8")
    trust = spec / "trust-model.md"
    trust.write_text(trust.read_text("utf-8") + "\nSee [the missing](geen-bestand.md) and "
                     "[/sessie/bestaat-niet].\n", "utf-8")
    document = spec / "rules" / "document.md"
    text = document.read_text("utf-8")
    start = text.index("## `/document/vereffend-is-som`")
    document.write_text(text[:start] + text[text.index("## `", start + 4):], "utf-8")
    index = spec / "rules.yaml"
    text = index.read_text("utf-8")
    withdrawn = yaml.safe_load(text)["rules"]
    successor = next(r for r in withdrawn if r.get("superseded_by"))["superseded_by"][0]
    index.write_text(text.replace(f"  - {successor}\n", "  - /sessie/opvolger-bestaat-niet\n", 1),
                     "utf-8")
    return spec


def test_a_broken_standard_fails_the_build_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "_build"
    done = run_build(out, "--spec", str(_broken_spec(tmp_path)))
    assert done.returncode == 1
    assert "$ref #/components/schemas/Voorstl does not resolve" in done.stderr
    assert "link to geen-bestand.md, which does not exist" in done.stderr
    assert "cites rule /sessie/bestaat-niet, which is not in rules.yaml" in done.stderr
    assert "rule /document/vereffend-is-som of rules.yaml has no section" in done.stderr
    assert "superseded by /sessie/opvolger-bestaat-niet, which is not in rules.yaml" in done.stderr
    assert "nothing written" in done.stderr
    assert not out.exists()


def test_a_folder_that_is_not_a_build_is_never_replaced(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me", encoding="utf-8")
    done = run_build(out)
    assert done.returncode == 1 and "not a previous build" in done.stderr
    assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_rebuilding_replaces_a_previous_build(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "_build"
    shutil.copytree(site, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    assert run_build(out).returncode == 0
    assert not (out / "stale.html").exists()
    assert (out / "index.html").is_file()
