"""The authorization matrix: every cell of the README's "Keys and roles" table, checked
against a hub served in production mode with a key of each role."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from string import Template

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.relay import to_base64

from hub.app import create_app
from hub.keys import create_key
from hub.settings import Settings
from models import Provider, Role
from models.audit import Actor, ActorKind
from models.catalogue import provider_of_vat
from models.db import session_factory
from models.editing import (
    Editor,
    RuleTarget,
    create_location,
    create_offering,
    create_provider,
    set_rule,
)
from schema import build_schema
from tests.utils.hub import hub_client

README = Path(__file__).resolve().parents[2] / "README.md"
ROLES = [Role.ANONYMOUS, Role.PARTNER, Role.EDITOR, Role.ADMIN]
PRODUCTION = Settings(env="production", key_cache_ttl=0)


def mutation(name: str, arguments: str, field: str) -> str:
    """A document running one mutation with `arguments` (${...} names an object of the
    `registry` fixture)."""
    selection = f"{field} {{ id }} userErrors {{ code }}"
    return f"mutation {{ {name}(input: {{{arguments}}}) {{ {selection} }} }}"


def provider_edits(whose: str) -> list[str]:
    """Every mutation an editor may make, on the records of the `registry` fixture's
    provider `whose` ("own" or "other")."""
    offering = f'id: "${{{whose}_offering}}", version: 999'
    return [
        mutation("updateProvider", f'id: "${{{whose}}}", version: 999, name: "Mia"', "provider"),
        mutation("createLocation", f'providerId: "${{{whose}}}", cap: "20159"', "location"),
        mutation(
            "updateLocation", f'id: "${{{whose}_location}}", version: 999, cap: "20159"', "location"
        ),
        mutation(
            "createOffering",
            f'providerId: "${{{whose}}}", titleIt: "Yoga", categories: ["mind-body"]',
            "offering",
        ),
        mutation("updateOffering", f'{offering}, titleIt: "Yoga"', "offering"),
        *(
            mutation(name, offering, "offering")
            for name in ("suspendOffering", "withdrawOffering", "reinstateOffering")
        ),
        mutation(
            "setEligibilityRule",
            f'key: "{whose}", offeringId: "${{{whose}_offering}}", '
            'rule: {category: ["FREELANCER"]}, version: 999',
            "rule",
        ),
        mutation("removeEligibilityRule", f'key: "{whose}", version: 999', "rule"),
    ]


# Each row of the README's table, by the start of its first cell: documents that each
# select what the row names (one document per guarded field, so each one is checked).
ROWS: dict[str, list[str]] = {
    "the catalogue": [
        "{ offerings(first: 2) { totalCount nodes { id title area } } }",
        "{ providers(first: 2) { nodes { id name } } }",
        '{ node(id: "T2ZmZXJpbmc6MQ==") { id } nodes(ids: []) { id } }',
        "{ areas { area offeringCount } categories { code } }",
        # Read as anyone may; the offering does not exist in this empty catalogue.
        '{ eligibility(offeringId: "T2ZmZXJpbmc6MQ==", profile: {category: FREELANCER}) '
        "{ verdict } }",
    ],
    "sync status": [
        "{ sources { name kind lastRun { status startedAt finishedAt fetched created } } }",
    ],
    "operator fields": [
        "{ sources { url } }",
        "{ sources { lastRun { error } } }",
        "{ sources { lastRun { quarantined { externalId reason } } } }",
        "{ sources { lastRun { unmappedTerms { term } } } }",
    ],
    "audit trail": [
        "{ changes(first: 1) { totalCount nodes { at actor { name } } } }",
    ],
    # Mutations name the version 999: a key that may write gets CONFLICT (a user error,
    # nothing written), one that may not is refused.
    "registry edits of the editor's own provider": provider_edits("own"),
    "registry edits of another provider's records": provider_edits("other"),
    "alliance-wide writes": [
        mutation("createProvider", 'name: "Nuovo membro"', "provider"),
        mutation("deactivateProvider", 'id: "${other}", version: 999', "provider"),
        mutation("reactivateProvider", 'id: "${other}", version: 999', "provider"),
        mutation("updateProvider", 'id: "${own}", version: 999, allianceMember: true', "provider"),
        mutation(
            "setEligibilityRule",
            'key: "area", area: FAMILY_CARE, rule: {category: ["FREELANCER"]}',
            "rule",
        ),
    ],
    "introspection": [
        "{ __schema { queryType { name } } }",
        '{ __type(name: "Offering") { name } }',
        "{ _service { sdl } }",
    ],
}

# Rows guarded in every environment (hub.access.WRITE_ROLES), development included.
EVERYWHERE = {
    "audit trail",
    "registry edits of the editor's own provider",
    "registry edits of another provider's records",
    "alliance-wide writes",
}


@dataclass(frozen=True)
class Table:
    """The README's table: cells by row label and role."""

    rows: dict[str, dict[Role, str]]

    @classmethod
    def read(cls) -> Table:
        text = README.read_text(encoding="utf-8")
        header = "| what | anonymous | partner | editor | admin |"
        start = text.index(header)
        rows: dict[str, dict[Role, str]] = {}
        for line in text[start:].splitlines()[2:]:
            if not line.startswith("|"):
                break
            label, *cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[label] = dict(zip(ROLES, cells, strict=True))
        return cls(rows)

    def row(self, start: str) -> dict[Role, str]:
        found = [cells for label, cells in self.rows.items() if label.startswith(start)]
        assert len(found) == 1, f"the README's table has no single row {start!r}"
        return found[0]


TABLE = Table.read()


@pytest.fixture
async def keys(engine: AsyncEngine) -> dict[Role, dict[str, str]]:
    """The headers of a request by each role (a key per role, anonymous none)."""
    async with session_factory(engine).begin() as session:
        session.add(
            Provider(name="Centro Isola", name_sort="centro isola", vat_number="12345670017")
        )
        await session.flush()
        headers: dict[Role, dict[str, str]] = {Role.ANONYMOUS: {}}
        for role in ROLES[1:]:
            issued = await create_key(
                session,
                name=role.value,
                role=role,
                provider="12345670017" if role is Role.EDITOR else None,
            )
            headers[role] = {"Authorization": f"Bearer {issued.secret}"}
    return headers


@pytest.fixture
async def registry(engine: AsyncEngine, keys: dict[Role, dict[str, str]]) -> dict[str, str]:
    """Records of the editor's provider (the `keys` fixture's) and of another one, with a
    rule each: the global IDs the rows' documents name."""
    del keys  # made first: its provider is the editor's
    editor = Editor(Actor(ActorKind.OPERATOR, "test"))
    ids: dict[str, str] = {}
    async with session_factory(engine).begin() as session:
        own = await provider_of_vat(session, "12345670017")
        assert own is not None
        other = await create_provider(
            session, editor, {"name": "Palestra Garibaldi", "vat_number": "00743110157"}
        )
        for name, provider_id in (("own", own), ("other", other)):
            location = await create_location(session, editor, provider_id, {"cap": "20159"})
            fields = {"title_it": "Nido", "categories": ("early-childhood",)}
            offering = await create_offering(session, editor, provider_id, fields, [location])
            target = RuleTarget(offering_id=offering)
            await set_rule(
                session, editor, name, target, {"category": ["FREELANCER"]}, (None, None), None
            )
            ids[name] = to_base64("Provider", provider_id)
            ids[f"{name}_location"] = to_base64("Location", location)
            ids[f"{name}_offering"] = to_base64("Offering", offering)
    return ids


def filled(document: str, registry: dict[str, str]) -> str:
    return Template(document).substitute(registry)


@pytest.fixture
async def production(engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with hub_client(create_app(PRODUCTION, engine=engine)) as client:
        yield client


def test_every_mutation_is_in_the_matrix() -> None:
    mutation = build_schema()._schema.mutation_type
    assert mutation is not None
    documents = " ".join(document for documents in ROWS.values() for document in documents)
    for name in mutation.fields:
        assert f" {name}(input:" in documents, name


def test_the_table_has_a_row_for_each_rule_and_nothing_else() -> None:
    checked = {*ROWS, "`/metrics`", "cost of one request", "requests"}
    for label in TABLE.rows:
        assert any(label.startswith(start) for start in checked), f"unchecked row {label!r}"


@pytest.mark.parametrize("row", list(ROWS))
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_each_cell_of_the_matrix(
    production: httpx.AsyncClient,
    keys: dict[Role, dict[str, str]],
    registry: dict[str, str],
    row: str,
    role: Role,
) -> None:
    await check_cell(production, row, role, keys[role], registry)


async def check_cell(
    hub: httpx.AsyncClient,
    row: str,
    role: Role,
    headers: dict[str, str],
    registry: dict[str, str],
) -> None:
    """Each document of a row, sent with the role's key, is refused exactly when the
    README's table says `no`."""
    allowed = TABLE.row(row)[role]
    assert allowed in {"yes", "no"}
    for document in ROWS[row]:
        query = filled(document, registry)
        response = await hub.post("/graphql", json={"query": query}, headers=headers)
        assert refused(response) is (allowed == "no"), (document, response.json())


def refused(response: httpx.Response) -> bool:
    """Whether the request was refused for its key (an allowed one may still fail for its
    input, such as the eligibility of an offering this empty catalogue does not have)."""
    body = response.json()
    codes = [e["extensions"]["code"] for e in body.get("errors", ())]
    if response.status_code == 403:
        assert codes == ["FORBIDDEN"]
        assert "data" not in body or body["data"] is None
        return True
    assert response.status_code == 200, body
    if codes == ["FORBIDDEN"]:  # an editor on another provider's records, seen in the data
        assert body["data"] is None
        return True
    assert "FORBIDDEN" not in codes
    return False


@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_the_metrics_cell_of_each_role(
    production: httpx.AsyncClient, keys: dict[Role, dict[str, str]], role: Role
) -> None:
    response = await production.get("/metrics", headers=keys[role])
    if TABLE.row("`/metrics`")[role] == "yes":
        assert response.status_code == 200
        assert "concilia_" in response.text
    else:
        assert response.status_code == (401 if role is Role.ANONYMOUS else 403)
        assert response.json()["errors"][0]["extensions"]["code"] in {
            "UNAUTHENTICATED",
            "FORBIDDEN",
        }


def test_the_cost_and_rate_rows_are_the_defaults() -> None:
    # The defaults as declared (the suite's environment changes some: tests/conftest.py).
    defaults = Settings.model_construct()
    cost = {role: int(cell.replace(",", "")) for role, cell in TABLE.row("cost").items()}
    assert cost[Role.ANONYMOUS] == defaults.max_cost
    assert {cost[r] for r in ROLES[1:]} == {defaults.key_max_cost}
    for role, cell in TABLE.row("requests").items():
        policy = defaults.rate_policy(role)
        if cell == "no limit":
            assert policy.unlimited
        else:
            written = re.match(r"(\d+)/minute", cell)
            assert written is not None, cell
            assert (policy.limit, policy.period) == (int(written.group(1)), 60.0)


async def test_keys_get_the_larger_cost_budget(
    production: httpx.AsyncClient, keys: dict[Role, dict[str, str]]
) -> None:
    # Five pages of 100 providers with 100 offerings each: over 50,000, under 250,000.
    page = "providers(first: 100) { nodes { offerings(first: 100) { nodes { id title } } } }"
    document = "{ " + " ".join(f"a{i}: {page}" for i in range(5)) + " }"
    anonymous = (await production.post("/graphql", json={"query": document})).json()
    assert anonymous["errors"][0]["extensions"]["limit"] == "cost"
    partner = await production.post(
        "/graphql", json={"query": document}, headers=keys[Role.PARTNER]
    )
    assert "errors" not in partner.json()


async def test_guarded_fields_are_found_through_fragments_and_interfaces(
    production: httpx.AsyncClient,
) -> None:
    documents = [
        "{ ...Q } fragment Q on Query { sources { ...S } } fragment S on Source { url }",
        '{ node(id: "U291cmNlOjE=") { ... on Source { url } } }',
        "query A { areas { area } } query B { sources { url } }",
    ]
    for document in documents:
        operation = "B" if "query B" in document else None
        response = await production.post(
            "/graphql", json={"query": document, "operationName": operation}
        )
        assert response.status_code == 403, document
        assert "`Source.url`" in response.json()["errors"][0]["message"]
    # The other operation of the same document selects nothing guarded.
    other = await production.post("/graphql", json={"query": documents[2], "operationName": "A"})
    assert other.status_code == 200


async def test_development_lets_everyone_read_everything_else(
    engine: AsyncEngine, registry: dict[str, str]
) -> None:
    async with hub_client(create_app(Settings(), engine=engine)) as development:
        for row, documents in ROWS.items():
            for document in documents:
                query = filled(document, registry)
                response = await development.post("/graphql", json={"query": query})
                assert refused(response) is (row in EVERYWHERE), document


@pytest.mark.parametrize("row", sorted(EVERYWHERE))
@pytest.mark.parametrize("role", ROLES, ids=[r.value for r in ROLES])
async def test_the_rows_guarded_everywhere_hold_in_development(
    engine: AsyncEngine,
    keys: dict[Role, dict[str, str]],
    registry: dict[str, str],
    row: str,
    role: Role,
) -> None:
    async with hub_client(create_app(Settings(), engine=engine)) as development:
        await check_cell(development, row, role, keys[role], registry)


async def test_production_hides_suggestions_from_those_who_may_not_introspect(
    production: httpx.AsyncClient, keys: dict[Role, dict[str, str]]
) -> None:
    typo = {"query": "{ offerings(first: 1) { nodes { titel } } }"}
    anonymous = (await production.post("/graphql", json=typo)).json()
    assert "Did you mean" not in anonymous["errors"][0]["message"]
    assert "titel" in anonymous["errors"][0]["message"]
    partner = (await production.post("/graphql", json=typo, headers=keys[Role.PARTNER])).json()
    assert "Did you mean 'title'" in partner["errors"][0]["message"]


async def test_a_key_without_explore_may_not_introspect(
    engine: AsyncEngine, production: httpx.AsyncClient
) -> None:
    async with session_factory(engine).begin() as session:
        issued = await create_key(session, name="app", role=Role.PARTNER, explore=False)
    response = await production.post(
        "/graphql",
        json={"query": "{ __schema { queryType { name } } }"},
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 403
