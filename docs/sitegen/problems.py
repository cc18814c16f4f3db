"""Warnings collected while building; the build fails when there is any."""

from __future__ import annotations


class Problems:
    """An ordered, de-duplicated list of warnings, each naming where it was found."""

    def __init__(self) -> None:
        self._items: list[str] = []

    def warn(self, where: str, message: str) -> None:
        item = f"{where}: {message}"
        if item not in self._items:
            self._items.append(item)

    @property
    def items(self) -> list[str]:
        return list(self._items)

    def __bool__(self) -> bool:
        return bool(self._items)
