"""Where every file of the standard, and every rule, ends up in the site.

A link in a Markdown text of `spec/` is resolved relative to that text's own file and then
mapped: a normative text to its page (`trust-model.md` → `trust-model.html`), a rules file
to its area in the rule index, an OpenAPI document to its page, a JSON Schema to its
section of `schemas.html`, a folder to the page that presents it, and any other file of the
standard to a verbatim copy under `raw/`. The guides for organisations (`examples/*.md`) have
pages of their own. Any other link that leaves `spec/` (to the repository's code) is shown as
its path, not as a link: the site stands alone. A link to a file that does
not exist is a warning.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from sitegen.problems import Problems

PAGES = {
    "README.md": "standard.html",
    "trust-model.md": "trust-model.html",
    "interface.md": "interface.html",
    "versioning.md": "versioning.html",
    "governance.md": "governance.html",
    "certificering.md": "certificering.html",
    "testomgeving.md": "testomgeving.html",
    "CHANGELOG.md": "changelog.html",
    "vectors/README.md": "vectors.html",
    "rules/README.md": "rules.html",
    # the guides for organisations, outside spec/ but part of the site
    "../examples/README.md": "onboarding.html",
    "../examples/bron-yaml.md": "bron-yaml.html",
    "../examples/handshake.md": "handshake.html",
    "../examples/ci/README.md": "ci.html",
}
DIRECTORIES = {
    "": "index.html",
    "rules": "rules.html",
    "openapi": "index.html#openapi",
    "schemas": "schemas.html",
    "vectors": "vectors.html",
}
OPENAPI_PAGES = {"bron": "bron.html", "app-manager": "app-manager.html", "stelsel": "stelsel.html"}
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
RAW_DIR = "raw"


def slug(text: str) -> str:
    """A lower-case, hyphenated anchor (`JWS profile (all tokens)` → `jws-profile-all-tokens`)."""
    cleaned = re.sub(r"[^\w\s-]", "", text.lower(), flags=re.UNICODE)
    return re.sub(r"[\s_]+", "-", cleaned.strip()).strip("-") or "section"


def rule_anchor(rule_id: str) -> str:
    """`/sessie/nonce-eenmalig` → `rule-sessie-nonce-eenmalig`."""
    return "rule" + rule_id.replace("/", "-")


def area_anchor(area: str) -> str:
    return f"area-{area}"


def schema_anchor(name: str, pointer: str = "") -> str:
    """The anchor of a schema file (`name`) or of a definition inside it (`/$defs/uuid`)."""
    parts = [p for p in pointer.split("/") if p and p != "$defs"]
    return "-".join(["schema", name, *(slug(p) for p in parts)])


class Links:
    """Maps links of the standard's texts to links of the site."""

    def __init__(self, spec_dir: Path, rule_ids: set[str], problems: Problems) -> None:
        self.spec_dir = spec_dir
        self.rule_ids = rule_ids
        self.problems = problems
        self.raw_files: set[str] = set()

    def rule(self, rule_id: str, where: str) -> str:
        if rule_id not in self.rule_ids:
            self.problems.warn(where, f"cites rule {rule_id}, which is not in rules.yaml")
        return f"rules.html#{rule_anchor(rule_id)}"

    def resolve(self, href: str, source: str) -> str | None:
        """The site's href for `href` written in spec file `source`; None when it points
        outside the standard (shown as a path, not a link)."""
        if SCHEME.match(href) or href.startswith("#"):
            return href
        path, _, fragment = href.partition("#")
        target = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
        if target == ".":
            target = ""
        if target.startswith("../spec/"):  # a guide linking into the standard
            target = target.removeprefix("../spec/")
        if target in PAGES:
            mapped: str | None = PAGES[target]
        elif target == ".." or target.startswith("../"):
            return None
        else:
            mapped = self._page_of(target, source)
        if mapped is None:
            return "#"
        if fragment:
            if "#" in mapped:
                self.problems.warn(source, f"link {href}: cannot keep #{fragment} on {mapped}")
                return mapped
            return f"{mapped}#{fragment}"
        return mapped

    def _page_of(self, target: str, source: str) -> str | None:
        if target in PAGES:
            return PAGES[target]
        if target.rstrip("/") in DIRECTORIES:
            return DIRECTORIES[target.rstrip("/")]
        file = self.spec_dir / target
        if not file.exists():
            self.problems.warn(source, f"link to {target}, which does not exist in the spec")
            return None
        directory, name = posixpath.split(target)
        if directory == "rules" and name.endswith(".md"):
            return f"rules.html#{area_anchor(name.removesuffix('.md'))}"
        if directory == "openapi" and name.removesuffix(".yaml") in OPENAPI_PAGES:
            return OPENAPI_PAGES[name.removesuffix(".yaml")]
        if directory == "schemas" and name.endswith(".schema.json"):
            return f"schemas.html#{schema_anchor(name.removesuffix('.schema.json'))}"
        if file.is_dir():
            self.problems.warn(source, f"link to folder {target}, which has no page")
            return None
        self.raw_files.add(target)
        return f"{RAW_DIR}/{target}"
