"""The GraphQL connector against a real GraphQL-over-HTTP endpoint (uvicorn on 127.0.0.1)
and against recorded pages in local files, then through the sync engine."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from stdnum.it import iva

import connectors.registry
from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.fetch import Fetcher, FetchError
from connectors.graphql import ACCEPT, GraphQLConnector
from connectors.records import (
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
)
from connectors.sync import sync_source
from models import Location, Offering, OfferingStatus, Provider, SyncRun, SyncStatus
from models.db import session_factory
from models.district import in_district
from models.enums import Area, DeliveryMode
from models.validation import check
from tests.utils.fetching import Sleeps
from tests.utils.server import FeedServer, Reply, Truncated

Json = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = ROOT / "data" / "demo" / "graphql" / "rete-sport-isola.json"
ENDPOINT = "/graphql"
TOKEN = "Bearer s3cret-token"  # noqa: S105 (a made-up token the server must receive)

QUERY = """
query Services($first: Int!, $after: String) {
  catalogue { services(first: $first, after: $after) {
    edges { node { id name tags price { amount } organization { id name } place { id } } }
    pageInfo { hasNextPage endCursor }
  } }
}
"""

FIELDS = {
    "external_id": "id",
    "title_it": "name",
    "title_en": "translations.en.name",
    "description_it": "description",
    "description_en": "translations.en.description",
    "categories": "tags",
    "price": "price.amount",
    "currency": "price.currency",
    "booking_url": "bookingUrl",
    "languages": "languages",
    "provider_id": "organization.id",
    "provider_name": "organization.name",
    "provider_vat": "organization.vatNumber",
    "location_external_id": "place.id",
    "address": "place.address",
    "cap": "place.postalCode",
    "latitude": "place.geo.0",
    "longitude": "place.geo.1",
}

CATEGORY_MAP = {"yoga": "mind-body", "Nuoto": "fitness-sport", "bimbi": ["summer-camps"]}

# The demo source's [[source]] table, as data/demo/sources.toml should declare it.
DEMO_SOURCE = '''
[[source]]
name = "rete-sport-isola"
kind = "graphql"
url = "graphql/rete-sport-isola.json"
description = "Four sports clubs' services from the Rete Sport Isola GraphQL API (fictional demo)"
connection = "network.services"
page_size = 5
query = """
query ReteSportServices($first: Int!, $after: String) {
  network {
    services(first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          name
          description
          tags
          price { amount currency }
          bookingUrl
          languages
          translations { en { name description } }
          organization { id name legalForm vatNumber website email phone }
          place { id name address postalCode city geo { lat lng } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

[source.fields]
external_id = "id"
title_it = "name"
description_it = "description"
title_en = "translations.en.name"
description_en = "translations.en.description"
categories = "tags"
price = "price.amount"
currency = "price.currency"
booking_url = "bookingUrl"
languages = "languages"
provider_id = "organization.id"
provider_name = "organization.name"
provider_legal_form = "organization.legalForm"
provider_vat = "organization.vatNumber"
provider_website = "organization.website"
provider_email = "organization.email"
provider_phone = "organization.phone"
location_external_id = "place.id"
location_name = "place.name"
address = "place.address"
cap = "place.postalCode"
city = "place.city"
latitude = "place.geo.lat"
longitude = "place.geo.lng"

[source.categories]
ginnastica = "fitness-sport"
palestra = "fitness-sport"
arrampicata = "fitness-sport"
running = "fitness-sport"
nuoto = "fitness-sport"
acquagym = "fitness-sport"
pilates = "mind-body"
yoga = "mind-body"
stretching = "mind-body"
riabilitazione = "physiotherapy"
nutrizione = "nutrition"
centro-estivo = "summer-camps"
doposcuola = "after-school"
'''


def node(
    id: str,
    name: object = "Yoga al mattino",
    *,
    tags: object = ("yoga",),
    price: object = 8,
    org: str = "org-1",
    org_name: str | None = "Spazio Respiro",
    place: Json | None = None,
    **fields: Any,
) -> Json:
    """A service node as the member's API returns it."""
    item: Json = {
        "id": id,
        "name": name,
        "tags": list(tags) if isinstance(tags, tuple) else tags,
        "price": {"amount": price, "currency": "EUR"},
        "organization": {"id": org, "name": org_name},
        "place": place,
        **fields,
    }
    return item


def page(*nodes: object, next: str | None = None, key: str = "edges") -> Json:
    """One GraphQL response holding a page of the `catalogue.services` connection."""
    listed = [{"cursor": "c", "node": n} for n in nodes] if key == "edges" else list(nodes)
    info = {"hasNextPage": next is not None, "endCursor": next or "last"}
    return {"data": {"catalogue": {"services": {key: listed, "pageInfo": info}}}}


def provider(id: str = "org-1", name: str = "Spazio Respiro") -> ProviderRecord:
    return ProviderRecord(external_id=id, name=name)


def offering(id: str, title: str = "Yoga al mattino", **fields: Any) -> OfferingRecord:
    """The offering `node(id)` maps to, with `fields` changed."""
    values: Json = {
        "provider_external_id": "org-1",
        "categories": ("mind-body",),
        "delivery_mode": DeliveryMode.ONLINE,
        "cost_options": (CostOptionRecord(amount_cents=800),),
        **fields,
    }
    return OfferingRecord(external_id=id, title_it=title, **values)


def options(**changes: Any) -> Json:
    return {
        "query": QUERY,
        "connection": "catalogue.services",
        "page_size": 2,
        "headers": {"Authorization": TOKEN},
        "fields": FIELDS,
        "categories": CATEGORY_MAP,
        **changes,
    }


def config(url: str, **changes: Any) -> SourceConfig:
    return SourceConfig(name="rete-sport", kind="graphql", url=url, options=options(**changes))


async def collect(connector: GraphQLConnector, into: list[Item] | None = None) -> list[Item]:
    """Every item the connector yields (also into `into`, to see them when it raises)."""
    items = [] if into is None else into
    async for item in connector.records():
        items.append(item)
    return items


def recorded(tmp_path: Path, responses: object) -> str:
    """A local file of recorded GraphQL responses."""
    path = tmp_path / "recorded.json"
    path.write_bytes(orjson.dumps(responses))
    return str(path)


async def read_recorded(
    tmp_path: Path, fetcher: Fetcher, *pages: Json, **changes: Any
) -> list[Item]:
    connector = GraphQLConnector(config(recorded(tmp_path, list(pages)), **changes), fetcher, {})
    return await collect(connector)


def serve(server: FeedServer, *answers: Json | Reply | Truncated) -> None:
    """Answer the endpoint's POSTs in order, one answer each."""
    server.then(
        ENDPOINT, *(a if isinstance(a, Reply | Truncated) else Reply(200, a) for a in answers)
    )


def remote(server: FeedServer, fetcher: Fetcher, **changes: Any) -> GraphQLConnector:
    return GraphQLConnector(config(server.url(ENDPOINT), **changes), fetcher, {})


def sent_variables(server: FeedServer) -> list[object]:
    return [orjson.loads(request.body)["variables"] for request in server.seen]


# Requests and pagination over HTTP


async def test_pages_are_posted_with_the_query_and_the_previous_end_cursor(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve(
        feed_server,
        page(node("s1"), node("s2"), next="c2"),
        page(node("s3"), node("s4"), next="c4"),
        page(node("s5")),
    )

    items = await collect(remote(feed_server, fetcher))

    assert items == [provider(), *(offering(f"s{n}") for n in range(1, 6))]
    assert [orjson.loads(request.body) for request in feed_server.seen] == [
        {"query": QUERY, "variables": {"first": 2, "after": None}},
        {"query": QUERY, "variables": {"first": 2, "after": "c2"}},
        {"query": QUERY, "variables": {"first": 2, "after": "c4"}},
    ]
    assert {request.method for request in feed_server.seen} == {"POST"}


async def test_requests_carry_the_configured_headers_and_graphql_media_types(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve(feed_server, page(node("s1")))

    await collect(remote(feed_server, fetcher))

    headers = feed_server.seen[0].headers
    assert headers["authorization"] == TOKEN
    assert headers["accept"] == ACCEPT
    assert headers["content-type"] == "application/json"


async def test_page_size_option_sets_first(feed_server: FeedServer, fetcher: Fetcher) -> None:
    serve(feed_server, page(node("s1")))

    await collect(remote(feed_server, fetcher, page_size=25))

    assert sent_variables(feed_server) == [{"first": 25, "after": None}]


async def test_page_size_defaults_to_fifty(feed_server: FeedServer, fetcher: Fetcher) -> None:
    serve(feed_server, page(node("s1")))
    changed = options()
    del changed["page_size"]
    source = SourceConfig("rete-sport", "graphql", feed_server.url(ENDPOINT), options=changed)

    await collect(GraphQLConnector(source, fetcher, {}))

    assert sent_variables(feed_server) == [{"first": 50, "after": None}]


async def test_server_errors_are_retried_with_the_same_cursor(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    serve(
        feed_server,
        page(node("s1"), next="c1"),
        Reply(500, "boom"),
        Reply(503, "busy", headers={"Retry-After": "3"}),
        page(node("s2")),
    )

    items = await collect(remote(feed_server, fetcher))

    assert items == [provider(), offering("s1"), offering("s2")]
    assert sleeps.delays == [0.5, 3.0]
    assert sent_variables(feed_server) == [
        {"first": 2, "after": None},
        *[{"first": 2, "after": "c1"}] * 3,
    ]


async def test_persistent_server_error_fails_after_yielding_the_earlier_pages(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve(feed_server, page(node("s1"), next="c1"), *[Reply(500, "down")] * 4)
    items: list[Item] = []

    with pytest.raises(FetchError, match=r"answered HTTP 500: down \(after 4 attempts\)"):
        await collect(remote(feed_server, fetcher), items)

    assert items == [provider(), offering("s1")]


async def test_truncated_response_fails_the_read(feed_server: FeedServer, fetcher: Fetcher) -> None:
    body = orjson.dumps(page(node("s1")))
    serve(feed_server, *[Truncated(body)] * 4)

    with pytest.raises(FetchError, match="cannot fetch"):
        await collect(remote(feed_server, fetcher))


async def test_client_error_is_not_retried(feed_server: FeedServer, fetcher: Fetcher) -> None:
    serve(feed_server, Reply(401, {"errors": [{"message": "bad token"}]}))

    said = r"answered HTTP 401: \{\"errors\":\[\{\"message\":\"bad token\"\}\]\}$"
    with pytest.raises(FetchError, match=said):
        await collect(remote(feed_server, fetcher))

    assert feed_server.hits(ENDPOINT) == 1


async def test_the_token_is_never_logged_nor_reported(
    feed_server: FeedServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    serve(feed_server, *[Reply(503, "busy")] * 4)

    with pytest.raises(FetchError) as raised:
        await collect(remote(feed_server, fetcher))

    assert "retrying" in caplog.text
    assert "s3cret" not in caplog.text
    assert "s3cret" not in str(raised.value)
    assert "s3cret" not in repr(remote(feed_server, fetcher).options)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (
            {"errors": [{"message": "Cannot query field 'tags'"}, {"message": "Rate limited"}]},
            "page 1: GraphQL errors: Cannot query field 'tags'; Rate limited",
        ),
        (
            {**page(node("s1")), "errors": [{"message": "place unavailable"}]},
            "page 1: GraphQL errors: place unavailable",
        ),
        ({"data": None}, "page 1: the response has no data"),
        ([page(node("s1"))], "page 1: the response is not a JSON object"),
        (
            {"data": {"catalogue": {"offerings": page(node("s1"))["data"]["catalogue"]}}},
            "page 1: data has no connection at 'catalogue.services' (has the schema changed?)",
        ),
        (
            {"data": {"catalogue": {"services": {"edges": []}}}},
            "page 1: the connection at 'catalogue.services' has no pageInfo.hasNextPage",
        ),
        (
            {
                "data": {
                    "catalogue": {"services": {"items": [], "pageInfo": {"hasNextPage": False}}}
                }
            },
            "page 1: the connection has neither edges nor nodes",
        ),
        (
            {"data": {"catalogue": {"services": {"nodes": [], "pageInfo": {"hasNextPage": True}}}}},
            "page 1 says hasNextPage but has no endCursor",
        ),
        (
            {
                "data": {
                    "catalogue": {
                        "services": {"nodes": [], "pageInfo": {"hasNextPage": 1, "endCursor": "x"}}
                    }
                }
            },
            "page 1: the connection at 'catalogue.services' has no pageInfo.hasNextPage",
        ),
        (
            {
                "data": {
                    "catalogue": {
                        "services": {
                            "nodes": [],
                            "pageInfo": {"hasNextPage": True, "endCursor": 7},
                        }
                    }
                }
            },
            "page 1: pageInfo.endCursor is not a string",
        ),
    ],
)
async def test_unusable_response_fails_the_read_naming_the_page(
    tmp_path: Path, fetcher: Fetcher, response: object, message: str
) -> None:
    path = recorded(tmp_path, [response])

    with pytest.raises(FetchError) as raised:
        await collect(GraphQLConnector(config(path), fetcher, {}))

    assert str(raised.value) == f"{path} {message}"


async def test_response_that_is_not_json_fails_the_read(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve(ENDPOINT, "<html>maintenance</html>", content_type="text/html")

    with pytest.raises(FetchError, match="page 1: the response is not valid JSON"):
        await collect(remote(feed_server, fetcher))


async def test_errors_on_a_later_page_fail_the_read_after_the_earlier_pages(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve(
        feed_server,
        page(node("s1"), next="c1"),
        {"data": None, "errors": [{"message": "timeout resolving services"}]},
    )
    items: list[Item] = []

    with pytest.raises(FetchError, match="page 2: GraphQL errors: timeout resolving services"):
        await collect(remote(feed_server, fetcher), items)

    assert items == [provider(), offering("s1")]


async def test_end_cursor_that_repeats_stops_with_pagination_does_not_advance(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve(ENDPOINT, page(node("s1"), next="c1"))

    with pytest.raises(FetchError, match=r"page 2: pagination does not advance \(endCursor 'c1'"):
        await collect(remote(feed_server, fetcher))

    assert sent_variables(feed_server) == [
        {"first": 2, "after": None},
        {"first": 2, "after": "c1"},
    ]


async def test_end_cursor_that_cycles_back_also_stops(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    serve(feed_server, page(node("s1"), next="c1"), page(node("s2"), next="c2"))
    feed_server.serve(ENDPOINT, page(node("s3"), next="c1"))

    with pytest.raises(FetchError, match="page 3: pagination does not advance"):
        await collect(remote(feed_server, fetcher))

    assert feed_server.hits(ENDPOINT) == 3


# Mapping nodes to records


async def test_node_maps_to_provider_location_and_offering(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    item = node(
        "s1",
        "  Nuoto libero  ",
        tags=["Nuoto", "pausa-pranzo"],
        price="7.50",
        org_name="Acquamarina Nuoto SSD",
        place={
            "id": "p1",
            "address": "Via Thaon di Revel 21",
            "postalCode": 20159,
            "geo": [45.4895, "9.1929"],
        },
        description="Corsie riservate",
        translations={"en": {"name": "Lane swimming", "description": "Reserved lanes"}},
        bookingUrl="https://acquamarina.example/prenota",
        languages=["IT", "en", "it"],
    )
    item["organization"]["vatNumber"] = "08423170151"

    items = await read_recorded(tmp_path, fetcher, page(item))

    assert items == [
        ProviderRecord(external_id="org-1", name="Acquamarina Nuoto SSD", vat_number="08423170151"),
        LocationRecord(
            external_id="p1",
            provider_external_id="org-1",
            address="Via Thaon di Revel 21",
            cap="20159",
            latitude=45.4895,
            longitude=9.1929,
        ),
        OfferingRecord(
            external_id="s1",
            provider_external_id="org-1",
            title_it="Nuoto libero",
            title_en="Lane swimming",
            description_it="Corsie riservate",
            description_en="Reserved lanes",
            categories=("fitness-sport",),
            delivery_mode=DeliveryMode.IN_PERSON,
            languages=("it", "en"),
            cost_options=(CostOptionRecord(amount_cents=750, currency="EUR"),),
            booking_url="https://acquamarina.example/prenota",
            location_external_ids=("p1",),
        ),
    ]


async def test_nodes_list_is_read_like_edges(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s1"), node("s2"), key="nodes"))

    assert items == [provider(), offering("s1"), offering("s2")]


async def test_provider_and_location_are_yielded_once_unless_they_change(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    place = {"id": "p1", "address": "Via Pollaiuolo 5"}
    renamed = node("s3", org_name="Spazio Respiro APS", place=place)

    items = await read_recorded(
        tmp_path,
        fetcher,
        page(node("s1", place=place), node("s2", place=place), next="c1"),
        page(renamed),
    )

    location = LocationRecord("p1", provider_external_id="org-1", address="Via Pollaiuolo 5")
    at_p1: Json = {"delivery_mode": DeliveryMode.IN_PERSON, "location_external_ids": ("p1",)}
    assert items == [
        provider(),
        location,
        offering("s1", **at_p1),
        offering("s2", **at_p1),
        provider(name="Spazio Respiro APS"),
        offering("s3", **at_p1),
    ]


async def test_place_without_an_id_is_a_location_of_the_offering_itself(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    items = await read_recorded(
        tmp_path, fetcher, page(node("s1", place={"address": "Via Toce 3"}))
    )

    assert items[1:] == [
        LocationRecord("s1", provider_external_id="org-1", address="Via Toce 3"),
        offering("s1", delivery_mode=DeliveryMode.IN_PERSON, location_external_ids=("s1",)),
    ]


async def test_node_whose_place_has_no_details_is_online_with_no_location(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s1", place={"id": "p1"})))

    assert items == [provider(), offering("s1", delivery_mode=DeliveryMode.ONLINE)]


async def test_duplicate_node_ids_across_pages_are_all_yielded_in_order(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    items = await read_recorded(
        tmp_path, fetcher, page(node("s1"), next="c1"), page(node("s1", "Yoga serale"))
    )

    assert items == [provider(), offering("s1"), offering("s1", "Yoga serale")]


@pytest.mark.parametrize(
    ("tags", "categories"),
    [
        (["yoga"], ("mind-body",)),
        (["YOGA ", "ginnastica dolce"], ("mind-body",)),
        (["nuoto", "fitness-sport", "Nuoto"], ("fitness-sport",)),
        ("bimbi, centri estivi", ("summer-camps",)),
        (["mind-body", "yoga"], ("mind-body",)),
    ],
)
async def test_tags_map_through_the_value_map_and_unknown_ones_are_left_out(
    tmp_path: Path, fetcher: Fetcher, tags: object, categories: tuple[str, ...]
) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s1", tags=tags)))

    assert items[-1] == offering("s1", categories=categories)


async def test_default_category_applies_when_no_tag_maps(tmp_path: Path, fetcher: Fetcher) -> None:
    nodes = (node("s1", tags=["padel"]), node("s2", tags=None), node("s3", tags=["yoga"]))

    items = await read_recorded(tmp_path, fetcher, page(*nodes), category="fitness-sport")

    assert items[1:] == [
        offering("s1", categories=("fitness-sport",)),
        offering("s2", categories=("fitness-sport",)),
        offering("s3", categories=("mind-body",)),
    ]


async def test_node_whose_tags_all_fail_to_map_is_a_problem_naming_them(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    nodes = (node("s1", tags=["padel", "Boxe"]), node("s2", tags=[]), node("s3"))

    items = await read_recorded(tmp_path, fetcher, page(*nodes))

    assert items == [
        Problem("offering", "s1", "no category: 'padel', 'Boxe' not in the option 'categories'"),
        Problem("offering", "s2", "no category: no terms at 'tags'"),
        provider(),
        offering("s3"),
    ]


@pytest.mark.parametrize(
    ("price", "costs"),
    [
        (12.5, (CostOptionRecord(amount_cents=1250),)),
        ("8", (CostOptionRecord(amount_cents=800),)),
        (0, (CostOptionRecord(amount_cents=0),)),
        (None, ()),
    ],
)
async def test_price_in_euros_becomes_a_cost_option_in_cents(
    tmp_path: Path, fetcher: Fetcher, price: object, costs: tuple[CostOptionRecord, ...]
) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s1", price=price)))

    assert items[-1] == offering("s1", cost_options=costs)


async def test_languages_may_be_a_comma_separated_string(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s1", languages="it, EN,,ar")))

    assert items[-1] == offering("s1", languages=("it", "en", "ar"))


async def test_fixed_provider_offers_every_node(tmp_path: Path, fetcher: Fetcher) -> None:
    fields = {k: v for k, v in FIELDS.items() if not k.startswith("provider_")}
    fixed = {"id": "acquamarina", "name": "Acquamarina", "alliance_member": True}

    items = await read_recorded(
        tmp_path,
        fetcher,
        page(node("s1", org_name=None), node("s2", org="other")),
        fields=fields,
        provider=fixed,
    )

    assert items == [
        ProviderRecord(external_id="acquamarina", name="Acquamarina", alliance_member=True),
        offering("s1", provider_external_id="acquamarina"),
        offering("s2", provider_external_id="acquamarina"),
    ]


@pytest.mark.parametrize(
    ("item", "problem"),
    [
        (
            {key: value for key, value in node("s1").items() if key != "name"}
            | {"title": "Yoga al mattino"},
            Problem("offering", "s1", "missing title_it at 'name'"),
        ),
        (node("s1", name="   "), Problem("offering", "s1", "missing title_it at 'name'")),
        (
            node("s1", org_name=None),
            Problem("offering", "s1", "missing provider_name at 'organization.name'"),
        ),
        (
            {**node("s1"), "organization": None},
            Problem("offering", "s1", "missing provider_id at 'organization.id'"),
        ),
        (
            {key: value for key, value in node("s1").items() if key != "id"},
            Problem("offering", None, "page 1, node 2: missing external_id at 'id'"),
        ),
        (None, Problem("offering", None, "page 1, node 2: the node is not an object")),
        (
            node("s1", name={"it": "Yoga"}),
            Problem("offering", "s1", "title_it at 'name' is not text: {'it': 'Yoga'}"),
        ),
        (
            node("s1", tags=[{"code": "yoga"}]),
            Problem("offering", "s1", "categories at 'tags' is not a list of strings"),
        ),
        (
            node("s1", price="otto euro"),
            Problem("offering", "s1", "price 'otto euro' at 'price.amount' is not a number"),
        ),
        (
            node("s1", price="NaN"),
            Problem("offering", "s1", "price 'NaN' at 'price.amount' is not a number"),
        ),
        (
            node("s1", price=True),
            Problem("offering", "s1", "price True at 'price.amount' is not a number"),
        ),
        (
            node("s1", place={"id": "p1", "geo": ["nord", 9.19]}),
            Problem("offering", "s1", "latitude at 'place.geo.0' is not a number: 'nord'"),
        ),
    ],
)
async def test_unreadable_node_becomes_a_problem_and_the_others_are_read(
    tmp_path: Path, fetcher: Fetcher, item: object, problem: Problem
) -> None:
    items = await read_recorded(tmp_path, fetcher, page(node("s0"), item, node("s2")))

    assert items == [provider(), offering("s0"), problem, offering("s2")]


async def test_renamed_node_field_turns_every_node_into_a_problem(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    drifted = [
        {"id": f"s{n}", "title": "Yoga", "tags": ["yoga"], "organization": {"id": "o", "name": "O"}}
        for n in (1, 2)
    ]

    items = await read_recorded(tmp_path, fetcher, page(*drifted))

    assert items == [
        Problem("offering", "s1", "missing title_it at 'name'"),
        Problem("offering", "s2", "missing title_it at 'name'"),
    ]


# Local-file mode


async def test_recorded_pages_are_read_in_order(tmp_path: Path, fetcher: Fetcher) -> None:
    items = await read_recorded(
        tmp_path,
        fetcher,
        page(node("s1"), next="c1"),
        page(node("s2"), next="c2"),
        page(node("s3")),
    )

    assert items == [provider(), offering("s1"), offering("s2"), offering("s3")]


async def test_recorded_source_needs_no_query(tmp_path: Path, fetcher: Fetcher) -> None:
    changed = options()
    del changed["query"]
    path = recorded(tmp_path, [page(node("s1"))])
    source = SourceConfig("rete-sport", "graphql", path, options=changed)

    assert await collect(GraphQLConnector(source, fetcher, {})) == [provider(), offering("s1")]


@pytest.mark.parametrize(
    ("responses", "message"),
    [
        ({"data": {}}, "not a JSON array of recorded GraphQL responses"),
        ([], "not a JSON array of recorded GraphQL responses"),
        ([page(node("s1"), next="c1")], "page 1 says hasNextPage but is the last page recorded"),
        (
            [page(node("s1")), page(node("s2"))],
            "page 1 is the last page (hasNextPage false) but more follow",
        ),
        (
            [page(node("s1"), next="c1"), page(node("s2"), next="c1"), page(node("s3"))],
            "page 2: pagination does not advance (endCursor 'c1' again)",
        ),
    ],
)
async def test_inconsistent_recording_fails_the_read(
    tmp_path: Path, fetcher: Fetcher, responses: object, message: str
) -> None:
    path = recorded(tmp_path, responses)

    with pytest.raises(FetchError) as raised:
        await collect(GraphQLConnector(config(path), fetcher, {}))

    assert message in str(raised.value)
    assert str(raised.value).startswith(path)


async def test_recording_that_is_not_json_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    path = tmp_path / "recorded.json"
    path.write_text('[{"data": ', encoding="utf-8")

    with pytest.raises(FetchError, match="the response is not valid JSON"):
        await collect(GraphQLConnector(config(str(path)), fetcher, {}))


async def test_missing_recording_fails_the_read(tmp_path: Path, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="No such file or directory"):
        await collect(GraphQLConnector(config(str(tmp_path / "absent.json")), fetcher, {}))


# Options


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"query": None}, "option 'query' must be a GraphQL document"),
        ({"query": "query { services { id }"}, "option 'query' is not valid GraphQL: Syntax"),
        (
            {"query": "query Q($first: Int) { s(first: $first) { nodes { id } } }"},
            "option 'query' does not declare $after",
        ),
        (
            {"query": "query A($first: Int, $after: String) { a } query B { b }"},
            "option 'query' must hold exactly one operation",
        ),
        ({"connection": None}, "option 'connection' must be a dotted path"),
        ({"connection": "catalogue..services"}, "option 'connection' must be a dotted path"),
        ({"page_size": 0}, "option 'page_size' must be a positive integer, not 0"),
        ({"page_size": True}, "option 'page_size' must be a positive integer, not True"),
        ({"headers": {"X-Retries": 3}}, "option 'headers' must be a table of strings"),
        ({"fields": {**FIELDS, "titel_it": "name"}}, "unknown field(s) in [fields]: titel_it"),
        (
            {"fields": {"external_id": "id", "title_it": "name"}},
            "[fields] must map provider_id and provider_name (or set 'provider')",
        ),
        (
            {"provider": {"id": "o", "name": "O"}},
            "a fixed 'provider' excludes the field(s) provider_id, provider_name",
        ),
        ({"provider": {"id": "o"}}, "'provider' needs an id and a name"),
        ({"provider": {"external_id": "o", "name": "O"}}, "'provider' has unknown key"),
        (
            {"provider": {"id": "o", "name": "O", "alliance_member": "yes"}},
            "'provider.alliance_member' must be true or false",
        ),
        ({"values": {"categories": {"yoga": "mind-body"}}}, "the table 'values.categories' is now"),
        (
            {"fields": {**FIELDS, "provider_external_id": "org.id"}},
            "the field 'provider_external_id' is now 'provider_id'",
        ),
        ({"categories": {"yoga": "yoga"}}, "'categories.yoga': 'yoga' is neither a category code"),
        ({"categories": ["yoga"]}, "option 'categories' must be a table"),
        ({"category": "sport"}, "option 'category': 'sport' is neither a category code"),
    ],
)
async def test_invalid_options_are_a_config_error(
    fetcher: Fetcher, changes: Json, message: str
) -> None:
    source = config("https://api.rete-sport.example/graphql", **changes)

    with pytest.raises(ConfigError) as raised:
        GraphQLConnector(source, fetcher, {})

    assert str(raised.value).startswith(f"source 'rete-sport': {message}")


# The demo source


@pytest.fixture
def demo_source(tmp_path: Path) -> SourceConfig:
    """The demo's [[source]] table, loaded as the hub loads data/demo/sources.toml."""
    path = tmp_path / "sources.toml"
    path.write_text(DEMO_SOURCE.replace("graphql/rete-sport-isola.json", str(DEMO_FILE)))
    [source] = load_sources(path)
    return source


async def test_demo_recording_reads_without_problems(
    demo_source: SourceConfig, fetcher: Fetcher
) -> None:
    items = await collect(GraphQLConnector(demo_source, fetcher, {}))

    kinds = [type(item).__name__ for item in items]
    assert "Problem" not in kinds
    assert (kinds.count("ProviderRecord"), kinds.count("LocationRecord")) == (4, 4)
    offerings = [item for item in items if isinstance(item, OfferingRecord)]
    assert len(offerings) == len({o.external_id for o in offerings}) == 14
    records = [i for i in items if isinstance(i, ProviderRecord | LocationRecord | OfferingRecord)]
    assert len(records) == len(items)
    assert all(check(record) == record for record in records)
    assert sum(o.title_en is not None for o in offerings) >= 9
    assert sum(o.cost_options == (CostOptionRecord(amount_cents=0),) for o in offerings) == 1


async def test_demo_providers_and_places_are_plausible(
    demo_source: SourceConfig, fetcher: Fetcher
) -> None:
    items = await collect(GraphQLConnector(demo_source, fetcher, {}))

    providers = [item for item in items if isinstance(item, ProviderRecord)]
    assert all(iva.is_valid(p.vat_number or "") for p in providers)
    assert all((p.vat_number or "")[7:10] == "015" for p in providers)
    inside = sorted(
        (place.cap, in_district(None, place.latitude, place.longitude))
        for place in items
        if isinstance(place, LocationRecord)
    )
    assert inside == [("20127", False), ("20159", True), ("20159", True), ("20159", True)]


# End to end through the sync engine


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(connectors.registry.CONNECTORS, "graphql", GraphQLConnector)


async def run_sync(engine: AsyncEngine, source: SourceConfig, fetcher: Fetcher) -> SyncRun:
    return await sync_source(session_factory(engine), source, fetcher.client, fetcher=fetcher)


async def stored(engine: AsyncEngine) -> dict[str, tuple[str, OfferingStatus, int | None]]:
    """Each stored offering's title, status and lowest price."""
    async with session_factory(engine)() as session:
        rows = (await session.execute(sa.select(Offering))).scalars()
        return {str(o.external_id): (o.title_it, o.status, o.min_price_cents) for o in rows}


async def count(engine: AsyncEngine, model: type[Provider | Location]) -> int:
    async with session_factory(engine)() as session:
        return int(
            (await session.execute(sa.select(sa.func.count()).select_from(model))).scalar_one()
        )


def catalogue(*, yoga_title: str = "Yoga al mattino", with_swim: bool = True) -> list[Json]:
    """Two pages: yoga and pilates at one place, then swimming by another provider."""
    place = {"id": "p1", "address": "Via Pollaiuolo 5", "postalCode": "20159"}
    swim = node(
        "s3", "Nuoto libero", tags=["nuoto"], price=7.5, org="org-2", org_name="Acquamarina"
    )
    return [
        page(
            node("s1", yoga_title, place=place),
            node("s2", "Pilates", tags=["yoga"], price=60, place=place),
            next="c1",
        ),
        page(*([swim] if with_swim else [])),
    ]


FIRST_SYNC = {
    "s1": ("Yoga al mattino", OfferingStatus.ACTIVE, 800),
    "s2": ("Pilates", OfferingStatus.ACTIVE, 6000),
    "s3": ("Nuoto libero", OfferingStatus.ACTIVE, 750),
}


async def test_sync_stores_the_api_catalogue_then_follows_its_changes(
    engine: AsyncEngine, feed_server: FeedServer, fetcher: Fetcher, registered: None
) -> None:
    source = config(feed_server.url(ENDPOINT))
    serve(feed_server, *catalogue())

    first = await run_sync(engine, source, fetcher)

    assert (first.status, first.error) == (SyncStatus.SUCCEEDED, None)
    assert (first.created, first.quarantined) == (6, 0)
    assert await stored(engine) == FIRST_SYNC
    assert (await count(engine, Provider), await count(engine, Location)) == (2, 1)

    serve(feed_server, *catalogue(yoga_title="Yoga serale", with_swim=False))
    second = await run_sync(engine, source, fetcher)

    assert second.status is SyncStatus.SUCCEEDED
    assert (second.updated, second.withdrawn) == (1, 1)
    assert await stored(engine) == {
        "s1": ("Yoga serale", OfferingStatus.ACTIVE, 800),
        "s2": ("Pilates", OfferingStatus.ACTIVE, 6000),
        "s3": ("Nuoto libero", OfferingStatus.WITHDRAWN, 750),
    }


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (
            Reply(200, {"data": None, "errors": [{"message": "services resolver timed out"}]}),
            "page 2: GraphQL errors: services resolver timed out",
        ),
        (
            Reply(200, {"data": {"catalogue": {"offers": {}}}}),
            "page 2: data has no connection at 'catalogue.services'",
        ),
        (Reply(500, "down"), "answered HTTP 500: down (after 4 attempts)"),
        (Truncated(orjson.dumps(page(node("s3")))), "cannot fetch"),
    ],
    ids=["graphql-errors", "schema-drift", "http-500", "truncated"],
)
async def test_failed_second_page_keeps_everything_already_synced(
    engine: AsyncEngine,
    feed_server: FeedServer,
    fetcher: Fetcher,
    registered: None,
    failure: Reply | Truncated,
    error: str,
) -> None:
    source = config(feed_server.url(ENDPOINT))
    serve(feed_server, *catalogue())
    await run_sync(engine, source, fetcher)

    first_page = catalogue(yoga_title="Yoga serale")[0]
    serve(feed_server, first_page, *[failure] * 4)
    failed = await run_sync(engine, source, fetcher)

    assert failed.status is SyncStatus.FAILED
    assert error in (failed.error or "")
    assert failed.withdrawn == 0
    # Whether the first page's new title is kept depends on batching; nothing is lost.
    after = await stored(engine)
    assert after["s3"] == FIRST_SYNC["s3"]
    assert after["s2"] == FIRST_SYNC["s2"]
    assert after["s1"][1:] == FIRST_SYNC["s1"][1:]


async def test_demo_recording_syncs_with_nothing_quarantined(
    engine: AsyncEngine, demo_source: SourceConfig, fetcher: Fetcher, registered: None
) -> None:
    run = await run_sync(engine, demo_source, fetcher)

    assert (run.status, run.error, run.quarantined) == (SyncStatus.SUCCEEDED, None, 0)
    async with session_factory(engine)() as session:
        rows = (await session.execute(sa.select(Offering))).scalars().all()
    assert len(rows) == 14
    assert {o.area for o in rows} == {Area.HEALTH_WELLBEING, Area.FAMILY_CARE}
    assert sum(not o.in_district for o in rows) == 4
    assert (await count(engine, Provider), await count(engine, Location)) == (4, 4)
