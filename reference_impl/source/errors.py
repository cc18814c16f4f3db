"""Exceptions of the source.

    VorderingenError (reference_impl.common.errors)
    ├── ConfigError             a configuration value is wrong (names key and value)
    ├── TokenError              a certificate or proof was refused (→ 401 with its code)
    ├── Problem                 an HTTP answer (reference_impl.common.problems)
    └── SourceError             the source cannot do its work
        ├── BackendError        the organisation's claims backend failed or returned
        │                       something that is not a valid case
        └── DocumentInvalid     the source produced a claims document that breaks the
                                schema or an invariant; it is never signed (→ 500)
"""

from __future__ import annotations

from reference_impl.common.errors import VorderingenError


class SourceError(VorderingenError):
    """The source cannot do its work."""


class BackendError(SourceError):
    """The claims backend failed or returned an invalid case."""


class DocumentInvalid(SourceError):
    """A claims document the source built is invalid; it is refused before signing."""
