"""bench/fuzz_bench.py, the reference source's long fuzz, in its short form: it runs to the
end, sends the generated requests it promises with real sessions, prints its count of 5xx and
exits 0 only when no 5xx and no response schema violation was seen."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]


def test_quick_fuzz_sees_no_5xx_and_no_schema_violation() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "fuzz_bench.py"), "--quick"],
        cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert re.search(r"^5xx +0$", output, re.MULTILINE), output
    assert re.search(r"^schema violations +0$", output, re.MULTILINE), output
    sent = int(re.search(r"^requests sent \(generated\) +(\d+)$", output, re.MULTILINE)[1])
    assert sent >= 200, output
    # The real sessions worked: authenticated operations answered 2xx, bad input 4xx.
    assert re.search(r"^  2xx +[1-9]", output, re.MULTILINE), output
    assert re.search(r"^  4xx +[1-9]", output, re.MULTILINE), output
    assert all(phase in output for phase in ("positive", "negative", "stateful")), output
