"""The `aduan` command run inside the test process.

The same Typer application the installed command runs parses the arguments, reads the settings
from the environment given, prints and exits with its code; only the Python start-up is spared
(two to three seconds of imports per call, most of the CLI tests' time). What needs a process of
its own (a server, a worker, the polling bot, signals, the entry point itself) still runs as one:
tests/processes.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from typer.testing import CliRunner

from aduan.cli import app
from core.settings import get_settings


@dataclass(frozen=True)
class Finished:
    """What a finished command left, named as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str
    stderr: str


@contextmanager
def _logging_kept() -> Iterator[None]:
    """Put the test process's logging back as it was: every command configures logging."""
    loggers = [logging.root, *logging.Logger.manager.loggerDict.values()]
    kept = [
        (logger, logger.level, list(logger.handlers), logger.propagate, logger.disabled)
        for logger in loggers
        if isinstance(logger, logging.Logger)
    ]
    try:
        yield
    finally:
        for logger, level, handlers, propagate, disabled in kept:
            logger.setLevel(level)
            logger.handlers[:] = handlers
            logger.propagate, logger.disabled = propagate, disabled


def run_aduan(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Finished:
    """`aduan ARGS` with `env` added to this process's environment and `stdin` as its input."""
    get_settings.cache_clear()
    try:
        with _logging_kept():
            result = CliRunner().invoke(
                app, list(args), input=stdin, env=env, catch_exceptions=False
            )
    finally:
        get_settings.cache_clear()
    return Finished(result.exit_code, result.stdout, result.stderr)
