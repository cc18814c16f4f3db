"""The adapter loop: render the claims document a source would sign for one citizen, from
its bron.yaml and its claims backend, without HTTP, and name every broken rule.

    vorderingen bron document --config bron.yaml --bsn 999993653

The source's own start-up path is used (configuration, database, seed data, backend,
document builder), so what passes here is what the running source signs. What fails is
named the way the source logs it: the case and field a backend got wrong (`check_case`),
or the rule and JSON pointer of a schema violation or broken invariant of
spec/interface.md (`reference_impl.common.document.problems`) — never a value.

An adapter module may live next to bron.yaml (`backend: mijn_adapter:create_backend` with
mijn_adapter.py beside it): `adapter_importable` puts that directory on the import path,
as `bron serve` does.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from reference_impl.common import document as claims_document
from reference_impl.common.problems import Problem
from reference_impl.source.backend import check_case
from reference_impl.source.config import load_config
from reference_impl.source.errors import BackendError, SourceError

EXIT_VALID = 0
EXIT_INVALID = 1


class _NoScheme:
    """Stands in for the scheme source: rendering a document verifies no app certificate,
    so the check needs neither the scheme document nor the network."""


@dataclass(frozen=True)
class DocumentCheck:
    """The rendered document (None when the backend's cases already fail) and every
    problem found, each naming a rule or a case and field."""

    document: dict[str, Any] | None
    problems: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.document is not None and not self.problems


def adapter_importable(config_path: Path) -> Path:
    """Make modules next to `config_path` importable (first on sys.path); returns the
    directory. Idempotent."""
    directory = config_path.resolve().parent
    if str(directory) not in sys.path:
        sys.path.insert(0, str(directory))
    return directory


async def _render(source: Any, bsn: str, now: float) -> DocumentCheck:
    try:
        cases = list(await source.backend.cases_for(bsn))
    except BackendError as exc:
        return DocumentCheck(None, [f"backend: {exc}"])
    except Exception as exc:  # the organisation's adapter code: name it, do not crash
        return DocumentCheck(None, [f"backend raised {type(exc).__name__}: {exc}"])
    problems = []
    for case in cases:
        try:
            check_case(case)
        except BackendError as exc:
            problems.append(f"backend: {exc}")
    kenmerken = [getattr(c, "zaakkenmerk", None) for c in cases]
    if len(set(kenmerken)) != len(kenmerken):
        problems.append("backend: two cases with one zaakkenmerk")
    if problems:
        return DocumentCheck(None, problems)
    try:
        document = await source.overview.document(bsn, now)
    except Problem:
        # validate_documents refused it; render again unvalidated to name the problems
        source.overview.config = _without_validation(source.overview.config)
        document = await source.overview.document(bsn, now)
    return DocumentCheck(document, list(claims_document.problems(document)))


def _without_validation(config: Any) -> Any:
    from dataclasses import replace

    return replace(config, validate_documents=False)


async def check_document(config_path: Path, bsn: str, now: float | None = None) -> DocumentCheck:
    """Render and check the document of `bsn` as the source configured by `config_path`
    would sign it. Raises ConfigError / KeyFileError / SourceError for a source that cannot
    start (the CLI prints them as one line)."""
    from reference_impl.source.app import Source

    if not claims_document.elfproef(bsn):
        raise SourceError("--bsn: geen BSN (9 cijfers die aan de elfproef voldoen)")
    adapter_importable(config_path)
    config = load_config(config_path)
    source = Source(config, scheme_source=_NoScheme())  # type: ignore[arg-type]
    await source.start()
    try:
        return await _render(source, bsn, time.time() if now is None else now)
    finally:
        await source.close()


def run_cli(config_path: Path, bsn: str, *, quiet: bool = False,
            out: TextIO | None = None, err: TextIO | None = None) -> int:
    """What `vorderingen bron document` prints: the document as pretty JSON on stdout
    (unless `quiet`), then on stderr "valid" or one line per problem; the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    result = asyncio.run(check_document(config_path, bsn))
    if result.document is not None and not quiet:
        out.write(json.dumps(result.document, indent=2, ensure_ascii=False) + "\n")
    if result.valid:
        cases = len(result.document.get("financiele_zaken", [])) if result.document else 0
        err.write(f"valid: the document of {cases} case(s) meets the schema and every "
                  "invariant\n")
        return EXIT_VALID
    for problem in result.problems:
        err.write(f"invalid: {problem}\n")
    return EXIT_INVALID
