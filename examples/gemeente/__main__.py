"""`python -m examples.gemeente init|sleutel|burgers|serve` (see examples/source_cli.py)."""

from pathlib import Path

from examples.gemeente.citizens import TEST_CITIZENS
from examples.source_cli import build_cli, run

TEMPLATE = Path(__file__).resolve().parent / "bron.yaml"
PROG = "python -m examples.gemeente"

if __name__ == "__main__":
    run(build_cli(PROG, TEST_CITIZENS, TEMPLATE), PROG)
