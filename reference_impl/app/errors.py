"""Exceptions of the reference citizen app.

    VorderingenError (common.errors)
    └── AppError                   base of everything the app raises on purpose
        ├── SetupError             the app cannot start: no scheme URL, no pinned key, no
        │                          App Manager (the message says which option is missing)
        ├── TrustError(code)       the scheme document, a certificate or an envelope was
        │                          refused; `code` is the trust model's problem code
        │                          (`stelsel/verlopen`, `envelop/handtekening-ongeldig`, ...)
        ├── LoginError             registering at the App Manager, logging in or getting
        │                          the certificate failed
        ├── KeyStoreError          the stored key cannot be read (wrong passphrase, bad file)
        ├── AnswerError(status, code)
        │                          a counterpart answered 4xx with a problem document, or an
        │                          answer that breaks the standard (`app/antwoord-ongeldig`)
        ├── Unreachable(code)      a counterpart could not be reached, did not answer in time
        │                          (`app/time-out`, `app/geen-verbinding`) or failed (5xx)
        ├── AllocationError        no split of the monthly amount respects every
        │                          organisation's limits (the message names the minimum)
        ├── BundleError            a bundle file cannot be read or is not a bundle
        └── StateError             a file in the state directory (`--map`) cannot be read or
                                   written, or is corrupt (the message names the file)

Every class carries a readable message in Dutch (the code, when there is one, in
parentheses for whoever helps the citizen); none of them ever includes a BSN or a token.
"""

from __future__ import annotations

from reference_impl.common.errors import VorderingenError

# Plain words for the app's own codes; trust-model codes keep their own meaning.
CODE_WORDS = {
    "app/time-out": "geen antwoord op tijd",
    "app/geen-verbinding": "geen verbinding",
    "app/serverfout": "storing bij de organisatie",
    "app/antwoord-ongeldig": "ongeldig antwoord",
    "app/geen-ondersteunde-versie": "deze organisatie spreekt geen versie die deze app kent",
}


# The operating system's words for a file that cannot be read are English; these are not.
FILE_PROBLEMS: tuple[tuple[type[OSError], str], ...] = (
    (FileNotFoundError, "het bestand bestaat niet"),
    (IsADirectoryError, "dat is een map, geen bestand"),
    (PermissionError, "geen toegang"),
)


def file_problem(exc: OSError) -> str:
    """Why a file cannot be read, in Dutch (the errno name for rarer causes)."""
    for kind, words in FILE_PROBLEMS:
        if isinstance(exc, kind):
            return words
    return f"leesfout ({type(exc).__name__})"


def write_problem(exc: OSError) -> str:
    """Why a file cannot be written, in Dutch."""
    if isinstance(exc, (FileNotFoundError, NotADirectoryError, FileExistsError)):
        return "de map bestaat niet en kan niet worden gemaakt"
    if isinstance(exc, (IsADirectoryError, PermissionError)):
        return file_problem(exc)
    return f"schrijffout ({exc.strerror or type(exc).__name__})"


def _line(words: str, code: str, detail: str) -> str:
    return f"{words} ({code}): {detail}" if detail else f"{words} ({code})"


class AppError(VorderingenError):
    """Base class of every exception the app raises on purpose."""


class SetupError(AppError):
    """The app is missing what it needs to start (a scheme URL, a pinned key, ...)."""


class TrustError(AppError):
    """A scheme document, certificate or envelope was refused with a trust-model code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(_line("geweigerd", code, detail))
        self.code = code
        self.detail = detail


class LoginError(AppError):
    """Registration, login or certificate issue at the App Manager failed."""


class KeyStoreError(AppError):
    """The stored private key cannot be loaded."""


class AnswerError(AppError):
    """A counterpart answered with an error or with an answer that breaks the standard.

    `status` is the HTTP status (0 when the answer was not an HTTP error but malformed),
    `code` the problem document's `code` (or `app/antwoord-ongeldig`), `redenen`
    the reason list of a 422 when the counterpart gave one.
    """

    def __init__(
        self, status: int, code: str, detail: str = "", redenen: list[dict] | None = None
    ) -> None:
        words = CODE_WORDS.get(code, "geweigerd")
        super().__init__(_line(f"{words}, HTTP {status}" if status else words, code, detail))
        self.status = status
        self.code = code
        self.detail = detail
        self.redenen = list(redenen or [])


class Unreachable(AppError):
    """A counterpart could not be reached, or did not answer within its timeout."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(_line(f"niet bereikbaar: {CODE_WORDS.get(code, 'storing')}", code, detail))
        self.code = code
        self.detail = detail


class AllocationError(AppError):
    """The monthly amount cannot be split within every organisation's limits."""

    def __init__(self, message: str, minimum: int | None = None) -> None:
        super().__init__(message)
        self.minimum = minimum


class BundleError(AppError):
    """A bundle file cannot be read or is not a bundle."""


class StateError(AppError):
    """A file in the app's state directory cannot be read or written, or is corrupt."""
