"""Command line: `python -m <package> [serve|healthcheck|migrate]` (serve is the default)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import urllib.error
import urllib.request
from types import FrameType
from typing import TYPE_CHECKING

from .logs import configure_logging

if TYPE_CHECKING:  # imported lazily: signal handlers go in before the heavy imports
    from .settings import Settings

SHUTDOWN_GRACE_SECONDS = 8  # the contract allows 10; leave room for the process to exit

log = logging.getLogger("service")


def _load_settings() -> Settings:
    from pydantic import ValidationError

    from .settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()]
        log.critical("invalid configuration; refusing to start", extra={"problems": problems})
        raise SystemExit(2) from None


def _env_log_level() -> str:
    level = os.environ.get("LOG_LEVEL", "info").strip().lower()
    return level if level in {"debug", "info", "warning", "error"} else "info"


def _exit_cleanly(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


def serve() -> int:
    # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal once its own
    # handlers are gone; these handlers turn that into a clean exit (code 0), as the contract asks;
    # a signal during start-up (migrations) exits cleanly too.
    previous = {sig: signal.signal(sig, _exit_cleanly) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        return _serve()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve() -> int:
    configure_logging(_env_log_level())
    settings = _load_settings()
    configure_logging(settings.log_level)
    problems = settings.startup_problems()
    if problems:
        log.critical(
            "refusing to start: " + "; ".join(problems),
            extra={"app_env": settings.app_env, "problems": problems},
        )
        return 2

    import uvicorn

    from .app import create_app

    if settings.migrate_on_start:
        from .migrate import upgrade

        log.info("applying database migrations")
        upgrade(settings.database_url)
        configure_logging(settings.log_level)  # alembic may touch logging config

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        log_level=settings.log_level,
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        proxy_headers=True,
        server_header=False,
    )
    return 0


def healthcheck() -> int:
    """Exit 0 when the local service answers 200 on /healthz (for Docker HEALTHCHECK)."""
    port = os.environ.get("PORT", "8000").strip() or "8000"
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=3) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError, ValueError):
        return 1


def migrate() -> int:
    from .migrate import upgrade

    configure_logging(_env_log_level())
    settings = _load_settings()
    upgrade(settings.database_url)
    log.info("database is at the latest migration")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=__package__, description=__doc__)
    parser.add_argument(
        "command",
        nargs="?",
        default="serve",
        choices=["serve", "healthcheck", "migrate"],
        help="serve (default): run the service; healthcheck: probe it; migrate: upgrade the DB",
    )
    args = parser.parse_args(argv)
    commands = {"serve": serve, "healthcheck": healthcheck, "migrate": migrate}
    return commands[args.command]()


if __name__ == "__main__":
    sys.exit(main())
