"""The versions of the standard this implementation speaks, in one place (spec/versioning.md).

`STANDARD_VERSION` is the full release (`API-Version` header, `info.version`); it is
informative and nobody compares it. On the wire only `MAJOR.MINOR` travels (`api_versie`,
`documentversie`, `bundelversie`, the scheme's `versie`): a verifier accepts every minor of
its major and refuses another major with a defined code.
"""

from __future__ import annotations

import re
from typing import Any

STANDARD_VERSION = "2.2.0"
MAJOR = 2
MINOR = 2
WIRE_VERSION = f"{MAJOR}.{MINOR}"
# The major is what a verifier decides on; the exact MAJOR.MINOR form is the schema's job,
# so "2.01" has major 2 (and then fails the schema) while "3.0" is another major.
_MAJOR = re.compile(r"^([0-9]{1,9})(\.|$)")


def major_of(value: Any) -> int | None:
    """The major of a wire version (`"2.0"` → 2); None when `value` names no major."""
    if not isinstance(value, str):
        return None
    match = _MAJOR.match(value)
    return int(match.group(1)) if match else None


def is_same_major(value: Any, major: int = MAJOR) -> bool:
    """True when `value` is a wire version of `major` (any minor)."""
    return major_of(value) == major


def wire_version(major: int) -> str:
    """The wire version a party of `major` announces: this implementation's MAJOR.MINOR for
    its own major, `N.0` for another it serves during a transition (`3` → `"3.0"`)."""
    return WIRE_VERSION if major == MAJOR else f"{major}.0"
