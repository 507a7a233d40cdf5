"""The HTTP surface: GraphQL over HTTP at /graphql, GraphiQL, /healthz, /readyz, and
Accept-Language, over httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.limits import Limits
from models.db import create_engine
from resolvers.pagination import MAX_PAGE_SIZE
from tests.utils import demo
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

MAX_QUERY_DEPTH = Limits().max_depth
JSON = {"accept": "application/json"}
JSON_BODY = {"content-type": "application/json"}
AREAS = "{ areas { area offeringCount } }"
COUNT = "query($n: Int) { offerings(first: $n) { totalCount edges { node { id title } } } }"


@pytest.fixture
async def wire(demo_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP as a real server answers it: an exception escaping the app is a 500 response."""
    async with hub_client(create_app(engine=demo_engine), raise_app_exceptions=False) as client:
        yield client


def error_codes(response: httpx.Response) -> list[str]:
    """The codes of a GraphQL-shaped JSON error response, checking its shape on the way."""
    assert response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/json"), response.text
    errors = response.json()["errors"]
    assert errors, response.text
    assert all(isinstance(error["message"], str) and error["message"] for error in errors)
    return [error["extensions"]["code"] for error in errors]


def nested(depth: int) -> str:
    """A query whose leaf is `depth` fields below its root field, cycling through
    offerings -> edges -> node -> provider -> offerings ..."""
    cycle = ["offerings(first: 1)", "edges", "node", "provider"]
    leaves = ["totalCount", "cursor", "id", "name"]
    selection = leaves[(depth - 1) % 4]
    for level in reversed(range(depth)):
        selection = f"{cycle[level % 4]} {{ {selection} }}"
    return f"{{ {selection} }}"


# GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/)


async def test_post_json_query_returns_data(gql: GraphQLClient) -> None:
    data = await gql.data(COUNT, {"n": 3})
    assert data["offerings"]["totalCount"] == len(demo.visible())
    assert len(data["offerings"]["edges"]) == 3


async def test_get_query_returns_data(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": AREAS}, headers=JSON)
    assert response.status_code == 200
    areas = response.json()["data"]["areas"]
    assert sum(area["offeringCount"] for area in areas) == len(demo.visible())


async def test_get_query_takes_variables_as_a_json_string(http: httpx.AsyncClient) -> None:
    params = {"query": COUNT, "variables": orjson.dumps({"n": 2}).decode()}
    response = await http.get("/graphql", params=params, headers=JSON)
    assert response.status_code == 200
    assert len(response.json()["data"]["offerings"]["edges"]) == 2


async def test_browser_get_without_query_gets_graphiql(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()


async def test_get_without_query_from_a_program_is_a_bad_request(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/graphql", headers=JSON)
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


async def test_get_with_a_malformed_query_is_a_parse_failure(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ areas { area "}, headers=JSON)
    assert response.status_code == 200
    assert error_codes(response) == ["GRAPHQL_PARSE_FAILED"]


async def test_get_with_variables_that_are_not_json_is_a_bad_request(
    http: httpx.AsyncClient,
) -> None:
    params = {"query": COUNT, "variables": "{n: 2"}
    response = await http.get("/graphql", params=params, headers=JSON)
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("body", [b"{not json", b"", b'{"query": "{ areas { area } }"', b"\xff"])
async def test_malformed_json_body_is_a_bad_request(wire: httpx.AsyncClient, body: bytes) -> None:
    response = await wire.post("/graphql", content=body, headers=JSON_BODY)
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize("body", [b"null", b"42", b"true", b'"{ areas { area } }"'])
async def test_json_body_that_is_not_an_object_is_a_bad_request(
    wire: httpx.AsyncClient, body: bytes
) -> None:
    response = await wire.post("/graphql", content=body, headers=JSON_BODY)
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "body",
    [
        {"variables": {"n": 1}},
        {"query": None},
        {"query": 42},
        {"query": COUNT, "variables": "n=1"},
        [{"query": AREAS}],
    ],
    ids=["no-query", "null-query", "query-not-a-string", "variables-not-an-object", "batch"],
)
async def test_body_without_a_usable_query_is_a_bad_request(
    http: httpx.AsyncClient, body: Any
) -> None:
    response = await http.post("/graphql", json=body)
    assert response.status_code == 400
    assert error_codes(response) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql"]
)
async def test_post_that_is_not_json_is_refused(http: httpx.AsyncClient, content_type: str) -> None:
    response = await http.post(
        "/graphql", content=AREAS.encode(), headers={"content-type": content_type}
    )
    assert response.status_code in {400, 415}
    assert error_codes(response) == [
        "BAD_REQUEST" if response.status_code == 400 else "UNSUPPORTED_MEDIA_TYPE"
    ]


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_not_allowed(http: httpx.AsyncClient, method: str) -> None:
    response = await http.request(method, "/graphql", json={"query": AREAS})
    assert response.status_code == 405
    assert error_codes(response) == ["METHOD_NOT_ALLOWED"]


async def test_method_not_allowed_names_the_allowed_methods(http: httpx.AsyncClient) -> None:
    response = await http.put("/graphql", json={"query": AREAS})
    assert response.status_code == 405
    assert {m.strip() for m in response.headers.get("allow", "").split(",")} >= {"GET", "POST"}


async def test_syntax_error_is_a_parse_failure(gql: GraphQLClient) -> None:
    assert await gql.error_codes("{ areas { area }") == ["GRAPHQL_PARSE_FAILED"]


async def test_unknown_field_is_a_validation_failure(gql: GraphQLClient) -> None:
    codes = await gql.error_codes("{ areas { area nosuch } offerings { bogus } }")
    assert codes == ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"]


async def test_literal_of_the_wrong_type_is_a_validation_failure(gql: GraphQLClient) -> None:
    codes = await gql.error_codes('{ offerings(first: "ten") { totalCount } }')
    assert codes == ["GRAPHQL_VALIDATION_FAILED"]


async def test_operation_name_picks_one_of_several_operations(gql: GraphQLClient) -> None:
    response = await gql.http.post(
        "/graphql",
        json={
            "query": "query A { areas { area } } query B { sources { name } }",
            "operationName": "B",
        },
    )
    assert set(response.json()["data"]) == {"sources"}


async def test_several_operations_without_an_operation_name_is_a_request_error(
    http: httpx.AsyncClient,
) -> None:
    document = "query A { areas { area } } query B { sources { name } }"
    response = await http.post("/graphql", json={"query": document})
    assert set(error_codes(response)) <= {"BAD_REQUEST", "GRAPHQL_VALIDATION_FAILED"}
    assert response.json().get("data") is None


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        (COUNT, {"n": "ten"}),
        ("query($n: Int!) { offerings(first: $n) { totalCount } }", {}),
        ("query($a: Area) { offerings(filter: {area: $a}) { totalCount } }", {"a": "MARS"}),
    ],
    ids=["wrong-type", "missing-required", "unknown-enum-value"],
)
async def test_bad_variable_is_bad_user_input(
    http: httpx.AsyncClient, query: str, variables: dict[str, Any]
) -> None:
    response = await http.post("/graphql", json={"query": query, "variables": variables})
    assert error_codes(response) == ["BAD_USER_INPUT"]
    assert "$" in response.json()["errors"][0]["message"]


@pytest.mark.parametrize("first", [MAX_PAGE_SIZE + 1, -1])
@pytest.mark.parametrize(
    "query",
    [
        "query($n: Int) { offerings(first: $n) { totalCount } }",
        "query($n: Int) { providers(first: $n) { totalCount } }",
    ],
    ids=["offerings", "providers"],
)
async def test_page_size_out_of_range_is_bad_user_input(
    gql: GraphQLClient, query: str, first: int
) -> None:
    assert await gql.error_codes(query, {"n": first}) == ["BAD_USER_INPUT"]


async def test_largest_page_size_is_allowed(gql: GraphQLClient) -> None:
    data = await gql.data(COUNT, {"n": MAX_PAGE_SIZE})
    assert len(data["offerings"]["edges"]) == min(MAX_PAGE_SIZE, len(demo.visible()))


async def test_query_as_deep_as_the_limit_is_allowed(gql: GraphQLClient) -> None:
    data = await gql.data(nested(MAX_QUERY_DEPTH))
    assert data["offerings"]["edges"]


async def test_query_deeper_than_the_limit_is_too_complex(gql: GraphQLClient) -> None:
    result = await gql.execute(nested(MAX_QUERY_DEPTH + 1))
    assert [error["extensions"] for error in result["errors"]] == [
        {
            "code": "QUERY_TOO_COMPLEX",
            "limit": "depth",
            "maximum": MAX_QUERY_DEPTH,
            "actual": MAX_QUERY_DEPTH + 1,
        }
    ]
    assert result["data"] is None


BAD_REQUESTS: list[Any] = [
    pytest.param("GET", {"params": {"query": "{"}}, id="get-syntax-error"),
    pytest.param("GET", {"params": {"query": "{ nosuch }"}}, id="get-unknown-field"),
    pytest.param("GET", {"params": {"query": "mutation { x }"}}, id="get-mutation"),
    pytest.param("GET", {"params": {"query": AREAS, "operationName": "Nope"}}, id="get-no-op"),
    pytest.param("POST", {"json": {"query": "{ a b c }"}}, id="three-unknown-fields"),
    pytest.param("POST", {"json": {"query": nested(20)}}, id="too-deep"),
    pytest.param("POST", {"json": {"query": "{ offering(id: 1) { id } }"}}, id="bad-id"),
    pytest.param("POST", {"json": {"query": '{ node(id: "bm9wZQ") { id } }'}}, id="bad-node"),
    pytest.param(
        "POST",
        {"json": {"query": '{ offerings(after: "garbage") { totalCount } }'}},
        id="bad-cursor",
    ),
    pytest.param(
        "POST", {"json": {"query": "query A { areas { area } }", "operationName": "B"}}, id="no-op"
    ),
    pytest.param("POST", {"content": b"[", "headers": JSON_BODY}, id="truncated-json"),
    pytest.param("POST", {"content": AREAS, "headers": {"content-type": "text/plain"}}, id="text"),
    pytest.param("PUT", {"json": {"query": AREAS}}, id="put"),
    pytest.param("DELETE", {}, id="delete"),
    pytest.param("POST", {"json": {"query": COUNT, "variables": {"n": "x"}}}, id="bad-variable"),
    pytest.param("POST", {"content": b"null", "headers": JSON_BODY}, id="null-body"),
]


@pytest.mark.parametrize(("method", "request_args"), BAD_REQUESTS)
async def test_every_error_has_a_client_code_and_no_request_is_a_500(
    wire: httpx.AsyncClient, method: str, request_args: dict[str, Any]
) -> None:
    response = await wire.request(method, "/graphql", **request_args)
    assert "INTERNAL_SERVER_ERROR" not in error_codes(response)


# Health and readiness


@pytest.fixture(
    params=[
        "sqlite+aiosqlite:///{tmp}/missing-dir/hub.db",
        "postgresql+asyncpg://concilia@127.0.0.1:1/concilia",
    ],
    ids=["sqlite-missing-directory", "postgresql-closed-port"],
)
async def unreachable(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to a hub whose database cannot be reached."""
    engine = create_engine(request.param.format(tmp=tmp_path))
    try:
        async with hub_client(create_app(engine=engine), raise_app_exceptions=False) as client:
            yield client
    finally:
        await engine.dispose()


async def test_healthz_is_ok(http: httpx.AsyncClient) -> None:
    response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_the_database_ok(http: httpx.AsyncClient) -> None:
    response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


async def test_readyz_is_503_when_the_database_is_unreachable(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["database"] == "unreachable"


async def test_healthz_stays_ok_when_the_database_is_unreachable(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_query_while_the_database_is_unreachable_is_a_masked_internal_error(
    unreachable: httpx.AsyncClient,
) -> None:
    response = await unreachable.post("/graphql", json={"query": AREAS})
    assert error_codes(response) == ["INTERNAL_SERVER_ERROR"]
    assert response.json()["errors"][0]["message"] == "Internal server error"


# Accept-Language and the `lang` argument


TITLES = """query($n: Int) {
  offerings(first: $n) { edges { node { title provenance { externalId } } } }
}"""
OVERRIDDEN = """query($n: Int) {
  offerings(first: $n) {
    edges { node { it: title(lang: IT) en: title(lang: EN) provenance { externalId } } }
  }
}"""


def _by_external_id(data: dict[str, Any], field: str) -> dict[str, str]:
    nodes = [edge["node"] for edge in data["offerings"]["edges"]]
    return {node["provenance"]["externalId"]: node[field] for node in nodes}


def _expected_titles(external_ids: set[str], *, english: bool) -> dict[str, str]:
    """The titles the demo bundles give these offerings (Italian where untranslated)."""
    oracle = {offering.external_id: offering for offering in demo.offerings()}
    translated = {i for i in external_ids if oracle[i].title_en not in {None, oracle[i].title_it}}
    assert translated, "the page holds no translated offering: the check would prove nothing"
    return {
        i: (oracle[i].title_en or oracle[i].title_it) if english else oracle[i].title_it
        for i in external_ids
    }


@pytest.mark.parametrize(
    ("accept_language", "english"),
    [
        ("en", True),
        ("en-GB,en;q=0.9", True),
        ("it;q=0.2, en;q=0.8", True),
        ("fr, it;q=0.5", False),
        ("de", False),
        ("", False),
    ],
)
async def test_accept_language_chooses_the_language_of_titles(
    gql: GraphQLClient, accept_language: str, english: bool
) -> None:
    data = await gql.data(
        TITLES, {"n": MAX_PAGE_SIZE}, headers={"accept-language": accept_language}
    )
    titles = _by_external_id(data, "title")
    assert titles == _expected_titles(set(titles), english=english)


async def test_without_accept_language_titles_are_italian(gql: GraphQLClient) -> None:
    titles = _by_external_id(await gql.data(TITLES, {"n": MAX_PAGE_SIZE}), "title")
    assert titles == _expected_titles(set(titles), english=False)


@pytest.mark.parametrize("accept_language", ["en", "it", "de"])
async def test_lang_argument_overrides_accept_language(
    gql: GraphQLClient, accept_language: str
) -> None:
    data = await gql.data(
        OVERRIDDEN, {"n": MAX_PAGE_SIZE}, headers={"accept-language": accept_language}
    )
    italian, english = _by_external_id(data, "it"), _by_external_id(data, "en")
    assert italian == _expected_titles(set(italian), english=False)
    assert english == _expected_titles(set(english), english=True)
