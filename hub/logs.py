"""What the hub writes to its logs: never a request's query string, which for GraphQL over
GET holds the document's variables, and so possibly a beneficiary profile."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from models.redaction import redact

ACCESS_LOGGER = "uvicorn.access"


class WithoutQueryString(logging.Filter):
    """Drops the query string from uvicorn's access log lines (`GET /graphql?…`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn logs (client address, method, path with query, HTTP version, status).
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            path, mark, _ = args[2].partition("?")
            record.args = (args[0], args[1], path + ("?…" if mark else ""), args[3], args[4])
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the filter on its access logger: applied by
    every worker process uvicorn starts, not only by the one that calls it."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query"] = {"()": WithoutQueryString}
    config["loggers"][ACCESS_LOGGER]["filters"] = ["without_query"]
    redact_configured(config)
    return config


class Redacting(logging.Filter):
    """Takes credentials and server paths out of every record (its message, arguments and
    traceback; models.redaction) before a handler writes it. Paths under `directories`
    (default: the working directory) are shown relative to them, others by file name."""

    def __init__(self, directories: Iterable[str | Path] = ()) -> None:
        super().__init__()
        self.directories = tuple(directories) or (Path.cwd(),)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == ACCESS_LOGGER:
            return True  # the hub's own routes, not server paths; queries are dropped already
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            return True  # arguments that do not fit: the handler reports it, as it would
        shown = redact(message, self.directories)
        if shown != message:
            record.msg, record.args = shown, None
        if record.exc_info and not record.exc_text:
            # Formatters write `exc_text` when it is set rather than format the traceback.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.directories)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.directories)
        return True


# Libraries that log what they are given verbatim: URLs with their credentials (httpx's
# "HTTP Request: GET <url>"), statements with their parameters (aiosqlite, SQLAlchemy's
# echo), such as a source's checkpoint. Their loggers get the filter too, so that every
# handler, whatever it is, receives their records redacted.
VERBATIM_LOGGERS = ("httpx", "aiosqlite", "sqlalchemy.engine.Engine")


def redact_handlers(*handlers: logging.Handler) -> None:
    """Install Redacting on `handlers` and on the VERBATIM_LOGGERS (once on each)."""
    for holder in (*handlers, *map(logging.getLogger, VERBATIM_LOGGERS)):
        if not any(isinstance(found, Redacting) for found in holder.filters):
            holder.addFilter(Redacting())


def redact_configured(config: dict[str, Any]) -> None:
    """Install Redacting on every handler of a `logging.config.dictConfig` and on the
    VERBATIM_LOGGERS: applied by every process that configures logging from it."""
    config.setdefault("filters", {})["redacting"] = {"()": Redacting}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redacting"]
    for name in VERBATIM_LOGGERS:
        logger = config.setdefault("loggers", {}).setdefault(name, {})
        logger["filters"] = [*logger.get("filters", []), "redacting"]
