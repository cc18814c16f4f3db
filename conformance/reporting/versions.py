"""The versions a run depends on, recorded in report.json so a result can be reproduced:
the suite itself and every library that generates or validates what the suite sends and
checks (schemathesis and hypothesis generate, openapi-core and jsonschema validate, httpx
sends)."""

from __future__ import annotations

from importlib import metadata

SUITE_DISTRIBUTION = "vorderingen"
RECORDED = ("schemathesis", "hypothesis", "openapi-core", "jsonschema", "httpx")
UNKNOWN = "unknown"


def installed_version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def tool_versions() -> dict[str, str]:
    """`{"vorderingen": "2.0.0", "schemathesis": "4.x", ...}` of this interpreter."""
    return {name: installed_version(name) for name in (SUITE_DISTRIBUTION, *RECORDED)}
