"""CommonMark (with tables) to HTML for the site, as markdown-it-py renders it, plus:

- every heading gets the id GitHub would give it, so `file.md#heading` links keep working;
- every link is mapped by `links.Links` (a link that leaves the standard becomes its path);
- a rule id in square brackets in running text (`[/sessie/nonce-eenmalig]`, the notation
  of the normative texts) becomes a link to that rule in the index; an unknown id is a
  warning. Inside code it stays as written.

Raw HTML in the texts is not passed through (it would be a way around the checks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from markupsafe import Markup, escape

from sitegen.links import Links

RULE_REF = re.compile(r"\[(/[a-z][a-z0-9-]*/[a-z0-9-]+)\]")
RULE_SCHEME = "rule:"
Env = dict[str, Any]  # markdown-it's per-render environment


def github_slug(text: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces → `-`."""
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def _split_rule_refs(state: StateCore) -> None:
    """Turn `[/area/name]` in text tokens (not in code, not inside a link) into links."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        out: list[Token] = []
        depth = 0
        for token in block.children:
            if token.type == "link_open":
                depth += 1
            elif token.type == "link_close":
                depth -= 1
            if token.type != "text" or depth or not RULE_REF.search(token.content):
                out.append(token)
                continue
            position = 0
            for match in RULE_REF.finditer(token.content):
                out.append(_text(token.content[position:match.start()]))
                link = Token("link_open", "a", 1)
                link.attrSet("href", RULE_SCHEME + match.group(1))
                out += [link, _text(match.group(0)), Token("link_close", "a", -1)]
                position = match.end()
            out.append(_text(token.content[position:]))
        block.children = [t for t in out if t.type != "text" or t.content]


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


class Markdown:
    """Renders the standard's Markdown texts; see the module docstring."""

    def __init__(self, links: Links) -> None:
        self.links = links
        self.md = MarkdownIt("commonmark", {"html": False}).enable("table")
        self.md.core.ruler.push("rule_refs", _split_rule_refs)
        # Bound methods of this object (add_render_rule would re-bind them to the renderer).
        self.md.renderer.rules |= {
            "link_open": self._link_open, "link_close": self._link_close,
            "heading_open": self._heading_open, "table_open": self._table_open,
        }

    def render(self, text: str, *, source: str, anchors: set[str] | None = None) -> Markup:
        """HTML of `text`, written in spec file `source`; heading ids are made unique
        against (and added to) `anchors`, the ids already on the page."""
        env: dict[str, Any] = {"source": source, "anchors": anchors if anchors is not None
                               else set(), "spans": []}
        # Safe: markdown-it escapes all text and passes no raw HTML ("html": False).
        return Markup(self.md.render(text, env))  # noqa: S704

    # --- render rules (markdown-it calls them as (tokens, idx, options, env)) -------------

    def _link_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Env) -> str:
        token = tokens[idx]
        href = str(token.attrGet("href") or "")
        if href.startswith(RULE_SCHEME):
            resolved: str | None = self.links.rule(href.removeprefix(RULE_SCHEME), env["source"])
        else:
            resolved = self.links.resolve(href, env["source"])
        if resolved is None:  # outside the standard: show the path, not a link
            env["spans"].append(True)
            return f'<span class="repo-path" title="{escape(href)}">'
        env["spans"].append(False)
        token.attrSet("href", resolved)
        return self.md.renderer.renderToken(tokens, idx, options, env)

    def _link_close(self, tokens: Sequence[Token], idx: int, options: Any, env: Env) -> str:
        if env["spans"] and env["spans"].pop():
            return "</span>"
        return self.md.renderer.renderToken(tokens, idx, options, env)

    def _heading_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Env) -> str:
        inline = tokens[idx + 1]
        text = "".join(c.content for c in inline.children or [] if c.type in
                       ("text", "code_inline"))
        anchor, number = github_slug(text), 1
        while anchor in env["anchors"]:
            number += 1
            anchor = f"{github_slug(text)}-{number}"
        env["anchors"].add(anchor)
        tokens[idx].attrSet("id", anchor)
        return self.md.renderer.renderToken(tokens, idx, options, env)

    def _table_open(self, tokens: Sequence[Token], idx: int, options: Any, env: Env) -> str:
        tokens[idx].attrSet("class", "grid")
        return self.md.renderer.renderToken(tokens, idx, options, env)
