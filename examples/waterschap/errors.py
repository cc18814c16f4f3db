"""Exceptions of the collection-cooperative example.

    BackendError (reference_impl.source.errors: the claims backend failed)
    └── CollectionSystemError   the collection system's database cannot be reached, or a
                                row of its views is not what the adapter expects (names the
                                view, the claim and the column; never a BSN)
"""

from __future__ import annotations

from reference_impl.source.errors import BackendError


class CollectionSystemError(BackendError):
    """The collection system's views cannot be read, or hold an unexpected row."""
