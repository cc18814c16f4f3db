"""Errors of the broken-source gallery.

Exception tree::

    Exception
    ├── Problem            an HTTP problem answer (status, stable `code`, detail, extra members,
    │                      headers); raised anywhere in a request, rendered as
    │                      application/problem+json by `http.py`
    ├── TrustFailure       a token or envelope failed one step of its verification; `code` is
    │                      the trust model's problem code (``certificaat/verlopen`` …)
    └── ValueError
        └── SchemeRejected the scheme document given to `build_app` does not verify against the
                           pinned key (its `code` is the trust model's `stelsel/...` code)

`KeyError` from `describe`/`rule_broken`/`build_app` names an unknown flaw.
"""

from __future__ import annotations

from typing import Any


class Problem(Exception):
    """An error answer of the source: HTTP `status`, problem `code`, human `detail`."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra


class SchemeRejected(ValueError):
    """The scheme document does not verify; `code` is the `stelsel/...` problem code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class TrustFailure(Exception):
    """A token or envelope failed verification; `code` is the trust model's problem code."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
