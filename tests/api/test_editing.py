"""The registry's mutations: an editor writes its own provider's records and no other's,
a stale version is a conflict, source data edited in the registry survives the next
sync, and the audit trail records every change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from strawberry.relay import to_base64

from connectors.fetch import http_client
from connectors.sync import sync_source
from hub.app import create_app
from hub.keys import create_key
from hub.registry import import_rules, load_rules
from models import Change, Offering, Role, SyncRun, SyncStatus
from models.audit import ActorKind
from models.db import session_factory
from models.version import READ
from tests.utils import demo
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

CREATE_PROVIDER = """
mutation($input: CreateProviderInput!) {
  createProvider(input: $input) {
    provider { id name version vatNumber allianceMember }
    userErrors { field code message }
  }
}"""
CREATE_OFFERING = """
mutation($input: CreateOfferingInput!) {
  createOffering(input: $input) {
    offering { id title status version area isFree minPrice provider { id } }
    userErrors { field code message }
  }
}"""
UPDATE_OFFERING = """
mutation($input: UpdateOfferingInput!) {
  updateOffering(input: $input) {
    offering { id title version status minPrice
               provenance { source { name } overridden { field value sourceValue } } }
    userErrors { field code message }
  }
}"""
SUSPEND = """
mutation($input: OfferingStatusInput!) {
  suspendOffering(input: $input) { offering { status version } userErrors { code } }
}"""


class Hub:
    """The hub over HTTP, with a key of each role (the editor's for `provider_vat`)."""

    def __init__(self, client: GraphQLClient, keys: dict[str, dict[str, str]]) -> None:
        self.client = client
        self.keys = keys

    async def run(self, who: str, query: str, **variables: Any) -> dict[str, Any]:
        return await self.client.execute(query, variables or None, headers=self.keys[who])


async def _keys(engine: AsyncEngine) -> dict[str, dict[str, str]]:
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    async with session_factory(engine).begin() as session:
        for name, role in (("partner", Role.PARTNER), ("admin", Role.ADMIN)):
            issued = await create_key(session, name=name, role=role)
            headers[name] = {"Authorization": f"Bearer {issued.secret}"}
    return headers


async def _editor(engine: AsyncEngine, name: str, vat: str) -> dict[str, str]:
    async with session_factory(engine).begin() as session:
        issued = await create_key(session, name=name, role=Role.EDITOR, provider=vat)
    return {"Authorization": f"Bearer {issued.secret}"}


@pytest.fixture
async def hub(engine: AsyncEngine) -> AsyncIterator[Hub]:
    async with hub_client(create_app(engine=engine)) as http:
        yield Hub(GraphQLClient(http), await _keys(engine))


async def _nido(hub: Hub, engine: AsyncEngine | None, who: str) -> dict[str, Any]:
    """A nursery created by `who` (the editor's key made on `engine` first) for the
    provider Centro Isola APS."""
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    if engine is not None:
        hub.keys["editor"] = await _editor(engine, "centro-isola", "12345670017")
    created = await hub.run(
        who,
        CREATE_OFFERING,
        input={"providerId": provider["id"], "titleIt": "Nido", "categories": ["early-childhood"]},
    )
    return dict(created["data"]["createOffering"]["offering"])


SOURCE = demo.sources()[0]


async def _sync(engine: AsyncEngine) -> SyncRun:
    """Sync the first demo source (an HSDS file) into the test's database."""
    async with http_client() as client:
        run = await sync_source(session_factory(engine), SOURCE, client)
    assert run.status is SyncStatus.SUCCEEDED, run.error
    return run


async def _provider(hub: Hub, name: str, vat: str) -> dict[str, Any]:
    done = await hub.run("admin", CREATE_PROVIDER, input={"name": name, "vatNumber": vat})
    payload = done["data"]["createProvider"]
    assert payload["userErrors"] == [], payload
    return dict(payload["provider"])


async def test_an_editor_creates_an_offering_that_the_catalogue_shows_at_once(
    hub: Hub, engine: AsyncEngine
) -> None:
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    hub.keys["editor"] = await _editor(engine, "centro-isola", "12345670017")
    done = await hub.run(
        "editor",
        CREATE_OFFERING,
        input={
            "providerId": provider["id"],
            "titleIt": "Sportello caregiver",
            "categories": ["elderly-care"],
            "costOptions": [{"label": "Colloquio", "amount": "0"}],
        },
    )
    payload = done["data"]["createOffering"]
    assert payload["userErrors"] == []
    offering = payload["offering"]
    assert offering["title"] == "Sportello caregiver"
    assert offering["status"] == "ACTIVE"
    assert offering["isFree"] is True
    assert offering["provider"]["id"] == provider["id"]
    listed = await hub.run(
        "anonymous", '{ offerings(filter: {text: "caregiver"}) { nodes { id title } } }'
    )
    assert listed["data"]["offerings"]["nodes"] == [
        {"id": offering["id"], "title": "Sportello caregiver"}
    ]


async def test_an_editor_is_refused_on_another_provider(hub: Hub, engine: AsyncEngine) -> None:
    await _provider(hub, "Centro Isola APS", "12345670017")
    other = await _provider(hub, "Palestra Garibaldi", "00743110157")
    hub.keys["editor"] = await _editor(engine, "centro-isola", "12345670017")
    done = await hub.run(
        "editor",
        CREATE_OFFERING,
        input={"providerId": other["id"], "titleIt": "Yoga", "categories": ["mind-body"]},
    )
    assert done["data"] is None  # the payload is non-null: the error nulls the whole answer
    assert [e["extensions"]["code"] for e in done["errors"]] == ["FORBIDDEN"]
    renamed = await hub.run(
        "editor",
        "mutation($input: UpdateProviderInput!) { updateProvider(input: $input) { userErrors "
        "{ code } } }",
        input={"id": other["id"], "version": other["version"], "name": "Mia"},
    )
    assert [e["extensions"]["code"] for e in renamed["errors"]] == ["FORBIDDEN"]


@pytest.mark.parametrize("who", ["anonymous", "partner"])
async def test_clients_without_a_writing_key_write_nothing(hub: Hub, who: str) -> None:
    done = await hub.client.http.post(
        "/graphql",
        json={"query": CREATE_PROVIDER, "variables": {"input": {"name": "X"}}},
        headers=hub.keys[who],
    )
    assert done.status_code == 403
    assert [e["extensions"]["code"] for e in done.json()["errors"]] == ["FORBIDDEN"]


async def test_an_editor_may_not_create_providers_or_change_membership(
    hub: Hub, engine: AsyncEngine
) -> None:
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    hub.keys["editor"] = await _editor(engine, "centro-isola", "12345670017")
    created = await hub.client.http.post(
        "/graphql",
        json={"query": CREATE_PROVIDER, "variables": {"input": {"name": "X"}}},
        headers=hub.keys["editor"],
    )
    assert created.status_code == 403
    member = await hub.run(
        "editor",
        "mutation($input: UpdateProviderInput!) { updateProvider(input: $input) { userErrors "
        "{ code } } }",
        input={"id": provider["id"], "version": provider["version"], "allianceMember": True},
    )
    assert [e["extensions"]["code"] for e in member["errors"]] == ["FORBIDDEN"]


async def test_a_stale_version_is_a_conflict_and_nothing_changes(hub: Hub) -> None:
    offering = await _nido(hub, None, "admin")
    first = await hub.run(
        "admin",
        UPDATE_OFFERING,
        input={"id": offering["id"], "version": offering["version"], "titleIt": "Nido Isola"},
    )
    assert first["data"]["updateOffering"]["userErrors"] == []
    moved = first["data"]["updateOffering"]["offering"]["version"]
    assert moved == offering["version"] + 1
    stale = await hub.run(
        "admin",
        UPDATE_OFFERING,
        input={"id": offering["id"], "version": offering["version"], "titleIt": "Asilo"},
    )
    payload = stale["data"]["updateOffering"]
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("CONFLICT", ["version"])]
    assert payload["offering"]["title"] == "Nido Isola"
    assert payload["offering"]["version"] == moved


async def test_the_audit_trail_records_who_changed_what(hub: Hub, engine: AsyncEngine) -> None:
    offering = await _nido(hub, engine, "editor")
    await hub.run("editor", SUSPEND, input={"id": offering["id"], "version": offering["version"]})
    async with session_factory(engine)() as session:
        rows = (await session.execute(sa.select(Change).order_by(col(Change.id)))).scalars().all()
    by_editor = [r for r in rows if r.actor == "centro-isola"]
    assert {r.actor_kind for r in by_editor} == {ActorKind.KEY}
    assert [(r.object_type, r.action.value) for r in by_editor] == [
        ("Offering", "CREATE"),
        ("Offering", "UPDATE"),
    ]
    assert by_editor[0].fields["title_it"] == [None, "Nido"]
    assert by_editor[1].fields == {"status": ["ACTIVE", "SUSPENDED"]}
    assert any(r.actor == "admin" and r.object_type == "Provider" for r in rows)


async def test_a_registry_edit_of_a_source_offering_survives_its_next_sync(
    hub: Hub, engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    await _sync(engine)
    async with sessions() as session:
        row = (
            await session.execute(sa.select(Offering).order_by(col(Offering.id)).limit(1))
        ).scalar_one()
    title = row.title_it
    found = await hub.run(
        "admin",
        "query($id: ID!) { node(id: $id) { ... on Offering { id version title } } }",
        id=to_base64("Offering", row.id or 0),
    )
    current = found["data"]["node"]
    edited = await hub.run(
        "admin",
        UPDATE_OFFERING,
        input={"id": current["id"], "version": current["version"], "titleIt": "Titolo corretto"},
    )
    payload = edited["data"]["updateOffering"]
    assert payload["userErrors"] == []
    assert payload["offering"]["provenance"]["overridden"] == [
        {"field": "title_it", "value": "Titolo corretto", "sourceValue": title}
    ]
    assert payload["offering"]["provenance"]["source"]["name"] == SOURCE.name
    await _sync(engine)
    after = await hub.run(
        "admin", "query($id: ID!) { node(id: $id) { ... on Offering { title } } }", id=current["id"]
    )
    assert after["data"]["node"]["title"] == "Titolo corretto"
    restored = await hub.run(
        "admin",
        UPDATE_OFFERING,
        input={
            "id": current["id"],
            "version": payload["offering"]["version"],
            "restoreFromSource": ["title_it"],
        },
    )
    assert restored["data"]["updateOffering"]["userErrors"] == []
    assert restored["data"]["updateOffering"]["offering"]["title"] == title


async def test_the_data_version_moves_with_every_edit(hub: Hub, engine: AsyncEngine) -> None:
    async def version() -> int:
        async with engine.connect() as connection:
            return int((await connection.execute(READ)).scalar_one())

    before = await version()
    await _provider(hub, "Centro Isola APS", "12345670017")
    assert await version() > before


CREATE_LOCATION = """
mutation($input: CreateLocationInput!) {
  createLocation(input: $input) {
    location { id version inDistrict cap }
    userErrors { field code message }
  }
}"""
UPDATE_LOCATION = """
mutation($input: UpdateLocationInput!) {
  updateLocation(input: $input) { location { id version inDistrict } userErrors { code } }
}"""
OFFERING_STATE = """
query($id: ID!) { node(id: $id) { ... on Offering { status inDistrict version title } } }"""


async def test_derived_data_follows_a_location_edit(hub: Hub, engine: AsyncEngine) -> None:
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    hub.keys["editor"] = await _editor(engine, "centro-isola", "12345670017")
    place = await hub.run(
        "editor",
        CREATE_LOCATION,
        input={"providerId": provider["id"], "address": "Via Borsieri 12", "cap": "20159"},
    )
    location = place["data"]["createLocation"]["location"]
    assert location["inDistrict"] is True
    created = await hub.run(
        "editor",
        CREATE_OFFERING,
        input={
            "providerId": provider["id"],
            "titleIt": "Doposcuola",
            "categories": ["after-school"],
            "locationIds": [location["id"]],
        },
    )
    offering = created["data"]["createOffering"]["offering"]
    assert (await hub.run("editor", OFFERING_STATE, id=offering["id"]))["data"]["node"][
        "inDistrict"
    ] is True
    moved = await hub.run(
        "editor",
        UPDATE_LOCATION,
        input={"id": location["id"], "version": location["version"], "cap": "20121"},
    )
    assert moved["data"]["updateLocation"]["location"]["inDistrict"] is False
    state = (await hub.run("editor", OFFERING_STATE, id=offering["id"]))["data"]["node"]
    assert state["inDistrict"] is False
    assert state["version"] == offering["version"] + 1


async def test_invalid_input_is_a_user_error_and_stores_nothing(
    hub: Hub, engine: AsyncEngine
) -> None:
    bad_vat = await hub.run(
        "admin", CREATE_PROVIDER, input={"name": "Centro", "vatNumber": "12345670018"}
    )
    payload = bad_vat["data"]["createProvider"]
    assert payload["provider"] is None
    assert [(e["code"], e["field"]) for e in payload["userErrors"]] == [("INVALID", ["vatNumber"])]
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    duplicate = await hub.run(
        "admin", CREATE_PROVIDER, input={"name": "Altro", "vatNumber": "12345670017"}
    )
    assert [e["code"] for e in duplicate["data"]["createProvider"]["userErrors"]] == ["DUPLICATE"]
    unknown = await hub.run(
        "admin",
        CREATE_OFFERING,
        input={"providerId": provider["id"], "titleIt": "X", "categories": ["no-such-thing"]},
    )
    assert [e["code"] for e in unknown["data"]["createOffering"]["userErrors"]] == ["INVALID"]
    async with session_factory(engine)() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Offering)) == 0


async def test_a_deactivated_providers_offerings_are_suspended_until_reactivated(
    hub: Hub,
) -> None:
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    created = await hub.run(
        "admin",
        CREATE_OFFERING,
        input={"providerId": provider["id"], "titleIt": "Yoga", "categories": ["mind-body"]},
    )
    offering = created["data"]["createOffering"]["offering"]
    activity = """mutation($input: ProviderActivityInput!) {
      %s(input: $input) { provider { active version } userErrors { code } } }"""
    off = await hub.run(
        "admin",
        activity % "deactivateProvider",
        input={"id": provider["id"], "version": provider["version"]},
    )
    state = off["data"]["deactivateProvider"]["provider"]
    assert state["active"] is False
    node = (await hub.run("admin", OFFERING_STATE, id=offering["id"]))["data"]["node"]
    assert node["status"] == "SUSPENDED"
    on = await hub.run(
        "admin",
        activity % "reactivateProvider",
        input={"id": provider["id"], "version": state["version"]},
    )
    assert on["data"]["reactivateProvider"]["provider"]["active"] is True
    node = (await hub.run("admin", OFFERING_STATE, id=offering["id"]))["data"]["node"]
    assert node["status"] == "ACTIVE"


async def test_a_registry_edit_of_a_source_provider_wins_and_survives_syncs(
    hub: Hub, engine: AsyncEngine
) -> None:
    await _sync(engine)
    listed = await hub.run("admin", "{ providers(first: 1) { nodes { id name version } } }")
    provider = listed["data"]["providers"]["nodes"][0]
    assert provider["name"] != "Nome corretto"
    edited = await hub.run(
        "admin",
        """mutation($input: UpdateProviderInput!) { updateProvider(input: $input) {
          provider { name version fieldSources { field source { name } sourceValue } }
          userErrors { code } } }""",
        input={"id": provider["id"], "version": provider["version"], "name": "Nome corretto"},
    )
    payload = edited["data"]["updateProvider"]
    assert payload["userErrors"] == []
    assert payload["provider"]["name"] == "Nome corretto"
    assert payload["provider"]["version"] == provider["version"] + 1
    by_field = {f["field"]: f for f in payload["provider"]["fieldSources"]}
    assert by_field["name"]["source"]["name"] == "registry"
    assert by_field["name"]["sourceValue"] == provider["name"]  # what the source says
    await _sync(engine)
    again = await hub.run(
        "admin", "query($id: ID!) { node(id: $id) { ... on Provider { name } } }", id=provider["id"]
    )
    assert again["data"]["node"]["name"] == "Nome corretto"


RULE = """
mutation($input: SetEligibilityRuleInput!) {
  setEligibilityRule(input: $input) { rule { id version } userErrors { field code } }
}"""


async def test_an_editor_writes_rules_of_its_own_offerings_only(
    hub: Hub, engine: AsyncEngine
) -> None:
    offering = await _nido(hub, engine, "editor")
    only_freelancers = {"category": ["FREELANCER"]}
    done = await hub.run(
        "editor",
        RULE,
        input={"key": "nido-autonomi", "offeringId": offering["id"], "rule": only_freelancers},
    )
    rule = done["data"]["setEligibilityRule"]["rule"]
    assert done["data"]["setEligibilityRule"]["userErrors"] == []
    verdict = """query($id: ID!, $p: BeneficiaryProfileInput!) {
      eligibility(offeringId: $id, profile: $p) { verdict } }"""
    employee = await hub.run("editor", verdict, id=offering["id"], p={"category": "SME_EMPLOYEE"})
    assert employee["data"]["eligibility"]["verdict"] == "NOT_ELIGIBLE"
    again = await hub.run(
        "editor",
        RULE,
        input={"key": "nido-autonomi", "offeringId": offering["id"], "rule": only_freelancers},
    )
    assert [e["code"] for e in again["data"]["setEligibilityRule"]["userErrors"]] == ["DUPLICATE"]
    area = await hub.run(
        "editor", RULE, input={"key": "tutti", "area": "FAMILY_CARE", "rule": only_freelancers}
    )
    assert [e["extensions"]["code"] for e in area["errors"]] == ["FORBIDDEN"]
    removed = await hub.run(
        "editor",
        """mutation($input: RemoveEligibilityRuleInput!) {
          removeEligibilityRule(input: $input) { rule { id } userErrors { code } } }""",
        input={"key": "nido-autonomi", "version": rule["version"]},
    )
    assert removed["data"]["removeEligibilityRule"] == {"rule": None, "userErrors": []}
    employee = await hub.run("editor", verdict, id=offering["id"], p={"category": "SME_EMPLOYEE"})
    assert employee["data"]["eligibility"]["verdict"] == "ELIGIBLE"


async def test_of_two_concurrent_edits_of_one_version_one_is_a_conflict(hub: Hub) -> None:
    offering = await _nido(hub, None, "admin")
    answers = await asyncio.gather(
        *(
            hub.run(
                "admin",
                UPDATE_OFFERING,
                input={"id": offering["id"], "version": offering["version"], "titleIt": title},
            )
            for title in ("Nido A", "Nido B")
        )
    )
    codes = sorted(
        tuple(e["code"] for e in answer["data"]["updateOffering"]["userErrors"])
        for answer in answers
    )
    assert codes == [(), ("CONFLICT",)]
    final = (await hub.run("admin", OFFERING_STATE, id=offering["id"]))["data"]["node"]
    assert final["version"] == offering["version"] + 1
    winner = next(a for a in answers if not a["data"]["updateOffering"]["userErrors"])
    assert final["title"] == winner["data"]["updateOffering"]["offering"]["title"]


async def test_an_admin_reads_an_editors_changes_in_the_graph(
    hub: Hub, engine: AsyncEngine
) -> None:
    offering = await _nido(hub, engine, "editor")
    edit = {"id": offering["id"], "version": offering["version"], "titleIt": "Nido Isola"}
    await hub.run("editor", UPDATE_OFFERING, input=edit)
    stale = await hub.run("editor", UPDATE_OFFERING, input={**edit, "titleIt": "Asilo"})
    assert stale["data"]["updateOffering"]["userErrors"][0]["code"] == "CONFLICT"
    trail = await hub.run(
        "admin",
        """query($id: ID!) { changes(filter: {object: $id}) { nodes {
            action actor { kind name } fields { field before after } } } }""",
        id=offering["id"],
    )
    nodes = trail["data"]["changes"]["nodes"]
    assert [(n["action"], n["actor"]["name"]) for n in nodes] == [
        ("UPDATE", "centro-isola"),
        ("CREATE", "centro-isola"),
    ]
    assert nodes[0]["fields"] == [{"field": "titleIt", "before": "Nido", "after": "Nido Isola"}]


async def test_rows_of_an_upgraded_database_become_editable_after_their_next_sync(
    hub: Hub, engine: AsyncEngine
) -> None:
    sessions = session_factory(engine)
    await _sync(engine)
    async with sessions.begin() as session:  # as the previous release stored them
        await session.execute(sa.update(Offering).values(said={}))
        changes = await session.scalar(sa.select(sa.func.count()).select_from(Change))
    listed = await hub.run("admin", "{ offerings(first: 1) { nodes { id version } } }")
    node = listed["data"]["offerings"]["nodes"][0]
    edit = {"id": node["id"], "version": node["version"], "titleIt": "Titolo corretto"}
    refused = await hub.run("admin", UPDATE_OFFERING, input=edit)
    assert [e["code"] for e in refused["data"]["updateOffering"]["userErrors"]] == ["NOT_EDITABLE"]
    run = await _sync(engine)
    assert (run.updated, run.created) == (0, 0)
    async with sessions() as session:
        assert await session.scalar(sa.select(sa.func.count()).select_from(Change)) == changes
    done = await hub.run("admin", UPDATE_OFFERING, input=edit)
    assert done["data"]["updateOffering"]["userErrors"] == []
    assert done["data"]["updateOffering"]["offering"]["title"] == "Titolo corretto"


async def test_a_schedule_written_in_the_registry_expands_into_occurrences(hub: Hub) -> None:
    provider = await _provider(hub, "Centro Isola APS", "12345670017")
    monday = {
        "start": "2027-01-11T17:00:00+01:00",
        "end": "2027-01-11T19:00:00+01:00",
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
    }
    created = await hub.run(
        "admin",
        CREATE_OFFERING,
        input={
            "providerId": provider["id"],
            "titleIt": "Sportello caregiver",
            "categories": ["caregiver-support"],
            "schedules": [monday],
        },
    )
    offering = created["data"]["createOffering"]["offering"]
    open_at = """query($at: DateTime!) {
      offerings(filter: {openAt: $at}) { nodes { id } } }"""
    third_monday = await hub.run("anonymous", open_at, at="2027-01-25T18:00:00+01:00")
    assert third_monday["data"]["offerings"]["nodes"] == [{"id": offering["id"]}]
    tuesday = await hub.run("anonymous", open_at, at="2027-01-26T18:00:00+01:00")
    assert tuesday["data"]["offerings"]["nodes"] == []


async def test_syncs_and_the_rules_import_are_in_the_trail(
    hub: Hub, engine: AsyncEngine, tmp_path: Path
) -> None:
    sessions = session_factory(engine)
    run = await _sync(engine)
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[[rule]]\nkey = "nidi"\narea = "FAMILY_CARE"\nrule = { category = ["RESIDENT"] }\n'
        '[[rule]]\nkey = "sport"\narea = "HEALTH_WELLBEING"\nrule = { age = { max = 70 } }\n',
        encoding="utf-8",
    )
    async with sessions.begin() as session:
        await import_rules(session, load_rules(rules))
    trail = """query($kind: ActorKind!) { changes(first: 100, filter: {actorKind: $kind}) {
        totalCount nodes { action objectType actor { name } syncRun { id } } } }"""
    synced = (await hub.run("admin", trail, kind="SOURCE"))["data"]["changes"]
    assert synced["totalCount"] == run.created
    assert {(n["action"], n["actor"]["name"]) for n in synced["nodes"]} == {("CREATE", SOURCE.name)}
    assert {n["syncRun"]["id"] for n in synced["nodes"]} == {to_base64("SyncRun", run.id or 0)}
    imported = (await hub.run("admin", trail, kind="IMPORT"))["data"]["changes"]
    assert imported["totalCount"] == 2
    assert {n["objectType"] for n in imported["nodes"]} == {"EligibilityRule"}
