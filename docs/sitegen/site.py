"""Build the site: read the standard, render every page with jinja2, check it, write it.

`build(spec_dir, out_dir)` renders in memory first. Every page is then checked: ids unique,
every internal link and anchor resolving to a page or a file of the site, and nothing that
a browser would fetch from elsewhere (no `src`, stylesheet or script from another origin).
Only a build without any warning is written; `BuildFailed` lists the warnings otherwise.
The output folder is replaced as a whole, and only when it is a previous build (it holds
the marker file) or empty: the build never deletes anything else.
"""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from sitegen import cli, openapi, rules
from sitegen.errors import BuildFailed, SiteError, SpecMissing
from sitegen.links import RAW_DIR, Links, schema_anchor
from sitegen.markdown import Markdown
from sitegen.problems import Problems
from sitegen.schemas import Base, SchemaRenderer

DOCS_DIR = Path(__file__).resolve().parent.parent
TEMPLATES = DOCS_DIR / "templates"
STATIC = DOCS_DIR / "static"
MARKER = ".vorderingen-docs"
TEXT_PAGES = (  # (spec file, page, title in the navigation)
    ("README.md", "standard.html", "The standard"),
    ("trust-model.md", "trust-model.html", "Trust model"),
    ("interface.md", "interface.html", "Interface"),
    ("versioning.md", "versioning.html", "Versioning"),
    ("governance.md", "governance.html", "Governance"),
    ("certificering.md", "certificering.html", "Certification"),
    ("testomgeving.md", "testomgeving.html", "Test environments"),
    ("vectors/README.md", "vectors.html", "Test vectors"),
    ("CHANGELOG.md", "changelog.html", "Changelog"),
)
REPO_DIR = DOCS_DIR.parent
GUIDE_PAGES = (  # (file, relative to spec/ as links name it; page; title) — for organisations
    ("../examples/README.md", "onboarding.html", "Onboarding guide"),
    ("../examples/bron-yaml.md", "bron-yaml.html", "bron.yaml reference"),
    ("../examples/handshake.md", "handshake.html", "The handshake by hand"),
    ("../examples/ci/README.md", "ci.html", "In your CI"),
)
CLI_PAGE = ("cli.html", "Command-line reference")
LOCAL_SCHEMES = ("http://", "https://", "mailto:", "data:", "//")


@dataclass
class SchemaFile:
    name: str
    title: str
    description: Any
    body: Any
    definitions: list[tuple[str, str, Any]]  # (name, anchor, html)

    @property
    def anchor(self) -> str:
        return schema_anchor(self.name)


@dataclass
class BuildResult:
    pages: list[str]
    rules: int
    checks: int
    operations: int


class _PageScan(HTMLParser):
    """Collects the ids, links and fetched resources of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.hrefs: list[str] = []
        self.fetched: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and found.get("href") is not None:
            self.hrefs.append(str(found["href"]))
        if found.get("src") is not None:
            self.fetched.append(str(found["src"]))
        if tag == "link" and found.get("href") is not None:
            self.fetched.append(str(found["href"]))


def build(spec_dir: Path, out_dir: Path) -> BuildResult:
    """Render, check and write the site; `BuildFailed` when anything needs attention."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a library warning is a build failure too
        return _build(spec_dir, out_dir)


def _build(spec_dir: Path, out_dir: Path) -> BuildResult:
    if not (spec_dir / "openapi").is_dir() or not (spec_dir / "rules.yaml").is_file():
        raise SpecMissing(f"{spec_dir} is not the standard's spec folder (openapi/, rules.yaml)")
    _check_replaceable(out_dir)
    problems = Problems()
    index = yaml.safe_load((spec_dir / "rules.yaml").read_text(encoding="utf-8"))
    rule_ids = {entry["id"] for entry in index["rules"]}
    links = Links(spec_dir, rule_ids, problems)
    markdown = Markdown(links)
    areas = rules.load(spec_dir, markdown, problems)
    schema_renderer = SchemaRenderer(spec_dir, markdown, problems)
    api_view = openapi.OpenApiView(spec_dir, markdown, schema_renderer, problems)
    apis = [api_view.load(name, label) for name, label in openapi.DOCUMENTS]
    schema_files = _schema_files(spec_dir, schema_renderer)
    rules_intro = _text(spec_dir, "rules/README.md", markdown, set())

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True)
    common = {
        "version": apis[0].version, "apis": apis, "text_pages": TEXT_PAGES,
        "guide_pages": [*GUIDE_PAGES, ("", *CLI_PAGE)],
    }
    all_rules = [rule for area in areas for rule in area.rules]
    pages: dict[str, str] = {
        "index.html": env.get_template("index.html.j2").render(
            **common, page="index.html", areas=areas, rules=all_rules,
            schema_files=schema_files),
        "rules.html": env.get_template("rules.html.j2").render(
            **common, page="rules.html", areas=areas, rules=all_rules, intro=rules_intro),
        "schemas.html": env.get_template("schemas.html.j2").render(
            **common, page="schemas.html", schema_files=schema_files),
    }
    for api in apis:
        pages[api.page] = env.get_template("api.html.j2").render(
            **common, page=api.page, api=api)
    for source, page, title in TEXT_PAGES:
        body = _text(spec_dir, source, markdown, set())
        pages[page] = env.get_template("text.html.j2").render(
            **common, page=page, title=title, origin=f"spec/{source}", body=body)
    for source, page, title in GUIDE_PAGES:
        # Read from this checkout (a --spec elsewhere has no guides); links resolve as if
        # written next to spec/, so `../spec/...` reaches the standard's pages.
        body = _guide(source, markdown)
        pages[page] = env.get_template("text.html.j2").render(
            **common, page=page, title=title, origin=source.removeprefix("../"), body=body)
    pages[CLI_PAGE[0]] = env.get_template("cli.html.j2").render(
        **common, page=CLI_PAGE[0], title=CLI_PAGE[1], commands=cli.load())
    _check_pages(pages, links.raw_files, problems)
    if problems:
        raise BuildFailed(problems.items)
    _write(out_dir, pages, spec_dir, links.raw_files)
    checks = {c.name for rule in all_rules for c in rule.checks}
    return BuildResult(pages=sorted(pages), rules=len(all_rules), checks=len(checks),
                       operations=sum(api.operation_count for api in apis))


def _text(spec_dir: Path, source: str, markdown: Markdown, anchors: set[str]) -> str:
    path = spec_dir / source
    if not path.is_file():
        raise SpecMissing(f"{path} is missing")
    return markdown.render(path.read_text(encoding="utf-8"), source=source, anchors=anchors)


def _guide(source: str, markdown: Markdown) -> str:
    path = REPO_DIR / source.removeprefix("../")
    if not path.is_file():
        raise SpecMissing(f"{path} is missing")
    return markdown.render(path.read_text(encoding="utf-8"), source=source, anchors=set())


def _schema_files(spec_dir: Path, renderer: SchemaRenderer) -> list[SchemaFile]:
    files = []
    for path in sorted((spec_dir / "schemas").glob("*.schema.json")):
        name = path.name.removesuffix(".schema.json")
        document = renderer.schema_file(name) or {}
        base = Base(f"schemas/{path.name}", document)
        top = {k: v for k, v in document.items() if k != "$defs"}
        definitions = [(key, schema_anchor(name, f"/$defs/{key}"), renderer.render(node, base))
                       for key, node in (document.get("$defs") or {}).items()]
        files.append(SchemaFile(
            name=name, title=str(document.get("title", name)),
            description="", body=renderer.render(top, base), definitions=definitions))
    return files


def _check_pages(pages: dict[str, str], raw_files: set[str], problems: Problems) -> None:
    scans: dict[str, _PageScan] = {}
    for name, html in pages.items():
        scan = _PageScan()
        scan.feed(html)
        scans[name] = scan
        seen: set[str] = set()
        for anchor in scan.ids:
            if anchor in seen:
                problems.warn(name, f"id {anchor!r} appears twice")
            seen.add(anchor)
        for resource in scan.fetched:
            if resource.startswith(LOCAL_SCHEMES) or ":" in resource.split("/", 1)[0]:
                problems.warn(name, f"would fetch {resource} from elsewhere")
    files = set(pages) | {f"{RAW_DIR}/{f}" for f in raw_files} | {"site.css"}
    for name, scan in scans.items():
        for href in scan.hrefs:
            if href.startswith(LOCAL_SCHEMES):
                continue
            target, _, fragment = href.partition("#")
            target = target or name
            if target not in files:
                problems.warn(name, f"link to {href}: no such page or file")
            elif fragment and target in scans and fragment not in scans[target].ids:
                problems.warn(name, f"link to {href}: no such anchor")


def _check_replaceable(out_dir: Path) -> None:
    if out_dir.exists() and not (out_dir / MARKER).is_file() and any(out_dir.iterdir()):
        raise SiteError(f"{out_dir} exists and is not a previous build: not replacing it")


def _write(out_dir: Path, pages: dict[str, str], spec_dir: Path, raw_files: set[str]) -> None:
    _check_replaceable(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    (out_dir / MARKER).write_text("built by docs/build.py; replaced on every build\n", "utf-8")
    for name, html in pages.items():
        (out_dir / name).write_text(html, encoding="utf-8")
    shutil.copy(STATIC / "site.css", out_dir / "site.css")
    for relative in sorted(raw_files):
        target = out_dir / RAW_DIR / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(spec_dir / relative, target)
