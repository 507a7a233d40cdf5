"""The request pipeline over HTTP: documents prepared once, persisted queries (APQ and
trusted documents), document limits, cost and the execution timeout."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import get_introspection_query
from sqlalchemy.ext.asyncio import AsyncEngine

import hub.documents
from hub.app import create_app
from hub.settings import Settings
from tests.hub.test_limits import fragment_bomb
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

AREAS = "{ areas { area offeringCount } }"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.fixture
async def hub_with(demo_engine: AsyncEngine) -> AsyncIterator[Any]:
    """Makes clients of a hub with the given settings (over httpx's ASGI transport)."""
    async with AsyncExitStack() as stack:

        async def make(**settings: Any) -> GraphQLClient:
            app = create_app(Settings(**settings), engine=demo_engine)
            return GraphQLClient(await stack.enter_async_context(hub_client(app)))

        yield make


def codes(result: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in result.get("errors", [])]


async def test_a_document_is_prepared_once_for_every_request_sending_it(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    prepare = hub.documents.prepare

    def counting(*args: Any) -> Any:
        calls.append(args[1])
        return prepare(*args)

    monkeypatch.setattr(hub.documents, "prepare", counting)
    document = "query Once { areas { area } }"
    for _ in range(3):
        assert (await gql.data(document))["areas"]
    assert calls == [document]


async def test_automatic_persisted_query_registers_then_runs_by_hash(gql: GraphQLClient) -> None:
    document = "query Persisted { areas { area offeringCount } }"
    by_hash = {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}
    unknown = await gql.http.post("/graphql", json={"extensions": by_hash})
    assert codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await gql.http.post("/graphql", json={"query": document, "extensions": by_hash})
    assert registered.json()["data"]["areas"]
    again = await gql.http.get("/graphql", params={"extensions": orjson.dumps(by_hash).decode()})
    assert again.json() == registered.json()


async def test_a_persisted_query_whose_hash_does_not_match_is_refused(gql: GraphQLClient) -> None:
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": sha("{ sources { name } }")}}
    response = await gql.http.post("/graphql", json={"query": AREAS, "extensions": wrong})
    assert codes(response.json()) == ["PERSISTED_QUERY_HASH_MISMATCH"]


@pytest.mark.parametrize("persisted", [{"version": 2, "sha256Hash": "ab"}, {"version": 1}, "x"])
async def test_a_malformed_persisted_query_is_a_bad_request(
    gql: GraphQLClient, persisted: Any
) -> None:
    response = await gql.http.post("/graphql", json={"extensions": {"persistedQuery": persisted}})
    assert codes(response.json()) == ["BAD_REQUEST"]


def manifest(tmp_path: Path, apollo: bool) -> tuple[Path, str]:
    document = "query Trusted($n: Int) { offerings(first: $n) { totalCount } }"
    content: Any
    if apollo:
        operations = [{"id": "trusted-1", "body": document, "name": "Trusted", "type": "query"}]
        content = {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": operations,
        }
    else:
        content = {"trusted-1": document}
    path = tmp_path / "manifest.json"
    path.write_bytes(orjson.dumps(content))
    return path, document


@pytest.mark.parametrize("apollo", [False, True], ids=["id-to-document", "apollo"])
async def test_trusted_documents_run_by_id_or_hash(
    hub_with: Any, tmp_path: Path, apollo: bool
) -> None:
    path, document = manifest(tmp_path, apollo)
    gql = await hub_with(trusted_documents=path)
    for document_id in ("trusted-1", f"sha256:{sha(document)}"):
        response = await gql.http.post(
            "/graphql", json={"documentId": document_id, "variables": {"n": 1}}
        )
        assert response.json()["data"]["offerings"]["totalCount"] > 0


async def test_trusted_only_refuses_other_documents(hub_with: Any, tmp_path: Path) -> None:
    path, document = manifest(tmp_path, apollo=False)
    gql = await hub_with(trusted_documents=path, trusted_only=True)
    assert (await gql.data(document))["offerings"]["totalCount"] > 0
    assert await gql.error_codes(AREAS) == ["DOCUMENT_NOT_TRUSTED"]
    apq = {"persistedQuery": {"version": 1, "sha256Hash": sha(AREAS)}}
    response = await gql.http.post("/graphql", json={"query": AREAS, "extensions": apq})
    assert codes(response.json()) == ["DOCUMENT_NOT_TRUSTED"]


async def test_an_unreadable_manifest_stops_the_hub_from_starting(
    demo_engine: AsyncEngine, tmp_path: Path
) -> None:
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(hub.documents.ManifestError):
        create_app(Settings(trusted_documents=tmp_path / "bad.json"), engine=demo_engine)


async def test_the_fragment_bomb_is_refused_for_its_cost(gql: GraphQLClient) -> None:
    result = await gql.execute(fragment_bomb(30))
    assert "data" not in result
    [extensions] = [e["extensions"] for e in result["errors"]]
    assert extensions["code"] == "QUERY_TOO_COMPLEX"
    assert extensions["limit"] == "cost"
    assert extensions["actual"] > extensions["maximum"]


@pytest.mark.parametrize(("aliases", "limit"), [(500, "aliases"), (5_000, "tokens")])
async def test_an_alias_bomb_is_refused(gql: GraphQLClient, aliases: int, limit: str) -> None:
    document = "{ " + " ".join(f"a{i}: areas {{ area }}" for i in range(aliases)) + " }"
    result = await gql.execute(document)
    assert [e["extensions"]["limit"] for e in result["errors"]] == [limit]


async def test_a_document_of_too_many_tokens_is_refused(hub_with: Any) -> None:
    gql = await hub_with(max_tokens=50)
    document = "{ areas { area } " + "sources { name } " * 20 + "}"
    result = await gql.execute(document)
    assert [e["extensions"] for e in result["errors"]] == [
        {"code": "QUERY_TOO_COMPLEX", "limit": "tokens", "maximum": 50}
    ]


async def test_a_document_nested_thousands_deep_is_refused(gql: GraphQLClient) -> None:
    result = await gql.execute("{" + "a {" * 3_000 + "b" + "}" * 3_001)
    assert codes(result) == ["QUERY_TOO_COMPLEX"]


async def test_too_many_root_fields_are_refused(hub_with: Any) -> None:
    gql = await hub_with(max_root_fields=2)
    result = await gql.execute("{ areas { area } sources { name } categories { code } }")
    assert [e["extensions"]["limit"] for e in result["errors"]] == ["rootFields"]


async def test_the_cost_counts_the_variables_of_each_request(hub_with: Any) -> None:
    gql = await hub_with(max_cost=1_000)
    document = (
        "query($n: Int) { providers(first: $n) { edges { node { "
        "offerings(first: $n) { edges { node { id } } } } } } }"
    )
    assert "errors" not in await gql.execute(document, {"n": 5})
    result = await gql.execute(document, {"n": 100})
    [extensions] = [e["extensions"] for e in result["errors"]]
    assert extensions["limit"] == "cost"
    assert extensions["maximum"] == 1_000


async def test_the_cost_is_reported_when_asked(hub_with: Any) -> None:
    gql = await hub_with(report_cost=True)
    result = await gql.execute(AREAS)
    assert result["extensions"] == {"cost": 4 * (1 + 2)}


async def test_execution_past_the_timeout_is_cut_with_a_code(hub_with: Any) -> None:
    gql = await hub_with(execution_timeout=1e-6)
    result = await gql.execute("{ offerings(first: 100) { totalCount } }")
    assert result["data"] is None
    assert codes(result) == ["EXECUTION_TIMEOUT"]
    # The hub is still there for the next request.
    assert (await (await hub_with()).data(AREAS))["areas"]


async def test_graphiql_introspection_is_within_the_limits(gql: GraphQLClient) -> None:
    query = get_introspection_query(descriptions=True, specified_by_url=True)
    data = await gql.data(query)
    assert any(t["name"] == "Offering" for t in data["__schema"]["types"])
