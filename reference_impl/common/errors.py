"""Exceptions shared by the reference implementation.

    VorderingenError                 base of everything raised on purpose
    ├── TokenError(code)             a token, envelope or scheme document was refused;
    │                                `code` is the problem code of the trust model
    │                                (`certificaat/verlopen`, `envelop/bron-onbekend`, ...)
    ├── ConfigError(key, value)      a configuration value is missing or wrong; the
    │                                message (Dutch, like the whole CLI) names the key
    │                                and the value: `configuratie oin='12': moet ...`
    ├── KeyFileError                 a key file cannot be read, or holds the wrong kind of key
    ├── SpecNotFound                 the standard's files (`spec/`) cannot be located
    ├── SchemeUnavailable            no valid scheme document is available right now
    ├── StateFileError               a state file (the highest accepted `volgnummer`) cannot
    │                                be read or written, or is corrupt
    └── Problem (problems.py)        an HTTP answer as an RFC 9457 problem document

Every class carries a readable message; none of them ever includes a BSN or a token.
"""

from __future__ import annotations


class VorderingenError(Exception):
    """Base class of every exception the reference implementation raises on purpose."""


class TokenError(VorderingenError):
    """A token, signed envelope or scheme document was refused.

    `code` is the stable problem code from spec/trust-model.md (`<prefix>/<reason>`);
    `detail` says more for logs and problem documents (never the token itself).
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class ConfigError(VorderingenError):
    """A configuration value is missing or invalid.

    The message is `configuratie <key>=<value>: <reason>` (`configuratie <key>: <reason>`
    when the key is absent, so no Python `None` reaches the operator); key names and
    values stay as written, the reason is Dutch.
    """

    def __init__(self, key: str, value: object, reason: str) -> None:
        shown = "" if value is None else f"={value!r}"
        super().__init__(f"configuratie {key}{shown}: {reason}")
        self.key = key
        self.value = value
        self.reason = reason


class KeyFileError(VorderingenError):
    """A key file is missing, unreadable, or holds the wrong kind of key."""


class SpecNotFound(VorderingenError):
    """The files of the standard (`spec/`) cannot be found."""


class SchemeUnavailable(VorderingenError):
    """No valid scheme document is available (never fetched, or the last one expired)."""


class StateFileError(VorderingenError):
    """A state file cannot be read or written, or holds something else than it should.

    Raised instead of guessing: a rollback guard that read a corrupt file as "nothing
    accepted yet" would fail open. The message (Dutch) names the file.
    """
