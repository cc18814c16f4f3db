"""Run a source: `python -m reference_impl.source --config bron.yaml` (or `vorderingen bron serve`).

`serve(config)` starts uvicorn on the configured host and port. Uvicorn's own access log is
switched off: it would print raw paths and query strings; the source writes its own access
line per request, naming only the route (reference_impl.common.http).
"""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from reference_impl.common.errors import VorderingenError
from reference_impl.source.app import create_app
from reference_impl.source.config import SourceConfig, load_config

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def serve(config: SourceConfig) -> None:
    """Serve the source until interrupted."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    uvicorn.run(create_app(config), host=config.host, port=config.port, access_log=False,
                log_level="info")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reference_impl.source",
                                     description="Run a Vorderingen API source organisation.")
    parser.add_argument("--config", required=True, help="YAML configuration file")
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
    except VorderingenError as exc:
        print(f"vorderingen bron: {exc}", file=sys.stderr)
        return 2
    serve(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
