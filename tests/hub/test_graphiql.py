"""GraphiQL served by the hub itself (hub.graphiql), GET / (hub.home), and an analyst's
session in Debian's Chromium with every request outside the hub aborted."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.relay import to_base64

from hub.app import create_app
from hub.graphiql import STATIC
from hub.keys import create_key
from hub.media import prefers_html
from hub.settings import Settings
from models import Role
from models.audit import Actor, ActorKind
from models.db import session_factory
from models.editing import Editor, create_provider
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client
from tests.utils.node import chromium, run_script
from tests.utils.server import serving

# What Chromium and Firefox send when a person opens a URL.
BROWSER = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
JSON = {"accept": "application/json"}
AREAS = "{ areas { area offeringCount } }"
FAMILY = """query Family($n: Int) {
  offerings(first: $n, filter: {area: FAMILY_CARE}, orderBy: {field: TITLE}) {
    totalCount
    edges { node { title provider { name } } }
  }
}"""


class Page(HTMLParser):
    """The elements of an HTML page that load something or could run script."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.styles: list[str] = []
        self.links: list[str] = []
        self.inline: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "script":
            self.scripts.append(attributes.get("src"))
        if tag == "link" and attributes.get("rel") == "stylesheet":
            self.styles.append(attributes["href"] or "")
        if tag == "a":
            self.links.append(attributes["href"] or "")
        self.inline += [name for name in attributes if name == "style" or name.startswith("on")]
        if tag == "style":
            self.inline.append("<style>")


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: sources}."""
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parsed}


async def graphiql_page(http: httpx.AsyncClient) -> tuple[httpx.Response, Page]:
    response = await http.get("/graphql", headers=BROWSER)
    assert response.status_code == 200
    return response, Page(response.text)


@pytest.fixture
async def off(demo_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP to a hub with GraphiQL turned off."""
    async with hub_client(create_app(Settings(graphiql=False), engine=demo_engine)) as client:
        yield client


# The page


async def test_graphiql_page_loads_only_the_hubs_own_files(http: httpx.AsyncClient) -> None:
    response, page = await graphiql_page(http)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert len(page.scripts) == 4
    assert len(page.styles) == 2
    for url in [*page.scripts, *page.styles]:
        assert url is not None
        assert url.startswith("graphiql/"), url  # relative to /graphql: the same origin
        asset = await http.get(f"/{url}")
        assert asset.status_code == 200, url


async def test_graphiql_page_has_no_inline_script_or_style(http: httpx.AsyncClient) -> None:
    _, page = await graphiql_page(http)
    assert None not in page.scripts
    assert page.inline == []


async def test_graphiql_page_has_a_strict_content_security_policy(
    http: httpx.AsyncClient,
) -> None:
    response, _ = await graphiql_page(http)
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'none'"]
    assert response.headers["cache-control"] == "no-cache"


async def test_browser_opening_a_query_link_gets_graphiql(http: httpx.AsyncClient) -> None:
    # A program's GET of the same URL first, so a kept answer would be there to serve.
    answer = await http.get("/graphql", params={"query": AREAS}, headers=JSON)
    assert answer.json()["data"]["areas"]
    response = await http.get("/graphql", params={"query": AREAS}, headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "accept" in response.headers["vary"]


async def test_a_program_accepting_anything_gets_the_answer(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": AREAS}, headers={"accept": "*/*"})
    assert response.status_code == 200
    assert response.json()["data"]["areas"]


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("text/html", True),
        ("application/json", False),
        ("application/graphql-response+json, application/json;q=0.9", False),
        ("*/*", False),
        ("", False),
        ("text/html, application/json", False),
        ("text/html;q=0.5, application/json;q=0.4", True),
        ("text/*, application/json;q=0.1", True),
        ("text/html;q=0, */*", False),
        ("text/html;q=oops, */*;q=0.1", False),
    ],
)
def test_html_only_when_preferred_to_json(accept: str, html: bool) -> None:
    assert prefers_html(accept) is html


# The assets


async def test_assets_are_cached_for_a_year_by_their_digest(http: httpx.AsyncClient) -> None:
    _, page = await graphiql_page(http)
    for url in [*page.scripts, *page.styles]:
        assert url is not None
        digest, name = url.removeprefix("graphiql/").split("/")
        response = await http.get(f"/{url}")
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert hashlib.sha256(response.content).hexdigest().startswith(digest), name
        kind = "javascript" if name.endswith(".js") else "css"
        assert response.headers["content-type"] == f"text/{kind}; charset=utf-8"
        again = await http.get(f"/{url}", headers={"if-none-match": response.headers["etag"]})
        assert again.status_code == 304
        assert again.content == b""


@pytest.mark.parametrize(
    "path",
    ["/graphiql/0000000000000000/graphiql.min.js", "/graphiql/graphiql.min.js", "/graphiql/"],
)
async def test_unknown_asset_is_a_json_404(http: httpx.AsyncClient, path: str) -> None:
    response = await http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert [error["extensions"]["code"] for error in response.json()["errors"]] == ["NOT_FOUND"]


def test_vendored_files_are_the_ones_the_readme_lists() -> None:
    readme = (STATIC / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([\w./-]+)` \| `([0-9a-f]{64})` \|$", readme, re.M))
    vendored = {
        str(path.relative_to(STATIC)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in STATIC.glob("*/*")
    }
    assert listed == vendored


# Off


async def test_graphiql_off_serves_browsers_no_page_and_no_assets(
    http: httpx.AsyncClient, off: httpx.AsyncClient
) -> None:
    _, page = await graphiql_page(http)
    assert page.scripts[0] is not None
    assert (await off.get(f"/{page.scripts[0]}")).status_code == 404
    response = await off.get("/graphql", headers=BROWSER)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    answer = await off.get("/graphql", params={"query": AREAS}, headers=BROWSER)
    assert answer.json()["data"]["areas"]


@pytest.mark.parametrize(
    ("settings", "served"),
    [
        ({}, True),
        ({"env": "production"}, False),
        ({"env": "production", "graphiql": True}, True),
        ({"graphiql": False}, False),
    ],
)
def test_graphiql_is_on_in_development_unless_set(settings: dict[str, Any], served: bool) -> None:
    assert Settings(**settings).serves_graphiql is served


# GET /


async def test_home_tells_a_program_where_things_are(
    http: httpx.AsyncClient, off: httpx.AsyncClient
) -> None:
    response = await http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    home = response.json()
    assert home["graphql"] == "/graphql"
    assert home["graphiql"] == "/graphql"
    assert (await http.get(home["health"])).json()["status"] == "ok"
    assert (await off.get("/", headers=JSON)).json()["graphiql"] is None


async def test_home_shows_a_browser_a_page_of_links(http: httpx.AsyncClient) -> None:
    response = await http.get("/", headers=BROWSER)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert directives(response.headers["content-security-policy"])["default-src"] == ["'none'"]
    page = Page(response.text)
    assert page.scripts == []
    assert page.inline == []
    assert "graphql" in page.links
    assert "README" in response.text
    for link in page.links:
        assert (await http.get(f"/{link}", headers=BROWSER)).status_code == 200, link


# In a browser


@pytest.fixture
async def served(full_demo_engine: AsyncEngine) -> AsyncIterator[str]:
    """The base URL of the hub serving the whole demo under uvicorn on 127.0.0.1."""
    app = create_app(engine=full_demo_engine)
    async for base_url in serving(app):
        yield base_url
    await app.state.pipeline.close()


async def test_analyst_explores_the_catalogue_in_graphiql_with_no_internet(
    served: str, full_demo: GraphQLClient
) -> None:
    browser = chromium()
    variables, headers = {"n": 3}, {"Accept-Language": "en"}
    finished = await run_script(
        "graphiql.mjs",
        browser,
        served,
        FAMILY,
        orjson.dumps(variables).decode(),
        orjson.dumps(headers).decode(),
    )
    summary = orjson.loads(finished.stdout)
    assert finished.code == 0, summary.get("error") or finished.stderr
    assert summary["outside"] == []
    assert summary["violations"] == []
    assert summary["consoleErrors"] == []
    assert summary["pageErrors"] == []
    assert summary["failed"] == []

    # Opened bare: the default query, run as the hub would run it for any client.
    default = summary["default"]
    assert "offerings" in default["query"]
    assert default["result"] == {"data": await full_demo.data(default["query"])}
    assert len(default["result"]["data"]["offerings"]["edges"]) == 5

    # Opened from a link: its query and variables, and the headers typed in.
    linked = summary["linked"]
    assert linked["query"] == FAMILY
    assert orjson.loads(linked["variables"]) == variables
    english = await full_demo.data(FAMILY, variables, headers=headers)
    assert english != await full_demo.data(FAMILY, variables)
    assert linked["result"] == {"data": english}
    assert len(english["offerings"]["edges"]) == 3

    # Theme, but no "Persist headers": an API key typed in is never stored.
    assert "Theme" in summary["settingsDialog"]
    assert "Persist headers" not in summary["settingsDialog"]
    assert "Query" in summary["docs"]


CREATE = """mutation Create($input: CreateOfferingInput!) {
  createOffering(input: $input) {
    offering { id title status provider { name } }
    userErrors { field code message }
  }
}"""


@pytest.fixture
async def editing_hub(engine: AsyncEngine) -> AsyncIterator[tuple[str, str, int]]:
    """A hub under uvicorn with one provider and its editor's key: the URL, the key and
    the provider's id."""
    async with session_factory(engine).begin() as session:
        editor = Editor(Actor(ActorKind.OPERATOR, "test"))
        fields = {"name": "Centro Isola APS", "vat_number": "12345670017"}
        provider_id = await create_provider(session, editor, fields)
        issued = await create_key(
            session, name="centro-isola", role=Role.EDITOR, provider="12345670017"
        )
    app = create_app(engine=engine)
    async for base_url in serving(app):
        yield base_url, issued.secret, provider_id
    await app.state.pipeline.close()


async def test_an_editor_creates_an_offering_in_graphiql_and_the_catalogue_shows_it(
    editing_hub: tuple[str, str, int],
) -> None:
    base_url, secret, provider_id = editing_hub
    input_ = {
        "providerId": to_base64("Provider", provider_id),
        "titleIt": "Sportello caregiver",
        "categories": ["elderly-care"],
    }
    finished = await run_script(
        "graphiql.mjs",
        chromium(),
        base_url,
        CREATE,
        orjson.dumps({"input": input_}).decode(),
        orjson.dumps({"Authorization": f"Bearer {secret}"}).decode(),
    )
    summary = orjson.loads(finished.stdout)
    assert finished.code == 0, summary.get("error") or finished.stderr
    assert summary["consoleErrors"] == []
    created = summary["linked"]["result"]["data"]["createOffering"]
    assert created["userErrors"] == []
    assert created["offering"]["provider"] == {"name": "Centro Isola APS"}
    async with httpx.AsyncClient(base_url=base_url) as client:
        listed = await client.post(
            "/graphql",
            json={"query": '{ offerings(filter: {text: "caregiver"}) { nodes { id } } }'},
        )
    assert listed.json()["data"]["offerings"]["nodes"] == [{"id": created["offering"]["id"]}]
