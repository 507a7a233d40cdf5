"""Rate limits: a burst of the allowance, then one request per interval; 429 with
Retry-After; per key, per address without one; shared through Redis."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.keys import create_key
from hub.ratelimit import RateLimiter, RatePolicy, client_address
from hub.settings import Settings
from models import Role
from models.db import session_factory
from tests.utils.hub import hub_client

AREAS = {"query": "{ areas { area } }"}


@pytest.mark.parametrize(
    ("text", "limit", "period"),
    [("120/minute", 120, 60.0), ("10/s", 10, 1.0), ("5 / hours", 5, 3600.0), ("0/day", 0, 86400)],
)
def test_policies_are_written_as_requests_per_period(text: str, limit: int, period: float) -> None:
    policy = RatePolicy.parse(text)
    assert (policy.limit, policy.period) == (limit, period)


@pytest.mark.parametrize("text", ["120", "ten/minute", "5/fortnight", "-1/minute", ""])
def test_a_policy_that_is_not_a_rate_is_a_settings_error(text: str) -> None:
    with pytest.raises(ValidationError, match="is not a rate"):
        Settings(rate_limit_partner=text)


async def test_a_burst_of_the_allowance_then_one_request_per_interval() -> None:
    limiter = RateLimiter()
    policy = RatePolicy.parse("3/minute")
    assert [await limiter.wait("ip:a", policy) for _ in range(3)] == [0.0, 0.0, 0.0]
    waited = await limiter.wait("ip:a", policy)
    # The fourth request may come one interval (20 s) after the first.
    assert 19.0 < waited <= 20.0
    assert await limiter.wait("ip:b", policy) == 0.0  # every client has its own allowance


async def test_no_limit_is_no_limit() -> None:
    limiter = RateLimiter()
    policy = RatePolicy.parse("0/minute")
    assert {await limiter.wait("key:1", policy) for _ in range(1_000)} == {0.0}


@pytest.mark.parametrize(
    ("host", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:bbbb::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_clients_without_a_key_are_counted_by_address(host: str | None, client: str) -> None:
    assert client_address(host) == client


async def test_over_the_limit_a_client_gets_429_with_retry_after(engine: AsyncEngine) -> None:
    settings = Settings(rate_limit_anonymous="2/minute")
    async with hub_client(create_app(settings, engine=engine)) as http:
        answered = [await http.post("/graphql", json=AREAS) for _ in range(3)]
    assert [r.status_code for r in answered] == [200, 200, 429]
    refused = answered[2]
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert 1 <= int(refused.headers["retry-after"]) <= 30


async def test_a_key_has_its_own_allowance_and_a_bad_key_spends_the_address(
    engine: AsyncEngine,
) -> None:
    async with session_factory(engine).begin() as session:
        issued = await create_key(session, name="portale", role=Role.PARTNER)
    settings = Settings(rate_limit_anonymous="2/minute", rate_limit_partner="3/minute")
    partner = {"Authorization": f"Bearer {issued.secret}"}
    guess = {"Authorization": "Bearer ck_" + "g" * 43}
    async with hub_client(create_app(settings, engine=engine)) as http:
        guesses = [(await http.post("/graphql", json=AREAS, headers=guess)).status_code]
        guesses.append((await http.post("/graphql", json=AREAS, headers=guess)).status_code)
        anonymous = await http.post("/graphql", json=AREAS)
        keyed = [
            (await http.post("/graphql", json=AREAS, headers=partner)).status_code for _ in range(4)
        ]
    assert guesses == [401, 401]
    assert anonymous.status_code == 429  # the guesses spent this address's allowance
    assert keyed == [200, 200, 200, 429]


async def test_health_checks_are_never_limited(engine: AsyncEngine) -> None:
    settings = Settings(rate_limit_anonymous="1/minute")
    async with hub_client(create_app(settings, engine=engine)) as http:
        statuses = {(await http.get("/healthz")).status_code for _ in range(5)}
    assert statuses == {200}


async def test_workers_share_the_allowance_through_redis(
    engine: AsyncEngine, redis_url: str
) -> None:
    settings = Settings(rate_limit_anonymous="3/minute", redis_url=redis_url)
    async with (
        hub_client(create_app(settings, engine=engine)) as one,
        hub_client(create_app(settings, engine=engine)) as other,
    ):
        first = [(await one.post("/graphql", json=AREAS)).status_code for _ in range(2)]
        second = [(await other.post("/graphql", json=AREAS)).status_code for _ in range(2)]
    assert first == [200, 200]
    assert second == [200, 429]


async def test_a_redis_that_is_down_still_limits_in_the_process(engine: AsyncEngine) -> None:
    settings = Settings(rate_limit_anonymous="2/minute", redis_url="redis://127.0.0.1:1/0")
    async with hub_client(create_app(settings, engine=engine)) as http:
        statuses = [(await http.post("/graphql", json=AREAS)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
