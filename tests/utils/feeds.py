"""Small HSDS 3 bundles for tests, and a feed server that serves one over HTTP.

The builders return plain JSON objects (HSDS 3.0, https://docs.openreferral.org/en/v3.0/)
with only the fields a test cares about; `Feed` serves a bundle at FEED_URL through
`httpx.ASGITransport`, so connectors make real HTTP requests without a network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.config import SourceConfig
from connectors.hsds import CATEGORY_TAXONOMY

Json = dict[str, Any]

FEED_BASE_URL = "http://feeds.test"
FEED_URL = f"{FEED_BASE_URL}/bundle.json"


def organization(
    id: str,
    name: str = "Cooperativa Isola",
    *,
    tax_id: str | None = None,
    concilia: Json | None = None,
    phones: Sequence[str] = (),
    **fields: Any,
) -> Json:
    """An HSDS organization; `concilia` is the hub's extension object."""
    item: Json = {"id": id, "name": name, **fields}
    if tax_id is not None:
        item["tax_id"] = tax_id
    if concilia is not None:
        item["concilia"] = concilia
    if phones:
        item["phones"] = [{"id": f"{id}-phone-{n}", "number": p} for n, p in enumerate(phones)]
    return item


def location(
    id: str,
    organization_id: str | None = None,
    *,
    name: str | None = None,
    latitude: float | str | None = None,
    longitude: float | str | None = None,
    address_1: str | None = None,
    postal_code: str | None = None,
    city: str | None = "Milano",
    state_province: str | None = "MI",
    accessibility: Sequence[str] = (),
    **fields: Any,
) -> Json:
    """An HSDS location with one physical address (when any address field is given)."""
    item: Json = {"id": id, **fields}
    for key, value in (
        ("organization_id", organization_id),
        ("name", name),
        ("latitude", latitude),
        ("longitude", longitude),
    ):
        if value is not None:
            item[key] = value
    if address_1 is not None or postal_code is not None:
        item.setdefault("addresses", []).append(
            {
                "id": f"{id}-address",
                "address_type": "physical",
                "address_1": address_1,
                "postal_code": postal_code,
                "city": city,
                "state_province": state_province,
                "country": "IT",
            }
        )
    if accessibility:
        item["accessibility"] = [
            {"id": f"{id}-access-{n}", "description": text} for n, text in enumerate(accessibility)
        ]
    return item


def category(code: str, *, taxonomy: str = CATEGORY_TAXONOMY) -> Json:
    """An HSDS attribute tagging a service with a taxonomy term."""
    return {"taxonomy_term": {"id": f"term-{code}", "code": code, "taxonomy": taxonomy}}


def cost(amount: object, *, option: str | None = None, currency: str | None = None) -> Json:
    """An HSDS cost_option; `amount` is sent as given (number, string, None)."""
    item: Json = {"amount": amount}
    if option is not None:
        item["option"] = option
    if currency is not None:
        item["currency"] = currency
    return item


def service(
    id: str,
    organization_id: str = "org-1",
    name: str = "Corso di ceramica",
    *,
    categories: Iterable[str] = ("courses",),
    status: str | None = "active",
    languages: Iterable[str] = (),
    cost_options: Iterable[Json] = (),
    concilia: Json | None = None,
    **fields: Any,
) -> Json:
    """An HSDS service; `categories` are codes of the hub's taxonomy."""
    item: Json = {"id": id, "organization_id": organization_id, "name": name, **fields}
    if status is not None:
        item["status"] = status
    attributes = [category(code) for code in categories]
    if attributes:
        item["attributes"] = [*item.get("attributes", []), *attributes]
    if languages:
        item["languages"] = [{"id": f"{id}-lang-{n}", "code": c} for n, c in enumerate(languages)]
    cost_options = list(cost_options)
    if cost_options:
        item["cost_options"] = cost_options
    if concilia is not None:
        item["concilia"] = concilia
    return item


def service_at_location(service_id: str, location_id: str) -> Json:
    """An HSDS service_at_location linking a service to where it is delivered."""
    return {
        "id": f"{service_id}@{location_id}",
        "service_id": service_id,
        "location_id": location_id,
    }


def bundle(
    organizations: Iterable[Json] = (),
    services: Iterable[Json] = (),
    locations: Iterable[Json] = (),
    links: Iterable[tuple[str, str]] = (),
) -> Json:
    """A complete HSDS bundle; `links` are (service id, location id) pairs."""
    return {
        "organizations": list(organizations),
        "services": list(services),
        "locations": list(locations),
        "service_at_locations": [service_at_location(s, loc) for s, loc in links],
    }


def source(url: str = FEED_URL, *, name: str = "isola", kind: str = "hsds") -> SourceConfig:
    """A declared source reading `url` (the feed server by default)."""
    return SourceConfig(name=name, kind=kind, url=url)


class Feed:
    """Serves a bundle at FEED_URL; tests change what it answers between syncs."""

    def __init__(self, document: Json | None = None) -> None:
        self.document: Json = document if document is not None else bundle()
        self.status_code = 200
        # Sent instead of the document when set, to serve a malformed body.
        self.body: bytes | None = None
        self.requests = 0
        self.app = Starlette(routes=[Route("/bundle.json", self._serve)])

    async def _serve(self, _request: Request) -> Response:
        self.requests += 1
        body = self.body if self.body is not None else orjson.dumps(self.document)
        return Response(body, status_code=self.status_code, media_type="application/json")

    def client(self) -> httpx.AsyncClient:
        """An HTTP client whose requests to FEED_BASE_URL reach this feed in-process."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=FEED_BASE_URL
        )
