"""Security headers on every response; CORS for the configured origins only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.settings import Settings
from tests.utils.hub import hub_client

PORTAL = "https://portale.comune.example"
PREFLIGHT = {
    "Origin": PORTAL,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/graphql", {}),
        ("GET", "/graphql?query=%7Bareas%7Barea%7D%7D", {}),
        ("POST", "/graphql", {"Authorization": "Bearer nope"}),  # 401
        ("GET", "/healthz", {}),
        ("GET", "/nowhere", {}),  # 404
        ("PUT", "/graphql", {}),  # 405
    ],
)
async def test_every_response_carries_the_security_headers(
    engine: AsyncEngine, method: str, path: str, headers: dict[str, str]
) -> None:
    async with hub_client(create_app(engine=engine)) as http:
        response = await http.request(
            method, path, json={"query": "{ areas { area } }"}, headers=headers
        )
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "strict-transport-security" not in response.headers


async def test_production_asks_browsers_to_keep_to_https(engine: AsyncEngine) -> None:
    async with hub_client(create_app(Settings(env="production"), engine=engine)) as http:
        response = await http.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=31536000")


@pytest.fixture
async def portal_hub(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(cors_origins=f"{PORTAL}, https://other.example")
    async with hub_client(create_app(settings, engine=engine)) as http:
        yield http


async def test_the_portal_preflight_is_answered(portal_hub: httpx.AsyncClient) -> None:
    response = await portal_hub.options("/graphql", headers=PREFLIGHT)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in response.headers


async def test_the_portal_reads_the_answer_and_its_caching_headers(
    portal_hub: httpx.AsyncClient,
) -> None:
    response = await portal_hub.post(
        "/graphql", json={"query": "{ areas { area } }"}, headers={"Origin": PORTAL}
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == PORTAL
    exposed = response.headers["access-control-expose-headers"].lower()
    assert {"etag", "retry-after", "x-request-id"} <= {h.strip() for h in exposed.split(",")}
    assert "origin" in response.headers["vary"].lower()


async def test_other_origins_are_not_allowed(portal_hub: httpx.AsyncClient) -> None:
    other = {**PREFLIGHT, "Origin": "https://evil.example"}
    preflight = await portal_hub.options("/graphql", headers=other)
    assert "access-control-allow-origin" not in preflight.headers
    answer = await portal_hub.post(
        "/graphql", json={"query": "{ areas { area } }"}, headers={"Origin": other["Origin"]}
    )
    assert "access-control-allow-origin" not in answer.headers


async def test_without_configured_origins_no_origin_is_allowed(engine: AsyncEngine) -> None:
    async with hub_client(create_app(engine=engine)) as http:
        preflight = await http.options("/graphql", headers=PREFLIGHT)
    assert "access-control-allow-origin" not in preflight.headers
