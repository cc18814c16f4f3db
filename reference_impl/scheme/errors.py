"""Exceptions of the scheme operator.

    VorderingenError (reference_impl.common.errors)
    ├── ConfigError                  a configuration value is wrong (names key and value)
    │   └── DescriptionError         the scheme description is wrong: the message names the
    │                                key (or JSON pointer of the resulting document) and why
    ├── KeyFileError                 the operator key cannot be read
    └── SchemeServiceError           the scheme service cannot do its work
        ├── RevocationListError(code)  an App Manager's revocation list could not be fetched
        │                              or was refused; `code` says which
        │                              (`intrekkingenlijst/handtekening-ongeldig`, ...)
        └── CertificationError(code)   a certification result does not verify
                                       (`certificering/verlopen`, ...)
"""

from __future__ import annotations

from reference_impl.common.errors import ConfigError, VorderingenError


class DescriptionError(ConfigError):
    """The scheme description cannot be turned into a valid scheme document."""


class SchemeServiceError(VorderingenError):
    """The scheme service cannot do its work."""


class RevocationListError(SchemeServiceError):
    """An App Manager's revocation list was unreachable or refused."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class CertificationError(SchemeServiceError):
    """A certification result does not verify (spec/certificering.md §5); `code` says why
    (`certificering/verlopen`, ...)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
