"""What the hub writes to its logs, and how: one JSON object a line (text in development),
each record carrying the id of the request it was written for.

Never logged: a request's query string (GraphQL over GET carries its variables there, and
so possibly a beneficiary profile), its variables, its body. The hub's access line, which
replaces uvicorn's, has the path alone.
"""

from __future__ import annotations

import itertools
import logging
import re
import secrets
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from uvicorn.config import LOG_LEVELS

from models.redaction import redact

ACCESS_LOGGER = "concilia.access"
REQUEST_ID_HEADER = b"x-request-id"

# The id of the request being handled (hub.observing sets it): every record written
# meanwhile carries it, whichever logger wrote it.
request_id: ContextVar[str | None] = ContextVar("concilia_request_id", default=None)

_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# New ids: 32 hex digits, random per process then a serial number: unique across workers
# and replicas without a system call for randomness at every request, as uuid4 makes.
_PROCESS_ID = secrets.token_hex(8)
_serial = itertools.count()
# Past this, a path is cut in the access line (the URL limit allows 16 KB of it).
MAX_LOGGED_PATH = 256

_access = logging.getLogger(ACCESS_LOGGER)


def request_id_of(header: bytes | None) -> str:
    """The client's X-Request-Id when it is sane (1 to 64 of `A-Za-z0-9._-`), else a new id:
    anything else could smuggle text into the logs of every system the id travels through."""
    if header is not None:
        sent = header.decode("latin-1")
        if _SANE_ID.fullmatch(sent):
            return sent
    return f"{_PROCESS_ID}{next(_serial):016x}"


def access(
    method: str,
    path: str,
    status: int,
    seconds: float,
    operation: str,
    size: int,
    *,
    request: str | None = None,
) -> None:
    """Write the access line of an answered request (INFO on `concilia.access`)."""
    if not _access.isEnabledFor(logging.INFO):
        return
    path = path[:MAX_LOGGED_PATH]
    milliseconds = round(seconds * 1000, 3)
    fields: dict[str, Any] = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": milliseconds,
        "operation": operation,
        "bytes": size,
    }
    if request is not None:
        fields["request_id"] = request
    _access.info(
        "%s %s %d %.1f ms %s %d B",
        method, path, status, milliseconds, operation, size,
        extra={"fields": fields},
    )  # fmt: skip


def _time(record: logging.LogRecord) -> str:
    """When the record was made, in ISO 8601 with its offset (UTC)."""
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def _first_line(error: BaseException) -> str:
    first = (str(error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


class JsonFormatter(logging.Formatter):
    """A record as one JSON object: time, level, logger, message, request_id, and the
    `fields` a record was given (`extra={"fields": {...}}`, the access line's)."""

    def __init__(self, *, tracebacks: bool = True) -> None:
        super().__init__()
        # The CLI shows an exception's first line unless CONCILIA_DEBUG is set.
        self.tracebacks = tracebacks

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_id.get(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[1] is not None:
            # The Redacting filter leaves the traceback, redacted, in `exc_text`.
            line["exception"] = (
                (record.exc_text or self.formatException(record.exc_info))
                if self.tracebacks
                else redact(_first_line(record.exc_info[1]))
            )
        return orjson.dumps(line, default=str).decode()


class TextFormatter(logging.Formatter):
    """A record as a line of text: time, level, logger, [request id], message."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", None)
        rid = fields.get("request_id") if isinstance(fields, dict) else None
        rid = rid or request_id.get()
        where = f"{record.name} [{rid}]" if rid else record.name
        line = f"{_time(record)} {record.levelname} {where}: {record.getMessage()}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + (record.exc_text or self.formatException(record.exc_info))
        return line


def uvicorn_log_config(
    log_format: str, level: str = "info", *, access: bool = True
) -> dict[str, Any]:
    """The logging of a server process, which uvicorn applies in every worker it starts:
    uvicorn's and the hub's records through one handler on stderr, in `log_format` (json or
    text); the hub's access line when `access` (uvicorn's own access log is off)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    severity = LOG_LEVELS.get(level.lower(), logging.INFO)
    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"hub": {"()": formatter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "hub",
                "stream": "ext://sys.stderr",
            }
        },
        # Other libraries (httpx logs every fetch at INFO) keep to warnings, as before.
        "root": {"handlers": ["stderr"], "level": logging.WARNING},
        "loggers": {
            "concilia": {"level": severity},
            ACCESS_LOGGER: {"level": severity if access else logging.WARNING},
            "uvicorn": {"level": severity},
            "uvicorn.access": {"level": logging.WARNING, "propagate": False},
        },
    }
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
