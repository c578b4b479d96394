"""Logging for every process: one format, our loggers at INFO, uvicorn's access log kept."""

from __future__ import annotations

import logging.config
from typing import Any

LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["stderr"], "level": "INFO"},
    "loggers": {
        # httpx logs every Bot API call at INFO, with the bot token in the URL
        "httpx": {"level": "WARNING"},
        "uvicorn": {"level": "INFO"},
    },
}


def configure_logging() -> None:
    logging.config.dictConfig(LOG_CONFIG)
