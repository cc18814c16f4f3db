"""Run a source: `python -m reference_impl.source --config bron.yaml` (or `vorderingen bron serve`).

`serve(config)` first starts the source once on its own (`health.check_start`): a key,
configuration, database or backend that is not right stops it here with one line naming
what to fix, before uvicorn listens. Then uvicorn serves (with the settings of
reference_impl.common.serving) until SIGTERM/SIGINT, when it stops accepting connections
and lets running requests finish for at most `serving.GRACEFUL_SHUTDOWN_S`.

Uvicorn's own access log is off: it would print raw paths and query strings; the source
writes its own access line per request, naming only the route (reference_impl.common.http).
Logs are text or JSON (`log_format`, `--log-formaat`, `VORDERINGEN_LOG_FORMAT`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from reference_impl.common.errors import VorderingenError
from reference_impl.common.logs import LOG_FORMATS, configure_logging
from reference_impl.common.serving import run as run_server
from reference_impl.source.app import Source, create_app
from reference_impl.source.config import SourceConfig, load_config
from reference_impl.source.health import check_start

LOG_FORMAT_ENV = "VORDERINGEN_LOG_FORMAT"
CONFIG_ENV = "VORDERINGEN_BRON_CONFIG"


async def _check(config: SourceConfig) -> None:
    source = Source(config)
    try:
        await check_start(source)
    finally:
        await source.close()


def serve(config: SourceConfig, *, log_format: str = "text") -> None:
    """Check the start, then serve the source until SIGTERM/SIGINT; `SourceError` (one
    line) when it cannot start."""
    configure_logging(log_format)
    asyncio.run(_check(config))
    # log_config=None: uvicorn's own loggers go through our (text or JSON) handler;
    # serving's settings bound the graceful shutdown (serving.GRACEFUL_SHUTDOWN_S).
    run_server(create_app(config), host=config.host, port=config.port, log_config=None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl.source",
                                     description="Run a Vorderingen API source organisation.")
    parser.add_argument("--config", default=os.environ.get(CONFIG_ENV),
                        help=f"YAML configuration file (or ${CONFIG_ENV}; environment "
                             "variables VORDERINGEN_BRON_* are laid over it)")
    parser.add_argument("--log-formaat", choices=LOG_FORMATS,
                        default=os.environ.get(LOG_FORMAT_ENV, "text"))
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except VorderingenError as exc:
        print(f"vorderingen bron: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    try:
        serve(config, log_format=args.log_formaat)
    except VorderingenError as exc:
        print(f"vorderingen bron: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
