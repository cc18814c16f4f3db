"""Exceptions of the municipality example.

    BackendError (reference_impl.source.errors: the claims backend failed)
    └── ExportError          the tax system's export cannot be read: a file is missing,
                             a row count disagrees with the control file (stuurbestand),
                             or a value is malformed; the message names file, line and
                             column, never a BSN
"""

from __future__ import annotations

from reference_impl.source.errors import BackendError


class ExportError(BackendError):
    """The export of the tax system is incomplete or malformed."""
