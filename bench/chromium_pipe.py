"""Headless Chromium driven over the DevTools protocol on a pipe, with nothing switched on.

Playwright (what the page tests use) enables the DevTools `Network` domain on every page, so
Chromium reports every request and answer to it — about a third of Chromium's CPU in a
400-source fan-out, which a citizen's browser never spends. For timing, the benchmark talks
to Chromium itself: `--remote-debugging-pipe` (commands in on fd 3, answers out on fd 4,
each a JSON message ending in NUL, as Playwright and Puppeteer do it), and uses only
`Target` (a fresh incognito context per visit), `Page.navigate`/`reload` and
`Runtime.evaluate`.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from typing import Any

COMMAND_FD, ANSWER_FD = 3, 4
POLL_S = 0.1  # how often `wait_for` asks the page (a cheap expression, off the measured path)


class ChromiumError(RuntimeError):
    pass


class Chromium:
    """One headless Chromium process; `Tab`s in fresh browser contexts."""

    def __init__(self, executable: str, args: list[str]) -> None:
        commands_read, self._commands = os.pipe()
        self._answers, answers_write = os.pipe()
        self.profile = tempfile.mkdtemp(prefix="bench-chromium-")

        def wire_pipes() -> None:  # in the child, before exec
            os.dup2(commands_read, COMMAND_FD)
            os.dup2(answers_write, ANSWER_FD)

        self.process = subprocess.Popen(
            [executable, *args, "--remote-debugging-pipe", f"--user-data-dir={self.profile}",
             "about:blank"],
            pass_fds=(COMMAND_FD, ANSWER_FD), preexec_fn=wire_pipes,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(answers_write)
        self._buffer = b""
        self._ids = itertools.count(1)

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:
        """One command; events that arrive meanwhile are dropped (none are enabled)."""
        number = next(self._ids)
        message: dict[str, Any] = {"id": number, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read()
            if answer.get("id") == number:
                if "error" in answer:
                    raise ChromiumError(f"{method}: {answer['error']}")
                return answer["result"]

    def _read(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._answers, 1 << 16)
            if not chunk:
                raise ChromiumError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def new_tab(self) -> Tab:
        """A page in a fresh incognito context: no cache, no cookies, no connections."""
        context = self.send("Target.createBrowserContext")["browserContextId"]
        target = self.send("Target.createTarget",
                           {"url": "about:blank", "browserContextId": context})["targetId"]
        session = self.send("Target.attachToTarget",
                            {"targetId": target, "flatten": True})["sessionId"]
        return Tab(self, context, session)

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        os.close(self._commands)
        os.close(self._answers)
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Tab:
    def __init__(self, chromium: Chromium, context: str, session: str) -> None:
        self.chromium, self.context, self.session = chromium, context, session

    def navigate(self, url: str) -> None:
        self.chromium.send("Page.navigate", {"url": url}, self.session)

    def reload(self) -> None:
        self.chromium.send("Page.reload", {}, self.session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression (a promise is awaited)."""
        result = self.chromium.send("Runtime.evaluate", {
            "expression": expression, "awaitPromise": True, "returnByValue": True},
            self.session)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise ChromiumError(str(details.get("exception", {}).get("description", details)))
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout_s: float) -> None:
        """Until `expression` is truthy in the page (a navigation in between is no error)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.evaluate(expression):
                    return
            except ChromiumError:
                pass  # the old document went away, the new one is not there yet
            if time.monotonic() > deadline:
                raise TimeoutError(f"the page never got to: {expression}")
            time.sleep(POLL_S)

    def close(self) -> None:
        self.chromium.send("Target.disposeBrowserContext", {"browserContextId": self.context})
