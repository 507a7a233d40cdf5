"""The audit trail in the graph: `changes`, read by an admin, newest first, filtered and
paginated; refused to everyone else in development as in production."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from strawberry.relay import to_base64

from hub.app import create_app
from hub.keys import create_key
from hub.settings import Settings
from models import (
    Area,
    DeliveryMode,
    Location,
    Offering,
    OfferingStatus,
    Provider,
    Role,
    Source,
    SyncRun,
    SyncStatus,
)
from models.audit import Actor, ActorKind, Change, ChangeAction, Entry, record
from models.db import session_factory
from tests.test_readme import TRAIL_QUERIES
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.statements import count_statements

PRODUCTION = Settings(env="production", key_cache_ttl=0)

CHANGES = """
query($filter: ChangeFilter, $first: Int, $after: String) {
  changes(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { at action objectType objectId actor { kind name } }
  }
}
"""


@dataclass(frozen=True)
class Trail:
    """A small catalogue, the changes recorded on it, and the headers of a key per role."""

    offering: str
    provider: str
    location: str
    run: str
    keys: dict[Role, dict[str, str]]


def gid(type_name: str, id_: int | None) -> str:
    return to_base64(type_name, id_ or 0)


async def recorded(
    engine: AsyncEngine, actor: Actor, at: datetime, *entries: tuple[str, int, ChangeAction]
) -> None:
    """Record changes as a writer does, then date them: record() stamps the transaction's
    time, and the filters by time need a calendar of their own."""
    async with session_factory(engine).begin() as session:
        last = (await session.execute(sa.select(sa.func.max(col(Change.id))))).scalar() or 0
        await record(
            session,
            actor,
            [
                Entry(kind, id_, action, {"title_it": ["Prima", "Dopo"]})
                for kind, id_, action in entries
            ],
        )
        await session.execute(sa.update(Change).where(col(Change.id) > last).values(at=at))


@pytest.fixture
async def trail(engine: AsyncEngine) -> Trail:
    """Six changes, oldest first: a sync creates a provider, its offering and its place
    (Nov 1st); an editor lowers the price (Nov 10th); the rules import creates a rule that
    was deleted since (Nov 15th); the admin withdraws the offering (Nov 20th)."""
    async with session_factory(engine).begin() as session:
        provider = Provider(name="Centro Isola", name_sort="centro isola", vat_number="12345670017")
        source = Source(name="isola-hsds", kind="hsds", url="https://isola.example/hsds")
        session.add_all([provider, source])
        await session.flush()
        offering = Offering(
            provider_id=provider.id or 0,
            title_it="Yoga in cortile",
            title_sort_it="yoga in cortile",
            title_sort_en="yoga in cortile",
            area=Area.HEALTH_WELLBEING,
            delivery_mode=DeliveryMode.IN_PERSON,
            status=OfferingStatus.ACTIVE,
        )
        location = Location(provider_id=provider.id, address="Via Borsieri 1", cap="20159")
        run = SyncRun(source_id=source.id or 0, status=SyncStatus.SUCCEEDED)
        session.add_all([offering, location, run])
        await session.flush()
        keys: dict[Role, dict[str, str]] = {Role.ANONYMOUS: {}}
        for role in (Role.PARTNER, Role.EDITOR, Role.ADMIN):
            issued = await create_key(
                session,
                name=f"{role.value}-key",
                role=role,
                provider="12345670017" if role is Role.EDITOR else None,
            )
            keys[role] = {"Authorization": f"Bearer {issued.secret}"}
        ids = (provider.id or 0, offering.id or 0, location.id or 0, run.id or 0, source.id or 0)
    provider_id, offering_id, location_id, run_id, source_id = ids
    sync = Actor(ActorKind.SOURCE, "isola-hsds", source_id=source_id, run_id=run_id)
    await recorded(
        engine,
        sync,
        datetime(2026, 11, 1, 8, tzinfo=UTC),
        ("Provider", provider_id, ChangeAction.CREATE),
        ("Offering", offering_id, ChangeAction.CREATE),
        ("Location", location_id, ChangeAction.CREATE),
    )
    editor = Actor(ActorKind.KEY, "editor-key")
    await recorded(
        engine,
        editor,
        datetime(2026, 11, 10, 9, tzinfo=UTC),
        ("Offering", offering_id, ChangeAction.UPDATE),
    )
    async with session_factory(engine).begin() as session:
        await record(
            session,
            Actor(ActorKind.IMPORT, "rules import"),
            [Entry("EligibilityRule", 99, ChangeAction.CREATE, {"key": [None, "isee-30k"]})],
        )
        await session.execute(
            sa.update(Change)
            .where(col(Change.object_type) == "EligibilityRule")
            .values(at=datetime(2026, 11, 15, 12, tzinfo=UTC))
        )
    admin = Actor(ActorKind.KEY, "admin-key")
    await recorded(
        engine,
        admin,
        datetime(2026, 11, 20, 9, tzinfo=UTC),
        ("Offering", offering_id, ChangeAction.WITHDRAW),
    )
    return Trail(
        offering=gid("Offering", offering_id),
        provider=gid("Provider", provider_id),
        location=gid("Location", location_id),
        run=gid("SyncRun", run_id),
        keys=keys,
    )


@pytest.fixture
async def development(engine: AsyncEngine) -> AsyncIterator[GraphQLClient]:
    async with hub_client(create_app(Settings(), engine=engine)) as client:
        yield GraphQLClient(client)


@pytest.fixture
async def production(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with hub_client(create_app(PRODUCTION, engine=engine)) as client:
        yield client


async def changes(
    gql: GraphQLClient, trail: Trail, filter: dict[str, Any] | None = None, **page: Any
) -> dict[str, Any]:
    variables = {"filter": filter, **page}
    data = await gql.data(CHANGES, variables, headers=trail.keys[Role.ADMIN])
    result: dict[str, Any] = data["changes"]
    return result


def summary(connection: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(objectType, action, actor name) of each change listed."""
    return [
        (node["objectType"], node["action"], node["actor"]["name"]) for node in connection["nodes"]
    ]


SYNCED_PROVIDER = ("Provider", "CREATE", "isola-hsds")
SYNCED_OFFERING = ("Offering", "CREATE", "isola-hsds")
SYNCED_LOCATION = ("Location", "CREATE", "isola-hsds")
EDITED = ("Offering", "UPDATE", "editor-key")
IMPORTED = ("EligibilityRule", "CREATE", "rules import")
WITHDRAWN = ("Offering", "WITHDRAW", "admin-key")


async def test_an_admin_reads_the_trail_newest_first(
    development: GraphQLClient, trail: Trail
) -> None:
    everything = await changes(development, trail)
    assert summary(everything) == [
        WITHDRAWN,
        IMPORTED,
        EDITED,
        SYNCED_LOCATION,
        SYNCED_OFFERING,
        SYNCED_PROVIDER,
    ]
    assert everything["totalCount"] == 6
    newest = everything["nodes"][0]
    assert newest["at"] == "2026-11-20T10:00:00+01:00"
    assert newest["actor"] == {"kind": "KEY", "name": "admin-key"}
    assert newest["objectId"] == trail.offering


async def test_a_change_shows_its_fields_its_object_and_its_sync_run(
    development: GraphQLClient, trail: Trail
) -> None:
    query = """
    query($filter: ChangeFilter) {
      changes(filter: $filter) { nodes {
        fields { field before after }
        object { id ... on Offering { title } ... on Provider { name } }
        syncRun { id status }
      } }
    }
    """
    by_sync = {"actorKind": "SOURCE", "objectType": "Offering"}
    data = await development.data(query, {"filter": by_sync}, headers=trail.keys[Role.ADMIN])
    [created] = data["changes"]["nodes"]
    assert created["fields"] == [{"field": "titleIt", "before": "Prima", "after": "Dopo"}]
    assert created["object"] == {"id": trail.offering, "title": "Yoga in cortile"}
    assert created["syncRun"] == {"id": trail.run, "status": "SUCCEEDED"}

    by_import = {"actorKind": "IMPORT"}
    data = await development.data(query, {"filter": by_import}, headers=trail.keys[Role.ADMIN])
    [rule] = data["changes"]["nodes"]
    # The rule was deleted since: the change stays, its object is gone.
    assert rule == {
        "fields": [{"field": "key", "before": None, "after": "isee-30k"}],
        "object": None,
        "syncRun": None,
    }


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"objectType": "Location"}, [SYNCED_LOCATION]),
        ({"actor": "isola-hsds"}, [SYNCED_LOCATION, SYNCED_OFFERING, SYNCED_PROVIDER]),
        ({"actor": "isola"}, []),
        ({"actorKind": "KEY"}, [WITHDRAWN, EDITED]),
        ({"action": "CREATE"}, [IMPORTED, SYNCED_LOCATION, SYNCED_OFFERING, SYNCED_PROVIDER]),
        # `since` is included, `until` is not; any offset may be used.
        (
            {"since": "2026-11-10T10:00:00+01:00", "until": "2026-11-20T09:00:00Z"},
            [IMPORTED, EDITED],
        ),
        ({"since": "2026-11-15T12:00:01Z"}, [WITHDRAWN]),
        (
            {"until": "2026-11-01T08:00:00.000001Z"},
            [SYNCED_LOCATION, SYNCED_OFFERING, SYNCED_PROVIDER],
        ),
        ({"since": "2026-11-12T00:00:00Z", "until": "2026-11-12T00:00:00Z"}, []),
    ],
)
async def test_filters(
    development: GraphQLClient,
    trail: Trail,
    filter: dict[str, Any],
    expected: list[tuple[str, str, str]],
) -> None:
    found = await changes(development, trail, filter)
    assert summary(found) == expected
    assert found["totalCount"] == len(expected)


async def test_filters_by_object_and_combined(development: GraphQLClient, trail: Trail) -> None:
    of_offering = await changes(development, trail, {"object": trail.offering})
    assert summary(of_offering) == [WITHDRAWN, EDITED, SYNCED_OFFERING]
    of_provider = await changes(development, trail, {"object": trail.provider})
    assert summary(of_provider) == [SYNCED_PROVIDER]
    synced = await changes(development, trail, {"object": trail.offering, "actorKind": "SOURCE"})
    assert summary(synced) == [SYNCED_OFFERING]
    rule = await changes(development, trail, {"object": gid("EligibilityRule", 99)})
    assert summary(rule) == [IMPORTED]


@pytest.mark.parametrize(
    "filter",
    [
        {"object": "not an id"},
        {"object": gid("Category", 1)},  # the trail records no categories
        {"objectType": "Category"},
        {"since": "2026-11-10T10:00:00"},  # no offset
        {"until": "2026-11-10T10:00:00"},
        {"since": "2026-11-20T00:00:00Z", "until": "2026-11-10T00:00:00Z"},
        {"actor": "a" * 121},
        {"actor": "admin\x00"},
    ],
)
async def test_bad_filter_values_are_bad_user_input(
    development: GraphQLClient, trail: Trail, filter: dict[str, Any]
) -> None:
    result = await development.execute(CHANGES, {"filter": filter}, headers=trail.keys[Role.ADMIN])
    assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]


async def test_pages_follow_each_other_by_cursor(development: GraphQLClient, trail: Trail) -> None:
    everything = summary(await changes(development, trail))
    listed: list[tuple[str, str, str]] = []
    after = None
    pages = 0
    while True:
        page = await changes(development, trail, first=4 if after is None else 1, after=after)
        assert page["totalCount"] == 6
        listed += summary(page)
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert listed == everything
    assert pages == 3
    # A filter keeps its rows across pages.
    first = await changes(development, trail, {"action": "CREATE"}, first=2)
    rest = await changes(
        development, trail, {"action": "CREATE"}, after=first["pageInfo"]["endCursor"]
    )
    assert summary(first) + summary(rest) == [
        IMPORTED,
        SYNCED_LOCATION,
        SYNCED_OFFERING,
        SYNCED_PROVIDER,
    ]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_count_reads_no_page(development: GraphQLClient, trail: Trail) -> None:
    counted = await changes(development, trail, {"actorKind": "KEY"}, first=0)
    assert counted["totalCount"] == 2
    assert counted["nodes"] == []
    assert counted["pageInfo"]["hasNextPage"] is True


async def test_a_foreign_cursor_is_bad_user_input(development: GraphQLClient, trail: Trail) -> None:
    providers = await development.data(
        "{ providers(first: 1) { pageInfo { endCursor } } }", headers=trail.keys[Role.ADMIN]
    )
    cursor = providers["providers"]["pageInfo"]["endCursor"]
    result = await development.execute(CHANGES, {"after": cursor}, headers=trail.keys[Role.ADMIN])
    assert [error["extensions"]["code"] for error in result["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("role", [Role.ANONYMOUS, Role.PARTNER, Role.EDITOR])
async def test_only_admins_read_the_trail_even_in_development(
    development: GraphQLClient, production: httpx.AsyncClient, trail: Trail, role: Role
) -> None:
    for http in (development.http, production):
        response = await http.post("/graphql", json={"query": CHANGES}, headers=trail.keys[role])
        assert response.status_code == 403
        body = response.json()
        assert [error["extensions"]["code"] for error in body["errors"]] == ["FORBIDDEN"]
        assert "`Query.changes`" in body["errors"][0]["message"]
    # The admin's key reads it in production too.
    allowed = await production.post(
        "/graphql", json={"query": CHANGES}, headers=trail.keys[Role.ADMIN]
    )
    assert allowed.status_code == 200
    assert allowed.json()["data"]["changes"]["totalCount"] == 6


async def test_answers_are_never_kept_nor_cacheable(
    development: GraphQLClient, trail: Trail
) -> None:
    query = "{ changes(first: 1) { totalCount } }"
    admin = trail.keys[Role.ADMIN]
    response = await development.http.get("/graphql", params={"query": query}, headers=admin)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "etag" not in response.headers
    # A catalogue query by the same key is cacheable: the difference is the trail.
    catalogue = await development.http.get(
        "/graphql", params={"query": "{ areas { area } }"}, headers=admin
    )
    assert catalogue.headers["cache-control"].startswith("public")


async def test_the_readmes_example_runs(development: GraphQLClient, trail: Trail) -> None:
    assert TRAIL_QUERIES
    for query in TRAIL_QUERIES:
        data = await development.data(query, headers=trail.keys[Role.ADMIN])
        assert data["changes"]["totalCount"] == 2  # the editor's and the admin's


WITH_OBJECTS = """
query($first: Int!) {
  changes(first: $first) {
    totalCount
    nodes {
      objectId fields { field }
      object { id ... on Offering { title } ... on Provider { name } ... on Location { cap } }
      syncRun { status }
    }
  }
}
"""


async def test_statements_do_not_depend_on_the_number_of_changes(
    development: GraphQLClient, engine: AsyncEngine, trail: Trail
) -> None:
    admin = trail.keys[Role.ADMIN]
    await development.data(WITH_OBJECTS, {"first": 100}, headers=admin)  # the key, cached

    with count_statements(engine) as few:
        await development.data(WITH_OBJECTS, {"first": 100}, headers=admin)
    # Forty more changes of the same kinds of objects, by the same writers.
    async with session_factory(engine).begin() as session:
        copies = (await session.execute(sa.select(Change))).scalars().all()
        await session.execute(
            sa.insert(Change),
            [
                {name: getattr(row, name) for name in Change.model_fields if name != "id"}
                for _ in range(7)
                for row in copies
            ],
        )
    with count_statements(engine) as many:
        data = await development.data(WITH_OBJECTS, {"first": 100}, headers=admin)
    assert data["changes"]["totalCount"] == 48
    assert len(data["changes"]["nodes"]) == 48
    assert len(few) == len(many)
    # The page, the count, then one load per type of object (offering, provider, location,
    # rule) and one of the sync runs.
    assert len(many) == 7, many.statements
