"""Exceptions of the site build.

    SiteError                the build cannot produce a correct site (exit 1)
    ├── SpecMissing          the spec directory or one of its required files is missing
    └── BuildFailed          the build found warnings; `warnings` lists every one
"""

from __future__ import annotations


class SiteError(Exception):
    """The site cannot be built correctly."""


class SpecMissing(SiteError):
    """A required file of the standard is missing."""


class BuildFailed(SiteError):
    """The build produced warnings; a site with warnings is never published."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(f"{len(warnings)} warning(s)")
        self.warnings = warnings
