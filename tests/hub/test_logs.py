"""Logs: one JSON object a line, each carrying the id of the request it was written for
(X-Request-Id, echoed on every answer); the hub's access line never shows a query string
or variables (GraphQL over GET carries them, a beneficiary profile say, in the URL)."""

from __future__ import annotations

import asyncio
import io
import logging
import logging.config
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import hub.serving
from hub import logs
from hub.app import create_app
from hub.http_limits import HTTPLimits
from hub.logs import JsonFormatter, TextFormatter, request_id_of
from hub.serving import HubHttpProtocol
from models.db import create_engine
from tests.utils.hub import hub_client
from tests.utils.process import CONCILIA, concilia_serve, environment
from tests.utils.server import serving

PROFILE_QUERY = (
    "query Eligible($p: BeneficiaryProfileInput!) "
    "{ offerings(filter: {eligibleFor: $p}) { totalCount } }"
)
PROFILE = '{"p": {"isee": "23456.78", "residenceCap": "20161"}}'
SECRETS = ("23456", "20161", "isee", "residenceCap")
NEW_ID = re.compile(r"[0-9a-f]{32}")

Lines = Callable[[], list[dict[str, Any]]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    """The hub's records (`concilia.*`, INFO and up) as the JSON lines a server writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("concilia")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield lambda: [orjson.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def access_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == logs.ACCESS_LOGGER]


@pytest.fixture
async def http(demo_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with hub_client(create_app(engine=demo_engine)) as client:
        yield client


def test_a_record_is_one_json_object_with_time_level_logger_and_request_id() -> None:
    record = logging.LogRecord("concilia.hub", logging.WARNING, "x.py", 1, "%s!", ("hi",), None)
    token = logs.request_id.set("req-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        logs.request_id.reset(token)

    assert "\n" not in line
    fields = orjson.loads(line)
    assert fields["level"] == "WARNING"
    assert fields["logger"] == "concilia.hub"
    assert fields["message"] == "hi!"
    assert fields["request_id"] == "req-1"
    assert datetime.fromisoformat(fields["time"]).utcoffset() is not None


def fail() -> None:
    raise ValueError("first\nsecond")


def test_an_exception_is_part_of_its_line() -> None:
    try:
        fail()
    except ValueError:
        record = logging.LogRecord(
            "concilia.hub", logging.ERROR, "x.py", 1, "failed", (), sys.exc_info()
        )
    full = orjson.loads(JsonFormatter().format(record))
    short = orjson.loads(JsonFormatter(tracebacks=False).format(record))

    assert "Traceback" in full["exception"]
    assert short["exception"] == "ValueError: first"


@pytest.mark.parametrize("sent", ["portal-7.a_b", "a", "x" * 64, "0f" * 16])
def test_a_sane_request_id_is_kept(sent: str) -> None:
    assert request_id_of(sent.encode()) == sent


@pytest.mark.parametrize(
    "sent", [None, b"", b"x" * 65, b"two words", b"a/b", "caff\u00e8".encode()]
)
def test_any_other_request_id_is_replaced_by_a_new_one(sent: bytes | None) -> None:
    assert NEW_ID.fullmatch(request_id_of(sent))


async def test_the_access_line_has_the_request_id_and_neither_query_nor_variables(
    http: httpx.AsyncClient, logged: Lines
) -> None:
    response = await http.get(
        "/graphql",
        params={"query": PROFILE_QUERY, "variables": PROFILE},
        headers={"x-request-id": "portal-42.a_b"},
    )

    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "portal-42.a_b"
    [line] = access_lines(logged())
    assert line["request_id"] == "portal-42.a_b"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/graphql", 200)
    assert line["operation"] == "Eligible"
    assert line["bytes"] == len(response.content)
    assert line["duration_ms"] > 0
    written = orjson.dumps(logged()).decode()
    assert "?" not in written
    assert not [secret for secret in SECRETS if secret in written]


async def test_a_request_without_a_sane_id_gets_a_new_one(
    http: httpx.AsyncClient, logged: Lines
) -> None:
    response = await http.post(
        "/graphql", json={"query": "{ areas { area } }"}, headers={"x-request-id": "x" * 65}
    )

    given = response.headers["x-request-id"]
    assert NEW_ID.fullmatch(given)
    [line] = access_lines(logged())
    assert line["request_id"] == given
    assert line["operation"] == "-"


async def test_records_written_while_handling_a_request_carry_its_id(
    tmp_path: Path, logged: Lines
) -> None:
    unreachable = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'no' / 'such' / 'hub.db'}")
    try:
        async with hub_client(create_app(engine=unreachable)) as client:
            response = await client.get("/readyz", headers={"x-request-id": "probe-1"})
    finally:
        await unreachable.dispose()

    assert response.status_code == 503
    warning = next(line for line in logged() if line["level"] == "WARNING")
    assert "database not reachable" in warning["message"]
    assert warning["request_id"] == "probe-1"
    assert [line["request_id"] for line in access_lines(logged())] == ["probe-1"]


async def test_every_answer_carries_a_request_id(http: httpx.AsyncClient) -> None:
    answers = [
        await http.get("/healthz"),
        await http.get("/metrics"),
        await http.get("/nowhere"),
        await http.put("/graphql"),
        await http.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}),
        await http.post(
            "/graphql", content=b" " * 2_000_000, headers={"content-type": "application/json"}
        ),
    ]

    assert [a.status_code for a in answers] == [200, 200, 404, 405, 415, 413]
    ids = [a.headers["x-request-id"] for a in answers]
    assert all(NEW_ID.fullmatch(rid) for rid in ids)
    assert len(set(ids)) == len(ids)


async def test_an_unhandled_error_is_a_coded_500_logged_with_the_request_id(
    demo_engine: AsyncEngine, logged: Lines
) -> None:
    async def broken(_: Request) -> Response:
        raise RuntimeError("a bug")

    app = create_app(engine=demo_engine)
    app.router.routes.append(Route("/broken", broken))
    async with hub_client(app) as client:
        response = await client.get("/broken", headers={"x-request-id": "bug-1"})

    assert response.status_code == 500
    assert response.headers["x-request-id"] == "bug-1"
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert "a bug" not in response.text
    [error] = [line for line in logged() if line["level"] == "ERROR"]
    assert error["request_id"] == "bug-1"
    assert "RuntimeError: a bug" in error["exception"]
    [line] = access_lines(logged())
    assert (line["status"], line["request_id"]) == (500, "bug-1")


async def test_a_request_head_the_protocol_refuses_gets_a_request_id(
    demo_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, logged: Lines
) -> None:
    limits = HTTPLimits(max_url_bytes=2_000, max_header_bytes=4_000)
    monkeypatch.setattr(hub.serving, "_limits", lambda: limits)
    app = create_app(engine=demo_engine)
    async for base_url in serving(app, http=HubHttpProtocol):
        url = urlsplit(base_url)
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(b"GET /healthz HTTP/1.1\r\nhost: hub\r\nx-pad: " + b"a" * 8_000 + b"\r\n\r\n")
        answer = await asyncio.wait_for(reader.read(), timeout=10)
        writer.close()
    await app.state.pipeline.close()

    head = answer.partition(b"\r\n\r\n")[0].decode().lower().splitlines()
    assert head[0].startswith("http/1.1 431")
    [given] = [line.split(": ")[1] for line in head if line.startswith("x-request-id:")]
    assert NEW_ID.fullmatch(given)
    [line] = access_lines(logged())
    assert (line["status"], line["request_id"]) == (431, given)


def test_every_worker_writes_json_lines(tmp_path: Path) -> None:
    env = environment(tmp_path / "hub.db", log_format="json", access_log="true")
    with concilia_serve(env, tmp_path / "serve.log", workers=2) as served:
        answers = [
            httpx.get(
                f"{served.url}/graphql",
                params={"query": PROFILE_QUERY, "variables": PROFILE},
                headers={"x-request-id": f"portal-{n}"},
                timeout=10,
            )
            for n in range(6)
        ]

    assert [answer.headers["x-request-id"] for answer in answers] == [
        f"portal-{n}" for n in range(6)
    ]
    written = (tmp_path / "serve.log").read_text()
    banner, *rest = written.splitlines()
    assert banner.startswith("Concilia Hub on")
    lines = [orjson.loads(line) for line in rest]
    started = [line for line in lines if line["message"].startswith("Started server process")]
    assert len(started) == 2
    graphql = [line for line in access_lines(lines) if line["path"] == "/graphql"]
    assert sorted(line["request_id"] for line in graphql) == [f"portal-{n}" for n in range(6)]
    assert {line["operation"] for line in graphql} == {"Eligible"}
    assert "?" not in written
    assert not [secret for secret in SECRETS if secret in written]


def test_the_cli_writes_json_lines_when_asked(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "gone"\nkind = "hsds"\nurl = "missing.json"\n')
    for log_format in ("json", "text"):
        env = environment(tmp_path / "hub.db", sources=str(sources), log_format=log_format)
        result = subprocess.run(  # noqa: S603 - our own console script
            [str(CONCILIA), "sync"], env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 1
        # The sync's warning, then its report (not a log record: the same in both formats).
        [warning] = [line for line in result.stderr.splitlines() if "connectors.sync" in line]
        assert "gone: cannot read" in result.stderr
        if log_format == "json":
            fields = orjson.loads(warning)
            assert (fields["level"], fields["logger"]) == ("WARNING", "connectors.sync")
            assert fields["message"].startswith("sync of gone failed")
        else:
            assert warning.startswith("WARNING connectors.sync: sync of gone failed")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Logging as it was before the test configured it."""
    names = ["", "concilia", logs.ACCESS_LOGGER, "uvicorn", "uvicorn.access"]
    saved = [
        (logger, logger.level, list(logger.handlers), logger.propagate)
        for logger in map(logging.getLogger, names)
    ]
    yield
    for logger, level, handlers, propagate in saved:
        for handler in logger.handlers:
            if handler not in handlers:
                handler.close()
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate


@pytest.mark.usefixtures("restored_logging")
@pytest.mark.parametrize(
    ("log_format", "formatter"), [("json", JsonFormatter), ("text", TextFormatter)]
)
@pytest.mark.parametrize("access", [True, False])
def test_the_server_log_config_writes_one_format_and_the_access_line_if_asked(
    log_format: str, formatter: type[logging.Formatter], access: bool
) -> None:
    logging.config.dictConfig(logs.uvicorn_log_config(log_format, "info", access=access))

    [handler] = logging.getLogger().handlers
    assert isinstance(handler.formatter, formatter)
    assert logging.getLogger("concilia.hub").isEnabledFor(logging.INFO)
    assert logging.getLogger(logs.ACCESS_LOGGER).isEnabledFor(logging.INFO) is access
    # Other libraries keep to warnings (httpx logs every fetch, with its URL, at INFO).
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
