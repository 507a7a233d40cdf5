"""GraphQL over HTTP conformance: graphql-http's own server audit (tests/node/audit.mjs)
run against the hub served by uvicorn on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from tests.utils.node import run_script
from tests.utils.server import serving


@pytest.fixture
async def served(demo_engine: AsyncEngine) -> AsyncIterator[str]:
    """The base URL of the hub serving the demo catalogue under uvicorn."""
    app = create_app(engine=demo_engine)
    async for base_url in serving(app):
        yield base_url
    await app.state.pipeline.close()


async def test_the_graphql_http_audit_finds_no_error_and_no_warning(served: str) -> None:
    finished = await run_script("audit.mjs", f"{served}/graphql")
    assert finished.stdout, finished.stderr
    summary: dict[str, Any] = orjson.loads(finished.stdout)
    failing = [f"{a['id']} {a['status']}: {a['name']} ({a['reason']})" for a in summary["failed"]]
    assert (summary["error"], summary["warn"]) == (0, 0), "\n".join(failing)
    assert summary["ok"] > 0
    assert finished.code == 0, finished.stderr
