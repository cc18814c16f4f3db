#!/usr/bin/env python3
"""Build the reviewers' site of the standard: one command, offline HTML, no warnings.

    .venv/bin/python docs/build.py --out docs/_build [--spec spec]

Renders the three OpenAPI documents, the JSON Schemas, the rule index (every rule with its
id, statement, rationale, how to test, and the conformance checks that test it) and the
normative texts into static HTML that needs nothing from the network to be viewed (open
`docs/_build/index.html`). Any warning (a `$ref` or link that does not resolve, a rule
without its text, a check citing an unknown rule, a duplicate anchor, ...) fails the build:
exit 1, every warning listed, nothing written. Exit 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS_DIR))  # the sitegen package lives beside this script

from sitegen.errors import BuildFailed, SiteError  # noqa: E402
from sitegen.site import build  # noqa: E402

EXIT_FAILED = 1
EXIT_USAGE = 2
DEFAULT_SPEC = DOCS_DIR.parent / "spec"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docs/build.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output folder (docs/_build)")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC,
                        help="the standard's spec folder (default: spec/ of this checkout)")
    args = parser.parse_args(argv)
    try:
        result = build(args.spec.resolve(), args.out)
    except BuildFailed as failed:
        for warning in failed.warnings:
            print(f"docs/build.py: warning: {warning}", file=sys.stderr)
        print(f"docs/build.py: {len(failed.warnings)} warning(s); nothing written",
              file=sys.stderr)
        return EXIT_FAILED
    except SiteError as exc:
        print(f"docs/build.py: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"docs/build.py: {len(result.pages)} pages in {args.out} ({result.rules} rules, "
          f"{result.checks} checks, {result.operations} operations); open "
          f"{args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
