"""Log records never carry credentials or server paths: the Redacting filter on every
handler of the CLI and the server, and on the loggers of libraries that log URLs."""

from __future__ import annotations

import logging
import logging.config
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.logs import (
    ACCESS_LOGGER,
    VERBATIM_LOGGERS,
    JsonFormatter,
    Redacting,
    TextFormatter,
    redact_handlers,
    uvicorn_log_config,
)
from hub.settings import Settings
from tests.utils.hub import hub_client
from tests.utils.server import FeedServer

FEED_URL = "http://user:s3cret@127.0.0.1:9/feed.json?token=t0ken"
SHOWN_URL = "http://***@127.0.0.1:9/feed.json?token=***"


def record(message: str, *args: object, name: str = "connectors.fetch") -> logging.LogRecord:
    return logging.LogRecord(name, logging.WARNING, "fetch.py", 1, message, args, None)


@pytest.fixture
def verbatim_loggers() -> Iterator[None]:
    """Leaves the VERBATIM_LOGGERS' filters as they were."""
    loggers = [logging.getLogger(name) for name in VERBATIM_LOGGERS]
    before = [list(logger.filters) for logger in loggers]
    yield
    for logger, filters in zip(loggers, before, strict=True):
        logger.filters[:] = filters


def test_a_message_and_its_arguments_are_redacted() -> None:
    logged = record("%s; retrying in %.1f s", f"cannot fetch {FEED_URL}: ReadTimeout('')", 0.5)

    assert Redacting(["/srv/hub"]).filter(logged)

    assert logged.getMessage() == f"cannot fetch {SHOWN_URL}: ReadTimeout(''); retrying in 0.5 s"


def test_paths_are_shown_relative_to_the_filters_directories_or_by_file_name() -> None:
    logged = record("cannot read %s or %s", "/srv/hub/feeds/a.json", "/var/lib/b.json")

    assert Redacting(["/srv/hub"]).filter(logged)

    assert logged.getMessage() == "cannot read feeds/a.json or b.json"


def test_a_traceback_is_redacted_for_any_formatter() -> None:
    try:
        Path("/srv/hub/feeds/missing.json").read_bytes()
    except OSError:
        logged = logging.LogRecord(
            "hub", logging.ERROR, "x.py", 1, "failed on %s", (FEED_URL,), sys.exc_info()
        )

    assert Redacting(["/srv/hub"]).filter(logged)
    written = logging.Formatter("%(message)s").format(logged)

    assert "Traceback" in written
    assert "feeds/missing.json" in written
    assert "/srv/hub" not in written
    assert str(Path(__file__).parent) not in written  # the test's own frame, by file name
    assert "s3cret" not in written


def test_records_whose_arguments_do_not_fit_pass_unchanged() -> None:
    logged = record("%s and %s", "one")

    assert Redacting().filter(logged)

    assert logged.args == ("one",)


def test_access_log_lines_keep_the_hubs_routes() -> None:
    logged = record('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/graphiql/static/app.js",
                    "1.1", 200, name=ACCESS_LOGGER)  # fmt: skip

    assert Redacting().filter(logged)

    assert logged.getMessage() == '127.0.0.1:5000 - "GET /graphiql/static/app.js HTTP/1.1" 200'


@pytest.mark.usefixtures("verbatim_loggers")
async def test_httpx_request_lines_reach_every_handler_redacted(
    feed_server: FeedServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    handler = logging.StreamHandler()
    redact_handlers(handler)
    redact_handlers(handler)
    feed_server.serve("/feed.json", {"items": []})
    host = feed_server.base_url.removeprefix("http://")

    async with httpx.AsyncClient() as client:
        response = await client.get(f"http://user:s3cret@{host}/feed.json?token=t0ken")

    assert response.status_code == 200
    assert f"GET http://***@{host}/feed.json?token=*** " in caplog.text
    assert "s3cret" not in caplog.text
    assert "t0ken" not in caplog.text
    assert [type(f) for f in handler.filters] == [Redacting]  # installed once
    assert [type(f) for f in logging.getLogger("httpx").filters].count(Redacting) == 1


@pytest.mark.usefixtures("verbatim_loggers")
@pytest.mark.parametrize("log_format", ["json", "text"])
def test_the_servers_log_config_redacts_every_handler_and_the_verbatim_loggers(
    log_format: str,
) -> None:
    root = logging.getLogger()
    kept = root.handlers[:]
    logging.config.dictConfig(uvicorn_log_config(log_format))
    try:
        # Every record of the server (uvicorn's, the hub's, the access line) goes through
        # the one handler on the root logger.
        handlers = [h for h in root.handlers if h not in kept]
        assert len(handlers) == 1
        assert any(isinstance(f, Redacting) for f in handlers[0].filters)
        assert any(isinstance(f, Redacting) for f in logging.getLogger("httpx").filters)
    finally:
        for handler in root.handlers[:]:
            if handler not in kept:
                root.removeHandler(handler)


async def test_the_hubs_warning_on_an_unreadable_sources_file_shows_no_server_path(
    engine: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "conf" / "sources.toml"

    async with hub_client(create_app(Settings(sources=missing), engine=engine)):
        pass

    assert "live availability off: sources file not found: sources.toml" in caplog.text
    assert str(tmp_path) not in caplog.text


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_tracebacks_are_written_redacted_in_either_format(formatter: logging.Formatter) -> None:
    failure = OSError("cannot read https://user:s3cret@feed.example/x.json?token=t0ken")
    record = logging.LogRecord(
        "concilia.sync",
        logging.ERROR,
        __file__,
        1,
        "sync failed",
        None,
        (OSError, failure, failure.__traceback__),
    )
    assert Redacting().filter(record)
    written = formatter.format(record)
    assert "OSError" in written
    assert "s3cret" not in written
    assert "t0ken" not in written
