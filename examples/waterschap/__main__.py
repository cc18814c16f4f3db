"""`python -m examples.waterschap init|testdata|sleutel|burgers|serve` (examples/source_cli.py)."""

from pathlib import Path

import click

from examples.source_cli import build_cli, run
from examples.waterschap.citizens import TEST_CITIZENS
from examples.waterschap.testdata import create_test_database

TEMPLATE = Path(__file__).resolve().parent / "bron.yaml"
PROG = "python -m examples.waterschap"
DEFAULT_TEST_DATABASE = Path("var/polderland-invordering.db")


@click.command()
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_TEST_DATABASE, show_default=True,
              help="Where to (re)create the SQLite test database of the collection system.")
def testdata(database: Path) -> None:
    """(Re)create the collection system's test database, dated relative to today."""
    click.echo(create_test_database(database))


if __name__ == "__main__":
    cli = build_cli(PROG, TEST_CITIZENS, TEMPLATE)
    cli.add_command(testdata)
    run(cli, PROG)
