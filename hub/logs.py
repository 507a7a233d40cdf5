"""What the hub writes to its logs: never a request's query string, which for GraphQL over
GET holds the document's variables, and so possibly a beneficiary profile."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

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
    return config
