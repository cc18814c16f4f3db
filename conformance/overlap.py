"""Waiting without holding up the run: a check that waits for time to pass (a nonce, a
session, a quote to expire) lets the runner start the checks after it meanwhile.

`await waiting(seconds, others_may_run=True)` is how a check waits when nothing another
check does can change what it is waiting for (`checks.answers.wait` calls it): a session,
nonce or certificate expires by time alone, whereas a quote waited out on the citizen's
cases must not meet another check's arrangement on them (it waits with the default,
`others_may_run=False`). When the runner allows overlap and the wait is at least
`PARK_AFTER_S`, the check is *parked*: the runner goes on with the next checks while it
sleeps, and it resumes when its time comes — interleaved with the check then running,
because an expiry check must send its next request at the planned moment, not when another
check happens to end. Each check keeps its own evidence (the runner gives every check task
its own exchange log), and its result keeps its place in the report. Without a runner (a
check called directly, the suite's own tests) this is a plain sleep.

Only waiting overlaps: between two waits a parked check is at most a few requests, so a
source sees about what it sees from two apps of one citizen at once.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

PARK_AFTER_S = 1.0  # shorter waits are not worth starting another check for

_parker: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "conformance_parker", default=None)
_log: contextvars.ContextVar[collections.deque | None] = contextvars.ContextVar(
    "conformance_exchanges", default=None)


async def waiting(seconds: float, *, others_may_run: bool = False) -> None:
    """Sleep `seconds`; with `others_may_run`, let the runner (if any) start the next checks."""
    park = _parker.get()
    if others_may_run and park is not None and seconds >= PARK_AFTER_S:
        park()
    await asyncio.sleep(seconds)


def start(check: Coroutine[Any, Any, T], name: str, *, allow: bool) -> asyncio.Task[T]:
    """The check in a task of its own (so its own exchange log); with `allow`, a wait with
    `others_may_run` sets the task's `parked` event."""
    parked = asyncio.Event()

    async def body() -> T:
        if allow:
            _parker.set(parked.set)
        return await check

    task = asyncio.create_task(body(), name=name)
    task.parked = parked  # type: ignore[attr-defined]
    return task


async def parked_or_done(task: asyncio.Task[Any]) -> bool:
    """Wait until the check's task ends (False) or parks (True)."""
    parked = asyncio.ensure_future(task.parked.wait())  # type: ignore[attr-defined]
    try:
        await asyncio.wait({task, parked}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        parked.cancel()
    return not task.done()


async def cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    """Cancel the checks' tasks and wait for them; shielded, as this runs while the
    runner's own task is being cancelled (Ctrl-C)."""
    for task in tasks:
        task.cancel()
    await asyncio.shield(asyncio.gather(*tasks, return_exceptions=True))


class TaskExchanges:
    """A list-like exchange log per check task (what `ctx.exchanges` becomes during a run):
    `append` and `clear` act on, and reading shows, the log of the check that runs in the
    current task, so two overlapping checks never cite each other's exchanges."""

    def __init__(self, maxlen: int | None) -> None:
        self.maxlen = maxlen
        self._outside: collections.deque = collections.deque(maxlen=maxlen)

    def _current(self) -> collections.deque:
        log = _log.get()
        return self._outside if log is None else log

    def start_check(self) -> None:
        """A fresh log for the check about to run in this task (replaces `clear`)."""
        _log.set(collections.deque(maxlen=self.maxlen))

    def append(self, response: Any) -> None:
        self._current().append(response)

    def clear(self) -> None:
        self._current().clear()

    def __len__(self) -> int:
        return len(self._current())

    def __bool__(self) -> bool:
        return bool(self._current())

    def __iter__(self) -> Iterator[Any]:
        return iter(list(self._current()))

    def __getitem__(self, index: int) -> Any:
        return self._current()[index]
