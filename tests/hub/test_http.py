"""The HTTP surface: GraphQL over HTTP at /graphql, GraphiQL, /healthz, /readyz, and
Accept-Language, over httpx's ASGI transport."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.limits import Limits
from hub.settings import Settings
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
    assert "data" not in response.json()


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
    assert "data" not in result


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


# Media types and status codes (GraphQL over HTTP, "Body" and "Status Codes")


GRAPHQL_RESPONSE = "application/graphql-response+json"
GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
MEDIA_TYPES = pytest.mark.parametrize(
    ("accept", "content_type"),
    [(GRAPHQL_RESPONSE, GRAPHQL_RESPONSE_TYPE), ("application/json", JSON_TYPE)],
    ids=["graphql-response", "json"],
)


async def ask(
    http: httpx.AsyncClient, method: str, accept: str | None, params: dict[str, Any]
) -> httpx.Response:
    """A GraphQL request by GET (JSON values encoded in the URL) or POST (a JSON body),
    with this Accept header, or none."""
    if method == "GET":
        encoded = {
            k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in params.items()
        }
        request = http.build_request("GET", "/graphql", params=encoded)
    else:
        request = http.build_request("POST", "/graphql", json=params)
    if accept is None:
        del request.headers["accept"]
    else:
        request.headers["accept"] = accept
    return await http.send(request)


def has_no_data(response: httpx.Response) -> list[str]:
    """The codes of a request error's response, which must have no `data` entry."""
    body = response.json()
    assert "data" not in body, body
    return [error["extensions"]["code"] for error in body["errors"]]


REQUEST_ERRORS: list[Any] = [
    pytest.param({"query": "{ areas { area "}, "GRAPHQL_PARSE_FAILED", id="parse"),
    pytest.param({"query": "{ nosuch }"}, "GRAPHQL_VALIDATION_FAILED", id="validation"),
    pytest.param(
        {"query": AREAS, "operationName": "Nope"}, "GRAPHQL_VALIDATION_FAILED", id="unknown-op"
    ),
    pytest.param(
        {"query": "query A { areas { area } } query B { sources { name } }"},
        "GRAPHQL_VALIDATION_FAILED",
        id="no-operation-name",
    ),
    pytest.param({"query": COUNT, "variables": {"n": "ten"}}, "BAD_USER_INPUT", id="variable"),
    pytest.param(
        {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
        "BAD_USER_INPUT",
        id="null-variable",
    ),
    pytest.param(
        {"query": "query($n: Int!) { offerings(first: $n) { totalCount } }"},
        "BAD_USER_INPUT",
        id="missing-variable",
    ),
    pytest.param({"query": nested(MAX_QUERY_DEPTH + 1)}, "QUERY_TOO_COMPLEX", id="limit"),
]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("params", "code"), REQUEST_ERRORS)
async def test_a_request_error_is_400_as_graphql_response_json(
    http: httpx.AsyncClient, method: str, params: dict[str, Any], code: str
) -> None:
    response = await ask(http, method, GRAPHQL_RESPONSE, params)
    assert response.status_code == 400
    assert response.headers["content-type"] == GRAPHQL_RESPONSE_TYPE
    assert has_no_data(response) == [code] * len(response.json()["errors"])


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(("params", "code"), REQUEST_ERRORS)
async def test_a_request_error_is_200_as_json_for_legacy_clients(
    http: httpx.AsyncClient, method: str, params: dict[str, Any], code: str
) -> None:
    response = await ask(http, method, "application/json", params)
    assert response.status_code == 200
    assert response.headers["content-type"] == JSON_TYPE
    assert has_no_data(response) == [code] * len(response.json()["errors"])


@pytest.mark.parametrize("method", ["GET", "POST"])
@MEDIA_TYPES
async def test_an_executed_request_is_200_in_the_negotiated_type(
    http: httpx.AsyncClient, method: str, accept: str, content_type: str
) -> None:
    response = await ask(http, method, accept, {"query": COUNT, "variables": {"n": 1}})
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert len(response.json()["data"]["offerings"]["edges"]) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
@MEDIA_TYPES
async def test_field_errors_with_data_are_200(
    http: httpx.AsyncClient, method: str, accept: str, content_type: str
) -> None:
    response = await ask(
        http, method, accept, {"query": '{ areas { area } node(id: "bm9wZQ") { id } }'}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    body = response.json()
    assert body["data"]["areas"]
    assert body["data"]["node"] is None
    assert [error["path"] for error in body["errors"]] == [["node"]]


async def test_an_execution_error_nulling_all_data_is_still_200(demo_engine: AsyncEngine) -> None:
    app = create_app(Settings(execution_timeout=1e-6), engine=demo_engine)
    async with hub_client(app) as http:
        response = await ask(http, "POST", GRAPHQL_RESPONSE, {"query": COUNT})
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert [error["extensions"]["code"] for error in body["errors"]] == ["EXECUTION_TIMEOUT"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_without_an_accept_header_the_answer_is_json(
    http: httpx.AsyncClient, method: str
) -> None:
    ok = await ask(http, method, None, {"query": AREAS})
    assert (ok.status_code, ok.headers["content-type"]) == (200, JSON_TYPE)
    refused = await ask(http, method, None, {"query": "{ nosuch }"})
    assert (refused.status_code, refused.headers["content-type"]) == (200, JSON_TYPE)


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    "accept", ["application/xml", "text/plain, text/csv", "application/json;q=0"]
)
async def test_an_unacceptable_accept_header_is_406(
    http: httpx.AsyncClient, method: str, accept: str
) -> None:
    response = await ask(http, method, accept, {"query": AREAS})
    assert response.status_code == 406
    assert response.headers["content-type"].startswith("application/json")
    assert has_no_data(response) == ["NOT_ACCEPTABLE"]


@MEDIA_TYPES
@pytest.mark.parametrize(
    "body", [b"{not json", b'{"qeury": "{ areas { area } }"}'], ids=["not-json", "no-query"]
)
async def test_a_request_that_is_not_graphql_over_http_is_400_in_both_types(
    http: httpx.AsyncClient, accept: str, content_type: str, body: bytes
) -> None:
    response = await http.post("/graphql", content=body, headers={**JSON_BODY, "accept": accept})
    assert response.status_code == 400
    assert response.headers["content-type"] == content_type
    assert has_no_data(response) == ["BAD_REQUEST"]


CREATE = 'mutation { createProvider(input: {name: "Centro"}) { userErrors { code } } }'


@MEDIA_TYPES
async def test_a_mutation_over_get_is_405_with_allow(
    http: httpx.AsyncClient, accept: str, content_type: str
) -> None:
    response = await ask(http, "GET", accept, {"query": CREATE})
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} == {"GET", "POST"}
    assert response.headers["content-type"] == content_type
    assert has_no_data(response) == ["BAD_REQUEST"]
    # Over POST it may run, given a key that may write (tests/api/test_editing.py).
    posted = await ask(http, "POST", accept, {"query": CREATE})
    assert posted.status_code == 403
    assert has_no_data(posted) == ["FORBIDDEN"]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("accept", "status"),
    [(GRAPHQL_RESPONSE, 404), ("application/json", 200)],
    ids=["graphql-response", "json"],
)
async def test_an_unknown_persisted_query_lets_apollo_clients_retry(
    http: httpx.AsyncClient, method: str, accept: str, status: int
) -> None:
    """Apollo Client stops sending hashes for good after a 400 or 500; on this answer it
    sends the document with its hash."""
    document = f"query Persisted{method}{status} {{ sources {{ name }} }}"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(document)}}
    unknown = await ask(http, method, accept, {"extensions": extensions})
    assert unknown.status_code == status
    assert has_no_data(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await ask(http, "POST", accept, {"query": document, "extensions": extensions})
    assert registered.status_code == 200
    again = await ask(http, method, accept, {"extensions": extensions})
    assert again.status_code == 200
    assert again.json()["data"]["sources"]


@pytest.mark.parametrize("accept", [GRAPHQL_RESPONSE, "application/json"])
async def test_an_unknown_persisted_query_over_get_is_not_stored(
    http: httpx.AsyncClient, accept: str
) -> None:
    """A 404 may be stored by HTTP caches (RFC 9111 section 4.2.2) and this one stops being
    true as soon as the client registers the document."""
    digest = sha(f"{{ sources {{ name }} }} # never sent, as {accept}")
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    unknown = await ask(http, "GET", accept, {"extensions": extensions})
    assert has_no_data(unknown) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert unknown.headers["cache-control"] == "no-store"


async def test_a_known_document_with_bad_variables_is_a_request_error(
    http: httpx.AsyncClient,
) -> None:
    """Known documents run by the compiled path: their variables are coerced first too."""
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha(COUNT)}}
    registered = await ask(
        http,
        "POST",
        GRAPHQL_RESPONSE,
        {"query": COUNT, "variables": {"n": 1}, "extensions": extensions},
    )
    assert registered.status_code == 200
    bad = await ask(
        http, "GET", GRAPHQL_RESPONSE, {"variables": {"n": "ten"}, "extensions": extensions}
    )
    assert bad.status_code == 400
    assert has_no_data(bad) == ["BAD_USER_INPUT"]


async def test_a_document_outside_the_trusted_ones_is_403(
    demo_engine: AsyncEngine, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest.json"
    manifest.write_bytes(orjson.dumps({"trusted-1": AREAS}))
    settings = Settings(trusted_documents=manifest, trusted_only=True)
    async with hub_client(create_app(settings, engine=demo_engine)) as http:
        trusted = await ask(http, "GET", GRAPHQL_RESPONSE, {"documentId": "trusted-1"})
        untrusted = await ask(http, "GET", GRAPHQL_RESPONSE, {"query": COUNT})
        legacy = await ask(http, "GET", "application/json", {"query": COUNT})
    assert trusted.status_code == 200
    assert trusted.json()["data"]["areas"]
    assert untrusted.status_code == 403
    assert has_no_data(untrusted) == ["DOCUMENT_NOT_TRUSTED"]
    assert legacy.status_code == 200


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
