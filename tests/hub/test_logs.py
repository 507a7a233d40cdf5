"""The access log never shows a query string: GraphQL over GET carries its variables
(a beneficiary profile, say) there."""

from __future__ import annotations

import logging
import logging.config

import pytest

from hub.logs import ACCESS_LOGGER, WithoutQueryString, uvicorn_log_config

PROFILE_URL = "/graphql?query=%7Bx%7D&variables=%7B%22isee%22%3A%2223456.78%22%7D"


def access_record(path: str) -> logging.LogRecord:
    """A record as uvicorn's access logger makes it."""
    return logging.LogRecord(
        ACCESS_LOGGER, logging.INFO, "h11_impl.py", 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200), None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        (PROFILE_URL, '127.0.0.1:5000 - "GET /graphql?… HTTP/1.1" 200'),
        ("/healthz", '127.0.0.1:5000 - "GET /healthz HTTP/1.1" 200'),
    ],
)
def test_access_lines_keep_the_path_and_drop_the_query(path: str, logged: str) -> None:
    record = access_record(path)

    assert WithoutQueryString().filter(record)
    assert record.getMessage() == logged


def test_other_records_pass_unchanged() -> None:
    record = logging.LogRecord("concilia.hub", logging.WARNING, "x.py", 1, "%s", ("a?b",), None)

    assert WithoutQueryString().filter(record)
    assert record.getMessage() == "a?b"


def test_uvicorn_log_config_filters_the_access_logger() -> None:
    config = uvicorn_log_config()
    logging.config.dictConfig(config)
    try:
        logger = logging.getLogger(ACCESS_LOGGER)
        assert any(isinstance(f, WithoutQueryString) for f in logger.filters)
    finally:
        logging.getLogger(ACCESS_LOGGER).filters.clear()
