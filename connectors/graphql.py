"""GraphQL connector: a member's own GraphQL API, read with GraphQL over HTTP (a POST of
`{"query", "variables"}`, https://graphql.github.io/graphql-over-http/draft/) page by page
along a Relay cursor connection (https://relay.dev/graphql/connections.htm: nodes from
`edges[].node` or `nodes[]`, `pageInfo { hasNextPage endCursor }` followed to the end).

Options of the source's `[[source]]` table:

- `query`: one GraphQL operation taking `$first` and `$after` that selects the connection
  and its `pageInfo { hasNextPage endCursor }` (required when `url` is http(s)).
- `connection` (required): dotted path of the connection in `data`, e.g. "catalogue.services".
- `page_size` (default 50): the `first` variable.
- `headers`: HTTP headers sent with every request, e.g. `Authorization`; never logged.
- `[source.fields]`: record field = dotted path in a node (a numeric step indexes a list).
  Offering: `external_id` (default "id"), `title_it` (default "name"), `title_en`,
  `description_it`, `description_en`, `categories` (terms: a list, or one string with
  comma-separated terms), `price` (euros), `currency` (default EUR), `booking_url`, `email`,
  `languages` (ISO 639-1 codes: a list or a comma-separated string).
  Provider: `provider_id` and `provider_name` (required unless `provider` is set),
  `provider_vat`, `provider_legal_form`, `provider_website`, `provider_email`, `provider_phone`.
  Location, yielded when any of its fields has a value: `location_external_id` (default: the
  offering's id), `location_name`, `address`, `cap`, `city`, `latitude`, `longitude`.
- `categories`, `category` (connectors.mapping): source terms -> the hub's categories or
  areas, and the default of a node none of whose terms maps; a node with neither is
  quarantined, naming its terms.
- `provider`: a fixed provider `{id, name, vat_number, alliance_member, legal_form,
  ateco_code, description, website, email, phone}` (`id` and `name` required)
  that offers every node, for an API that lists one organisation's services.

Local-file mode (the demo, offline runs): when `url` is a local path, the file holds the
recorded responses, a JSON array of pages (each a GraphQL response object), read in order
instead of POSTing; the last page must say `hasNextPage: false` and no page may follow it.

A response with `errors`, or whose `data` lacks the connection (schema drift), fails the read
with FetchError, as does a cursor that does not advance: a snapshot missing a page is not
complete. A node that cannot be read becomes a Problem and the read goes on.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import orjson
from graphql import GraphQLError, OperationDefinitionNode, parse

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher, FetchError
from connectors.mapping import Classifier
from connectors.options import fixed_provider
from connectors.records import (
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    Record,
)
from connectors.values import euro_cents
from models.enums import DeliveryMode

DEFAULT_PAGE_SIZE = 50
# GraphQL over HTTP section 5.1: a client should accept the new media type and the old one.
ACCEPT = "application/graphql-response+json, application/json;q=0.9"

# Mapped provider fields that are plain text, by the ProviderRecord attribute they fill.
_PROVIDER_TEXT = {
    "provider_vat": "vat_number",
    "provider_legal_form": "legal_form",
    "provider_website": "website",
    "provider_email": "email",
    "provider_phone": "phone",
}
_PROVIDER_FIELDS = frozenset({"provider_id", "provider_name", *_PROVIDER_TEXT})
_LOCATION_FIELDS = ("location_name", "address", "cap", "city", "latitude", "longitude")
FIELDS = frozenset(
    {
        "external_id",
        "title_it",
        "title_en",
        "description_it",
        "description_en",
        "categories",
        "price",
        "currency",
        "booking_url",
        "email",
        "languages",
        "location_external_id",
        *_PROVIDER_FIELDS,
        *_LOCATION_FIELDS,
    }
)
DEFAULT_FIELDS = {"external_id": "id", "title_it": "name"}

Path = tuple[str, ...]


class _Unreadable(ValueError):
    """A node the mapping cannot read; it becomes a Problem."""


@dataclass(frozen=True, slots=True)
class Options:
    """The connector's options, checked once when the source is loaded."""

    connection: Path
    query: str | None = None
    page_size: int = DEFAULT_PAGE_SIZE
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # may hold a secret
    fields: dict[str, Path] = field(default_factory=dict)
    classifier: Classifier = field(default_factory=Classifier)
    provider: ProviderRecord | None = None

    @classmethod
    def of(cls, source: SourceConfig) -> Options:
        """The options of `source`; raises ConfigError naming what is wrong."""
        options = source.options
        try:
            query = _query(options.get("query"), required=source.is_remote)
            provider = fixed_provider(options.get("provider"))
            return cls(
                connection=_path(options.get("connection"), "connection"),
                query=query,
                page_size=_page_size(options.get("page_size", DEFAULT_PAGE_SIZE)),
                headers=_strings(options.get("headers", {}), "headers"),
                fields=_fields(options.get("fields", {}), fixed_provider=provider is not None),
                classifier=Classifier.of(options),
                provider=provider,
            )
        except ConfigError as error:
            raise ConfigError(f"source {source.name!r}: {error}") from None


class GraphQLConnector:
    """Reads every node of a member's GraphQL connection (a snapshot: what it omits is
    withdrawn)."""

    kind: ClassVar[str] = "graphql"
    complete_snapshot = True

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        del state  # a snapshot is read whole every time: there is nothing to resume
        self.source = source
        self.fetcher = fetcher
        self.options = Options.of(source)
        self.classifier = self.options.classifier

    async def records(self) -> AsyncIterator[Item]:
        """Each node's provider and location (when new or changed), then its offering."""
        mapper = _Mapper(self.options)
        if self.options.provider is not None:
            mapper.fresh(self.options.provider)
            yield self.options.provider
        pages = self._requested() if self.source.is_remote else self._recorded()
        async for page in pages:
            for number, node in enumerate(page.nodes, 1):
                for item in mapper.items(node, f"page {page.number}, node {number}"):
                    yield item

    async def _requested(self) -> AsyncIterator[_Page]:
        """The pages POSTed for one by one, each after the previous page's endCursor."""
        query, url = self.options.query, self.source.url
        headers = {"Accept": ACCEPT, **self.options.headers}
        cursors: set[str] = set()
        after: str | None = None
        for number in itertools.count(1):
            variables = {"first": self.options.page_size, "after": after}
            payload = {"query": query, "variables": variables}
            document = await self.fetcher.post_json(url, payload, headers=headers)
            where = f"{url} page {number}"
            response = _json(document.content, where)
            page = _page(response, self.options.connection, number, where)
            yield page
            if not page.has_next:
                return
            after = _advance(page, cursors)

    async def _recorded(self) -> AsyncIterator[_Page]:
        """The pages recorded in a local file, checked as if they had been requested."""
        document = await self.fetcher.read(self.source)
        responses = _json(document.content, document.url)
        if not isinstance(responses, list) or not responses:
            raise FetchError(f"{document.url}: not a JSON array of recorded GraphQL responses")
        cursors: set[str] = set()
        for number, response in enumerate(responses, 1):
            where = f"{document.url} page {number}"
            page = _page(response, self.options.connection, number, where)
            yield page
            last = number == len(responses)
            if page.has_next:
                _advance(page, cursors)
                if last:
                    raise FetchError(f"{where} says hasNextPage but is the last page recorded")
            elif not last:
                raise FetchError(f"{where} is the last page (hasNextPage false) but more follow")


@dataclass(frozen=True, slots=True)
class _Page:
    """The nodes of one page of the connection and where the connection goes on."""

    number: int
    where: str
    nodes: list[object]
    has_next: bool
    end_cursor: str | None


def _json(content: bytes, where: str) -> object:
    try:
        return orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise FetchError(f"{where}: the response is not valid JSON: {error}") from None


def _page(response: object, connection: Path, number: int, where: str) -> _Page:
    """One GraphQL response (GraphQL spec section 7.1) read as a page of the connection."""
    if not isinstance(response, dict):
        raise FetchError(f"{where}: the response is not a JSON object")
    if response.get("errors"):
        raise FetchError(f"{where}: GraphQL errors: {_messages(response['errors'])}")
    data = response.get("data")
    if not isinstance(data, dict):
        raise FetchError(f"{where}: the response has no data")
    found = _at(data, connection)
    dotted = ".".join(connection)
    if not isinstance(found, dict):
        raise FetchError(f"{where}: data has no connection at {dotted!r} (has the schema changed?)")
    info = found.get("pageInfo")
    if not isinstance(info, dict) or not isinstance(info.get("hasNextPage"), bool):
        raise FetchError(f"{where}: the connection at {dotted!r} has no pageInfo.hasNextPage")
    cursor = info.get("endCursor")
    if cursor is not None and not isinstance(cursor, str):
        raise FetchError(f"{where}: pageInfo.endCursor is not a string")
    return _Page(number, where, _nodes(found, where), info["hasNextPage"], cursor)


def _nodes(connection: Mapping[str, object], where: str) -> list[object]:
    edges, nodes = connection.get("edges"), connection.get("nodes")
    if isinstance(edges, list):
        return [edge.get("node") if isinstance(edge, dict) else None for edge in edges]
    if isinstance(nodes, list):
        return nodes
    raise FetchError(f"{where}: the connection has neither edges nor nodes")


def _messages(errors: object) -> str:
    """The `message` of each GraphQL error (GraphQL spec section 7.1.2)."""
    if not isinstance(errors, list):
        return repr(errors)
    return "; ".join(
        str(error.get("message")) if isinstance(error, dict) else repr(error) for error in errors
    )


def _advance(page: _Page, cursors: set[str]) -> str:
    """The cursor to continue after; raises FetchError unless it is a new one."""
    if page.end_cursor is None:
        raise FetchError(f"{page.where} says hasNextPage but has no endCursor")
    if page.end_cursor in cursors:
        raise FetchError(
            f"{page.where}: pagination does not advance (endCursor {page.end_cursor!r} again)"
        )
    cursors.add(page.end_cursor)
    return page.end_cursor


def _at(value: object, path: Path) -> object:
    """The value at a dotted path, or None where the path leads nowhere."""
    for step in path:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.isdigit() and int(step) < len(value):
            value = value[int(step)]
        else:
            return None
    return value


class _Mapper:
    """Maps nodes to records; remembers the providers and locations already yielded."""

    def __init__(self, options: Options) -> None:
        self.options = options
        self.yielded: dict[tuple[type[Record], str], Record] = {}

    def fresh(self, record: Record) -> bool:
        """Whether `record` differs from what was last yielded under its id."""
        key = (type(record), record.external_id)
        if self.yielded.get(key) == record:
            return False
        self.yielded[key] = record
        return True

    def items(self, node: object, where: str) -> list[Item]:
        """A node's records, new provider and location first, or the Problem with it."""
        if not isinstance(node, dict):
            return [Problem("offering", None, f"{where}: the node is not an object")]
        try:
            external_id = self.required(node, "external_id")
        except _Unreadable as error:
            return [Problem("offering", None, f"{where}: {error}")]
        try:
            provider = self.provider(node)
            location = self.location(node, external_id, provider.external_id)
            offering = self.offering(node, external_id, provider, location)
        except _Unreadable as error:
            return [Problem("offering", external_id, str(error))]
        found = (provider, location)
        return [*(r for r in found if r is not None and self.fresh(r)), offering]

    def provider(self, node: Mapping[str, object]) -> ProviderRecord:
        if self.options.provider is not None:
            return self.options.provider
        texts = {attr: self.text(node, name) for name, attr in _PROVIDER_TEXT.items()}
        return ProviderRecord(
            external_id=self.required(node, "provider_id"),
            name=self.required(node, "provider_name"),
            vat_number=texts["vat_number"],
            legal_form=texts["legal_form"],
            website=texts["website"],
            email=texts["email"],
            phone=texts["phone"],
        )

    def location(
        self, node: Mapping[str, object], offering_id: str, provider_id: str
    ) -> LocationRecord | None:
        if all(self.value(node, name) is None for name in _LOCATION_FIELDS):
            return None
        return LocationRecord(
            external_id=self.text(node, "location_external_id") or offering_id,
            provider_external_id=provider_id,
            name=self.text(node, "location_name"),
            address=self.text(node, "address"),
            cap=self.text(node, "cap"),
            city=self.text(node, "city"),
            latitude=self.number(node, "latitude"),
            longitude=self.number(node, "longitude"),
        )

    def offering(
        self,
        node: Mapping[str, object],
        external_id: str,
        provider: ProviderRecord,
        location: LocationRecord | None,
    ) -> OfferingRecord:
        return OfferingRecord(
            external_id=external_id,
            provider_external_id=provider.external_id,
            title_it=self.required(node, "title_it"),
            title_en=self.text(node, "title_en"),
            description_it=self.text(node, "description_it"),
            description_en=self.text(node, "description_en"),
            categories=self.categories(node),
            delivery_mode=DeliveryMode.ONLINE if location is None else DeliveryMode.IN_PERSON,
            languages=tuple(dict.fromkeys(t.lower() for t in self.terms(node, "languages"))),
            cost_options=self.cost_options(node),
            booking_url=self.text(node, "booking_url"),
            email=self.text(node, "email"),
            location_external_ids=() if location is None else (location.external_id,),
        )

    def categories(self, node: Mapping[str, object]) -> tuple[str, ...]:
        """The hub codes of the node's terms (the `categories` mapping), or the default
        category; raises if none."""
        terms = self.terms(node, "categories")
        codes = self.options.classifier.classify((term,) for term in terms)
        if not codes and terms:
            listed = ", ".join(repr(term) for term in terms)
            raise _Unreadable(f"no category: {listed} not in the option 'categories'")
        if not codes:
            raise _Unreadable(f"no category: no terms at {self.where('categories')}")
        return codes

    def cost_options(self, node: Mapping[str, object]) -> tuple[CostOptionRecord, ...]:
        amount = self.value(node, "price")
        if amount is None:
            return ()
        currency = (self.text(node, "currency") or "EUR").upper()
        return (CostOptionRecord(amount_cents=self.cents(amount), currency=currency),)

    def cents(self, amount: object) -> int:
        """Euros as integer cents; raises for anything that is not a finite number."""
        cents = euro_cents(amount)
        if cents is None:
            raise _Unreadable(f"price {amount!r} at {self.where('price')} is not a number")
        return cents

    def value(self, node: Mapping[str, object], name: str) -> object:
        path = self.options.fields.get(name)
        return None if path is None else _at(node, path)

    def text(self, node: Mapping[str, object], name: str) -> str | None:
        value = self.value(node, name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise _Unreadable(f"{name} at {self.where(name)} is not text: {value!r}")
        return str(value).strip() or None

    def required(self, node: Mapping[str, object], name: str) -> str:
        text = self.text(node, name)
        if text is None:
            raise _Unreadable(f"missing {name} at {self.where(name)}")
        return text

    def number(self, node: Mapping[str, object], name: str) -> float | None:
        value = self.value(node, name)
        if value is None or value == "":
            return None
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                return float(value)
            except ValueError:
                pass
        raise _Unreadable(f"{name} at {self.where(name)} is not a number: {value!r}")

    def terms(self, node: Mapping[str, object], name: str) -> tuple[str, ...]:
        """A list of terms, or one string of comma-separated terms, trimmed."""
        value = self.value(node, name)
        if value is None:
            return ()
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise _Unreadable(f"{name} at {self.where(name)} is not a list of strings")
        return tuple(item.strip() for item in items if item.strip())

    def where(self, name: str) -> str:
        """The mapped path of a field, as the source's options spell it."""
        return repr(".".join(self.options.fields.get(name, ())))


def _query(value: object, *, required: bool) -> str | None:
    """The query document: one operation that declares `$first` and `$after`."""
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("option 'query' must be a GraphQL document")
    try:
        document = parse(value, no_location=True)
    except GraphQLError as error:
        raise ConfigError(f"option 'query' is not valid GraphQL: {error.message}") from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) != 1:
        raise ConfigError("option 'query' must hold exactly one operation")
    declared = {v.variable.name.value for v in operations[0].variable_definitions or ()}
    missing = [f"${name}" for name in ("first", "after") if name not in declared]
    if missing:
        raise ConfigError(f"option 'query' does not declare {' and '.join(missing)}")
    return value


def _path(value: object, name: str) -> Path:
    if not isinstance(value, str) or not all(value.split(".")):
        raise ConfigError(f"option {name!r} must be a dotted path such as 'catalogue.services'")
    return tuple(value.split("."))


def _page_size(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"option 'page_size' must be a positive integer, not {value!r}")
    return value


def _strings(value: object, name: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"option {name!r} must be a table of strings")
    return dict(value)


def _fields(value: object, *, fixed_provider: bool) -> dict[str, Path]:
    """The field mapping over its defaults; provider fields unless a fixed provider."""
    table = _strings(value, "fields")
    if "provider_external_id" in table:
        raise ConfigError(
            "the field 'provider_external_id' is now 'provider_id' (one vocabulary for every"
            " kind: see the README, Sources)"
        )
    unknown = sorted(set(table) - FIELDS)
    if unknown:
        raise ConfigError(f"unknown field(s) in [fields]: {', '.join(unknown)}")
    mapped = sorted(_PROVIDER_FIELDS & set(table))
    if fixed_provider and mapped:
        raise ConfigError(f"a fixed 'provider' excludes the field(s) {', '.join(mapped)}")
    missing = [name for name in ("provider_id", "provider_name") if name not in table]
    if not fixed_provider and missing:
        raise ConfigError(f"[fields] must map {' and '.join(missing)} (or set 'provider')")
    return {
        name: _path(path, f"fields.{name}") for name, path in {**DEFAULT_FIELDS, **table}.items()
    }
