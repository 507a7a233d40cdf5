"""Open Referral HSDS 3 connectors (HSDS 3.0, https://docs.openreferral.org/en/v3.0/):

- `hsds`: a JSON bundle of organizations, services, locations, service_at_locations and
  (optionally) schedules, each a top-level array of HSDS objects linked by id;
- `hsds-api`: an HSDS 3.0 API (HSDA, https://docs.openreferral.org/en/v3.0/hsds/
  api_reference.html): the paged `GET /services` listing of fully nested services, each
  embedding its `organization` and its `service_at_locations[].location`.

Both map objects through the same functions. Concilia extensions live in a `concilia` object
on organizations (`alliance_member`, `ateco_code`) and services (`name_en`, `description_en`,
`delivery_mode`, `beneficiary_discount_percent`). Categories are service attributes: a
taxonomy term of the `concilia-categories` taxonomy names a hub category by its code; a term
of any other taxonomy goes through the source's `categories` mapping (connectors.mapping),
matched by its `code`, `name`, `term_uri` or `id`.
A service's `minimum_age`, `maximum_age` and `eligibility_description` are kept, and
attributes of the `concilia-beneficiaries` and `concilia-eligibility` taxonomies become its
eligibility rule (see `_eligibility`); its
`schedules` become RFC 5545 schedules (see `schedule_record`); its first phone number is
offered as a `tel:` booking link (RFC 3966) when it has neither a `url` nor an `email`.

Options of an `hsds-api` source (its TOML table):

- `per_page` (integer, default 100): the page size asked for;
- `incremental` (boolean, default false): after a first full read, ask only for services
  `modified_after` the latest `last_modified` seen (the checkpoint state); such a read is
  not a complete snapshot, so it withdraws nothing;
- `headers` (table of strings): sent with every request, e.g. an API key.

Options of both kinds: `categories` and `category` (connectors.mapping), and `timezone`
(default "Europe/Rome"): the zone of schedules without a `timezone`, and of those whose
`timezone` is a UTC offset that zone has (+1 or +2 for Rome), read DST-correct.

Over HTTP(S), `url` is the API's base: pages are `GET {url}/services?page=N&per_page=M
&full=true[&modified_after=T]`, and a listed service that lacks its embedded organization
(a listing of one-to-one fields only) is read in full from `GET {url}/services/{id}`. As a
local path, `url` is a directory holding the same answers as files:
`services-page-1.json`, `services-page-2.json`, ... (Page objects whose `total_pages` or
`last_page` ends the listing) and `services/{id}.json` (the id percent-encoded); there
`per_page` and `modified_after` do not apply.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson
import orjson

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Document, Fetcher, FetchError, Validators
from connectors.mapping import Classifier
from connectors.options import zone_option
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.values import euro_cents, percent
from models.enums import DeliveryMode, OfferingStatus

CATEGORY_TAXONOMY = "concilia-categories"
# Service attributes of these taxonomies say who may use a service (see `_eligibility`).
BENEFICIARY_TAXONOMY = "concilia-beneficiaries"
RULE_TAXONOMY = "concilia-eligibility"
_RULE_TAXONOMIES = frozenset({BENEFICIARY_TAXONOMY, RULE_TAXONOMY})
DEFAULT_PER_PAGE = 100
ROME = ZoneInfo("Europe/Rome")

# HSDS 3 service.status -> offering status.
_STATUS = {
    "active": OfferingStatus.ACTIVE,
    "temporarily closed": OfferingStatus.SUSPENDED,
    "inactive": OfferingStatus.WITHDRAWN,
    "defunct": OfferingStatus.WITHDRAWN,
}

# RFC 5545 section 3.3.10 rule parts an HSDS schedule can carry.
_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
_WEEKDAY = re.compile(r"^(MO|TU|WE|TH|FR|SA|SU)$")
_BYDAY = re.compile(r"^([+-]?(?:[1-9]|[1-4][0-9]|5[0-3]))?(MO|TU|WE|TH|FR|SA|SU)$")
_OFFSET = re.compile(r"^[+-]?\d+(\.\d+)?$")

Json = Mapping[str, Any]
_R = TypeVar("_R")


class HsdsBundle:
    """Reads a complete HSDS 3 bundle (a snapshot: what it omits is withdrawn)."""

    kind = "hsds"
    complete_snapshot = True

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.validators = Validators.from_state(state)
        self.classifier = _classifier(source)
        self.zone = _zone_option(source)

    async def records(self) -> AsyncIterator[Item]:
        """Providers first, then locations, then offerings, so references resolve in order.

        A bundle served with an ETag or Last-Modified is fetched conditionally next time;
        an unchanged one raises NotModified before any record is read.
        """
        document = await self.fetcher.read(self.source, self.validators)
        bundle = _Bundle(document.content)
        sites = defaultdict[str, list[str]](list)
        for link in bundle.objects("service_at_locations"):
            if isinstance(link.get("service_id"), str) and isinstance(link.get("location_id"), str):
                sites[link["service_id"]].append(link["location_id"])
        for provider in _convert(bundle.objects("organizations"), "provider", provider_record):
            yield provider
        for location in _convert(bundle.objects("locations"), "location", location_record):
            yield location
        services = _with_schedules(bundle.objects("services"), bundle.objects("schedules"))
        convert = partial(offering_record, sites=sites, classifier=self.classifier, zone=self.zone)
        for offering in _convert(services, "offering", convert):
            yield offering
        yield Checkpoint(document.validators.state())


class HsdsApi:
    """Reads the services of an HSDS 3.0 API page by page (HSDA `GET /services`): each
    embedded organization and location once, before the first service that needs it."""

    kind = "hsds-api"

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.classifier = _classifier(source)
        self.zone = _zone_option(source)
        self.per_page = _positive_option(source, "per_page", DEFAULT_PER_PAGE)
        self.incremental = _bool_option(source, "incremental")
        self.headers = _headers_option(source)
        since = state.get("modified_after")
        self.modified_after = (
            since if self.incremental and isinstance(since, str) and since else None
        )
        # Only a read of every service lists every offering the source still has.
        self.complete_snapshot = self.modified_after is None

    async def records(self) -> AsyncIterator[Item]:
        """Every listed service with its organization and locations first; an incremental
        read ends with a Checkpoint of the latest `last_modified`, once every page is read."""
        embedded = _Embedded(self.modified_after, self.classifier, self.zone)
        async for services in self._pages():
            for service in services:
                for item in embedded.items(await self._full(service)):
                    yield item
        if self.incremental and embedded.latest is not None:
            yield Checkpoint({"modified_after": embedded.latest[1]})

    async def _pages(self) -> AsyncIterator[list[Json]]:
        """The `contents` of pages 1, 2, ... up to the last (HSDA Page object)."""
        previous: list[object] | None = None
        number = 1
        while True:
            page = _page(await self._page(number), number)
            services = _objects(page, "contents")
            ids = [service.get("id") for service in services]
            if services and ids == previous:
                raise FetchError(
                    f"HSDA pagination does not advance: page {number} repeats page {number - 1}"
                )
            yield services
            if not services or _is_last(page, number):
                return
            previous, number = ids, number + 1

    async def _page(self, number: int) -> Document:
        if not self.source.is_remote:
            return await self.fetcher.fetch(str(self._local(f"services-page-{number}.json")))
        params = {"page": str(number), "per_page": str(self.per_page), "full": "true"}
        if self.modified_after is not None:
            params["modified_after"] = self.modified_after
        return await self.fetcher.get(
            f"{self.source.url.rstrip('/')}/services", params=params, headers=self.headers
        )

    async def _full(self, service: Json) -> Json:
        """The service fully nested: one listed without its organization is read alone."""
        external_id = service.get("id")
        if "organization" in service or not isinstance(external_id, str):
            return service
        name = quote(external_id, safe="")
        if self.source.is_remote:
            url = f"{self.source.url.rstrip('/')}/services/{name}"
            document = await self.fetcher.get(url, headers=self.headers)
        else:
            document = await self.fetcher.fetch(str(self._local("services", f"{name}.json")))
        return _json_object(document.content, f"the HSDA service {external_id!r}")

    def _local(self, *parts: str) -> Path:
        """Where a directory standing in for the API keeps an answer (see the module)."""
        return Path(self.source.url).joinpath(*parts)


class _Embedded:
    """What one API read has yielded, so that each organization and location comes once,
    and the latest `last_modified` among the services read."""

    def __init__(self, since: str | None, classifier: Classifier, zone: ZoneInfo) -> None:
        self.classifier = classifier
        self.zone = zone
        self.providers: set[str] = set()
        self.locations: set[str] = set()
        self.latest: tuple[datetime, str] | None = None
        self._note_modified(since)

    def items(self, service: Json) -> Iterator[Item]:
        """A service's organization and locations (those not yet yielded), then itself."""
        self._note_modified(service.get("last_modified"))
        organization = service.get("organization")
        if isinstance(organization, dict):
            yield from self._once(organization, "provider", provider_record, self.providers)
        locations = [site.get("location") for site in _objects(service, "service_at_locations")]
        for location in locations:
            if isinstance(location, dict):
                yield from self._once(location, "location", location_record, self.locations)
        yield from _convert(
            [service],
            "offering",
            partial(
                offering_record, sites=_sites(service), classifier=self.classifier, zone=self.zone
            ),
        )

    def _once(
        self, item: Json, kind: str, convert: Callable[[Json], Item], seen: set[str]
    ) -> Iterator[Item]:
        external_id = item.get("id")
        if isinstance(external_id, str):
            if external_id in seen:
                return
            seen.add(external_id)
        yield from _convert([item], kind, convert)

    def _note_modified(self, value: object) -> None:
        try:
            moment = _datetime(value)
        except ValueError:  # an unreadable stamp: the service itself becomes a Problem
            return
        if moment is not None and (self.latest is None or moment > self.latest[0]):
            self.latest = (moment, str(value))


def _sites(service: Json) -> dict[str, list[str]]:
    """An API service's id with the ids of the locations it is delivered at."""
    ids = []
    for site in _objects(service, "service_at_locations"):
        location = site.get("location")
        found = location.get("id") if isinstance(location, dict) else site.get("location_id")
        if isinstance(found, str):
            ids.append(found)
    return {service["id"]: ids}


def _json_object(content: bytes, what: str) -> Json:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise FetchError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(value, dict):
        raise FetchError(f"{what} is not a JSON object")
    return value


def _page(document: Document, number: int) -> Json:
    page = _json_object(document.content, f"HSDA page {number}")
    if not isinstance(page.get("contents"), list):
        raise FetchError(f"HSDA page {number} has no 'contents' array")
    return page


def _is_last(page: Json, number: int) -> bool:
    """Whether an HSDA Page object says no page follows it."""
    total = page.get("total_pages")
    if isinstance(total, int) and not isinstance(total, bool) and number >= total:
        return True
    return page.get("empty") is True or page.get("last_page") is True


def _zone_option(source: SourceConfig) -> ZoneInfo:
    """The `timezone` option (connectors.options), naming the source when malformed."""
    try:
        return zone_option(source.options)
    except ConfigError as error:
        raise ConfigError(f"source {source.name!r}: {error}") from None


def _classifier(source: SourceConfig) -> Classifier:
    try:
        return Classifier.of(source.options)
    except ConfigError as error:
        raise ConfigError(f"source {source.name!r}: {error}") from None


def _positive_option(source: SourceConfig, key: str, default: int) -> int:
    value = source.options.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"source {source.name!r}: option {key!r} must be a positive integer")
    return value


def _bool_option(source: SourceConfig, key: str) -> bool:
    value = source.options.get(key, False)
    if not isinstance(value, bool):
        raise ConfigError(f"source {source.name!r}: option {key!r} must be true or false")
    return value


def _headers_option(source: SourceConfig) -> dict[str, str]:
    value = source.options.get("headers", {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ConfigError(f"source {source.name!r}: option 'headers' must be a table of strings")
    return dict(value)


class _Bundle:
    """A bundle read as a stream: each array is parsed item by item (ijson), in as many
    passes over the document as there are arrays, so that memory holds the document's
    bytes and one item at a time, not the whole bundle as Python objects."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.arrays = self._check()

    def _check(self) -> set[str]:
        """The top-level arrays; FetchError unless the whole document is well-formed JSON
        with `organizations` and `services` arrays (checked before any record is read)."""
        arrays: set[str] = set()
        try:
            events = ijson.parse(io.BytesIO(self.content))
            first = next(events, None)
            if first is None or first[1] != "start_map":
                raise FetchError("the HSDS bundle is not a JSON object")
            for prefix, event, _ in events:
                if event == "start_array" and prefix and "." not in prefix:
                    arrays.add(prefix)
        except ijson.JSONError as error:
            raise FetchError(f"the HSDS bundle is not valid JSON: {error}") from None
        missing = [key for key in ("organizations", "services") if key not in arrays]
        if missing:
            raise FetchError(f"the HSDS bundle lacks the array(s): {', '.join(missing)}")
        return arrays

    def objects(self, key: str) -> Iterator[Json]:
        """The objects of the top-level array `key` (nothing when there is no such array)."""
        if key not in self.arrays or "." in key:
            return
        for item in ijson.items(io.BytesIO(self.content), f"{key}.item", use_float=True):
            if isinstance(item, dict):
                yield item


def _objects(bundle: Json, key: str) -> list[Json]:
    items = bundle.get(key) or []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _with_schedules(services: Iterable[Json], schedules: Iterable[Json]) -> Iterator[Json]:
    """Bundle services with the top-level schedules that name them by `service_id`
    (the tabular form) added to the schedules they embed."""
    linked = defaultdict[str, list[Json]](list)
    for schedule in schedules:
        if isinstance(schedule.get("service_id"), str):
            linked[schedule["service_id"]].append(schedule)

    def merged(service: Json) -> Json:
        embedded = service.get("schedules") or []
        added = linked.get(service["id"]) if isinstance(service.get("id"), str) else None
        if not added or not isinstance(embedded, list):  # a bad array is the service's Problem
            return service
        return {**service, "schedules": [*embedded, *added]}

    return (merged(service) for service in services)


def _convert(
    items: Iterable[Json], kind: str, convert: Callable[[Json], _R]
) -> Iterator[_R | Problem]:
    """Each item converted, or a Problem naming what was wrong with it."""
    for item in items:
        external_id = item.get("id") if isinstance(item.get("id"), str) else None
        if external_id is None:
            yield Problem(kind, None, f"unreadable HSDS {kind}: missing string 'id'")
            continue
        try:
            yield convert(item)
        except (KeyError, TypeError, ValueError) as error:
            detail = f"missing field {error}" if isinstance(error, KeyError) else str(error)
            yield Problem(kind, external_id, f"unreadable HSDS {kind}: {detail}")


def provider_record(org: Json) -> ProviderRecord:
    """An HSDS organization as a provider."""
    extension = _extension(org)
    return ProviderRecord(
        external_id=org["id"],
        name=_text(org, "name") or "",
        legal_form=_text(org, "legal_status"),
        vat_number=_text(org, "tax_id"),
        alliance_member=bool(extension.get("alliance_member", False)),
        ateco_code=_text(extension, "ateco_code"),
        description=_text(org, "description"),
        website=_text(org, "website"),
        email=_text(org, "email"),
        phone=_first_phone(org),
    )


def location_record(location: Json) -> LocationRecord:
    """An HSDS location (with its first physical address) as a location."""
    addresses = [a for a in location.get("addresses") or [] if isinstance(a, dict)]
    physical = [a for a in addresses if a.get("address_type", "physical") == "physical"]
    address = (physical or addresses or [{}])[0]
    street = ", ".join(filter(None, (_text(address, "address_1"), _text(address, "address_2"))))
    notes = [
        _text(a, "description") for a in location.get("accessibility") or [] if isinstance(a, dict)
    ]
    return LocationRecord(
        external_id=location["id"],
        provider_external_id=_text(location, "organization_id"),
        name=_text(location, "name"),
        address=street or None,
        cap=_text(address, "postal_code"),
        city=_text(address, "city"),
        province=_text(address, "state_province"),
        latitude=_number(location.get("latitude")),
        longitude=_number(location.get("longitude")),
        accessibility="; ".join(note for note in notes if note) or None,
    )


def offering_record(
    service: Json,
    sites: Mapping[str, Sequence[str]],
    classifier: Classifier | None = None,
    zone: ZoneInfo = ROME,
) -> OfferingRecord:
    """An HSDS service as an offering; `sites` maps service ids to their location ids, and
    `classifier` the terms of other taxonomies than the hub's to its categories."""
    extension = _extension(service)
    status = _STATUS.get(str(service.get("status", "active")).lower())
    if status is None:
        raise ValueError(f"unknown service status {service.get('status')!r}")
    locations = tuple(dict.fromkeys(sites.get(service["id"], ())))
    mode = extension.get("delivery_mode")
    if mode is None:
        mode = DeliveryMode.IN_PERSON if locations else DeliveryMode.ONLINE
    discount = extension.get("beneficiary_discount_percent")
    email = _text(service, "email")
    return OfferingRecord(
        external_id=service["id"],
        provider_external_id=_organization_id(service),
        title_it=_text(service, "name") or "",
        title_en=_text(extension, "name_en"),
        description_it=_text(service, "description"),
        description_en=_text(extension, "description_en"),
        categories=_categories(service, classifier or Classifier()),
        delivery_mode=DeliveryMode(mode),
        status=status,
        languages=_languages(service),
        cost_options=tuple(_cost_option(o) for o in service.get("cost_options") or []),
        beneficiary_discount_percent=percent(discount, "beneficiary_discount_percent"),
        booking_url=_text(service, "url") or (None if email else _tel(_first_phone(service))),
        email=email,
        location_external_ids=locations,
        schedules=tuple(schedule_record(s, zone) for s in _list(service, "schedules")),
        min_age=_whole(service.get("minimum_age"), "minimum_age"),
        max_age=_whole(service.get("maximum_age"), "maximum_age"),
        eligibility_description=_text(service, "eligibility_description"),
        eligibility=_eligibility(service),
        last_modified=_datetime(service.get("last_modified")),
    )


def _organization_id(service: Json) -> str:
    """The service's organization: its embedded `organization` (HSDA) or `organization_id`."""
    declared = service.get("organization_id")
    embedded = service.get("organization")
    if not isinstance(embedded, dict) or not isinstance(embedded.get("id"), str):
        found = _text(service, "organization_id")
        if found is None:
            raise KeyError("organization_id")
        return found
    if declared is not None and declared != embedded["id"]:
        raise ValueError(
            f"organization_id {declared!r} differs from the embedded organization "
            f"{embedded['id']!r}"
        )
    return str(embedded["id"])


def _categories(service: Json, classifier: Classifier) -> tuple[str, ...]:
    """Codes of `concilia-categories` terms as they are; terms of any other taxonomy (but
    the hub's beneficiary and eligibility ones) through the source's `categories`
    mapping, by code, name, URI or id."""
    codes: list[str] = []
    terms: list[tuple[str | None, ...]] = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict) or term.get("taxonomy") in _RULE_TAXONOMIES:
            continue
        code = _text(term, "code")
        if term.get("taxonomy") == CATEGORY_TAXONOMY:
            if code is not None:
                codes.append(code)
        else:
            terms.append((code, _text(term, "name"), _text(term, "term_uri"), _text(term, "id")))
    return classifier.classify(terms, codes)


def _eligibility(service: Json) -> str | None:
    """The service's rule from its attributes: terms of the `concilia-beneficiaries`
    taxonomy (FREELANCER, SME_EMPLOYEE, ALLIANCE_EMPLOYEE, RESIDENT) mean "one of these
    categories"; an attribute of the `concilia-eligibility` taxonomy holds a whole rule
    (models.eligibility JSON) in its `value`. Several parts must all hold. The sync engine
    validates the rule and quarantines the service when it is not one."""
    categories: list[str] = []
    parts: list[object] = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if not isinstance(term, dict):
            continue
        if term.get("taxonomy") == BENEFICIARY_TAXONOMY and term.get("code"):
            categories.append(str(term["code"]))
        elif term.get("taxonomy") == RULE_TAXONOMY:
            value = attribute.get("value")
            try:
                parts.append(orjson.loads(value) if isinstance(value, str) else value)
            except orjson.JSONDecodeError:
                parts.append(value)  # invalid: the engine quarantines it with the reason
    if categories:
        parts.insert(0, {"category": list(dict.fromkeys(categories))})
    if not parts:
        return None
    rule = parts[0] if len(parts) == 1 else {"all": parts}
    return orjson.dumps(rule).decode()


def _languages(service: Json) -> tuple[str, ...]:
    codes = (
        str(language.get("code") or "").strip().lower()
        for language in service.get("languages") or []
        if isinstance(language, dict)
    )
    return tuple(dict.fromkeys(code for code in codes if code))


def _cost_option(option: Json) -> CostOptionRecord:
    if not isinstance(option, dict):
        raise TypeError("cost_option is not an object")
    amount = option.get("amount")
    return CostOptionRecord(
        label=_text(option, "option"),
        amount_cents=None if amount is None else _cents(amount),
        currency=(_text(option, "currency") or "EUR").upper(),
        description=_text(option, "amount_description"),
    )


def _cents(amount: object) -> int:
    cents = euro_cents(amount)
    if cents is None:
        raise ValueError(f"cost option amount {amount!r} is not a number")
    return cents


def _first_phone(item: Json) -> str | None:
    """The first HSDS phone of an organization or service that has a number."""
    numbers = [p.get("number") for p in _list(item, "phones") if isinstance(p, dict)]
    found = [str(number).strip() for number in numbers if number]
    return next((number for number in found if number), None)


def _tel(number: str | None) -> str | None:
    """A phone number as an RFC 3966 `tel:` URI; numbers without a country code are
    Italian (+39, which keeps the leading 0 of Italian landlines)."""
    digits = re.sub(r"\D", "", number or "")
    if not digits:
        return None
    if number and number.strip().startswith("+"):
        return f"tel:+{digits}"
    if digits.startswith("00"):
        return f"tel:+{digits[2:]}"
    return f"tel:+39{digits}"


def schedule_record(schedule: Json, source_zone: ZoneInfo = ROME) -> ScheduleRecord:
    """An HSDS schedule as a schedule (RFC 5545 section 3.6.1): `opens_at`/`closes_at` are
    wall-clock times on `dtstart` (else `valid_from`) in the source's zone (the `timezone`
    option, Europe/Rome by default) unless the schedule's `timezone` says otherwise,
    repeated by the RRULE its iCal fields spell; no times means all day."""
    if not isinstance(schedule, dict):
        raise TypeError("schedule is not an object")
    day = _date(schedule, "dtstart") or _date(schedule, "valid_from")
    if day is None:
        raise ValueError("a schedule has neither dtstart nor valid_from")
    zone = _schedule_zone(schedule.get("timezone"), source_zone, day)
    opens, closes = _time(schedule, "opens_at"), _time(schedule, "closes_at")
    start = _at(day, opens or time(0), zone)
    end = None
    if closes is not None:
        end = _at(day, closes, zone)
        if end <= start:  # closes after midnight
            end = _at(day + timedelta(days=1), closes, zone)
    return ScheduleRecord(
        start=start,
        end=end,
        rrule=_rrule(schedule, zone),
        all_day=opens is None and closes is None,
        timezone=zone.key,
        description=_text(schedule, "description"),
    )


def _schedule_zone(value: object, source_zone: ZoneInfo, day: date) -> ZoneInfo:
    """The zone of a schedule's times: an IANA name, or (as HSDS 3.0 defines `timezone`) a
    UTC offset in whole hours; the source's zone when absent.

    An offset is how most feeds write "our local time": when it is one the source's zone
    has in the schedule's year (+1 or +2 for Rome), the times are read in that zone, so
    that a weekly Monday 09:00 stays 09:00 after the clocks change; any other offset is a
    fixed zone (Etc/GMT)."""
    if value is None or value == "":
        return source_zone
    if isinstance(value, str) and not _OFFSET.match(value.strip()):
        try:
            return ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown schedule timezone {value!r}") from None
    hours = _number(value)
    if hours is None or not hours.is_integer() or not -12 <= hours <= 14:
        raise ValueError(f"schedule timezone {value!r} is not a whole UTC offset in hours")
    offset = timedelta(hours=hours)
    if offset in _offsets(source_zone, day.year):
        return source_zone
    # POSIX-style names count the other way: UTC+1 is Etc/GMT-1.
    return ZoneInfo("UTC" if hours == 0 else f"Etc/GMT{-int(hours):+d}")


def _offsets(zone: ZoneInfo, year: int) -> set[timedelta]:
    """The UTC offsets a zone has in a year (winter and summer time)."""
    moments = (datetime(year, month, 15, 12, tzinfo=zone) for month in (1, 7))
    return {offset for moment in moments if (offset := moment.utcoffset()) is not None}


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """`moment` on `day`: wall-clock time in `zone`, or converted there when it has an offset."""
    if moment.tzinfo is not None:
        return datetime.combine(day, moment).astimezone(zone)
    return datetime.combine(day, moment, tzinfo=zone)


def _rrule(schedule: Json, zone: tzinfo) -> str | None:
    """The RFC 5545 RRULE (section 3.3.10) of an HSDS schedule; None when it does not
    repeat. Without `freq`, `byday` means WEEKLY and `bymonthday` MONTHLY."""
    byday = [part.upper() for part in _parts(schedule, "byday")]
    bymonthday = _parts(schedule, "bymonthday")
    freq = (_text(schedule, "freq") or "").upper()
    freq = freq or ("MONTHLY" if bymonthday else "WEEKLY" if byday else "")
    if not freq:
        return None
    if freq not in _FREQUENCIES:
        raise ValueError(f"unknown schedule freq {freq!r}")
    parts = [f"FREQ={freq}", *_repetition(schedule, zone)]
    if byday:
        parts.append("BYDAY=" + ",".join(_checked(byday, _BYDAY, "byday")))
    if bymonthday:
        parts.append("BYMONTHDAY=" + ",".join(_month_days(bymonthday)))
    wkst = (_text(schedule, "wkst") or "").upper()
    if wkst:
        parts.append("WKST=" + _checked([wkst], _WEEKDAY, "wkst")[0])
    return ";".join(parts)


def _repetition(schedule: Json, zone: tzinfo) -> list[str]:
    """INTERVAL, and COUNT or UNTIL: `until` (else `valid_to`) is the last day, so the
    rule ends at its last second, given in UTC as RFC 5545 asks with a zoned DTSTART."""
    parts = []
    interval = _whole(schedule.get("interval"), "interval")
    if interval is not None and interval != 1:
        parts.append(f"INTERVAL={_at_least_one(interval, 'interval')}")
    count = _whole(schedule.get("count"), "count")
    until = _date(schedule, "until")
    if count is not None and until is not None:
        raise ValueError("a schedule has both count and until")
    if count is not None:
        return [*parts, f"COUNT={_at_least_one(count, 'count')}"]
    last = until or _date(schedule, "valid_to")
    if last is not None:
        end = datetime.combine(last, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
        parts.append(f"UNTIL={end:%Y%m%dT%H%M%SZ}")
    return parts


def _parts(schedule: Json, key: str) -> list[str]:
    """A comma-separated iCal list field: a string, a number, or a JSON array."""
    value = schedule.get(key)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, str | int) and not isinstance(i, bool) for i in items):
        raise TypeError(f"field '{key}' is not a list of values")
    items = [part for item in items for part in str(item).split(",")]
    return [text for text in (str(item).strip() for item in items) if text]


def _checked(values: list[str], pattern: re.Pattern[str], key: str) -> list[str]:
    bad = [value for value in values if not pattern.match(value)]
    if bad:
        raise ValueError(f"invalid schedule {key} {', '.join(bad)!r}")
    return values


def _month_days(values: list[str]) -> list[str]:
    days = []
    for value in values:
        try:
            day = int(value)
        except ValueError:
            day = 0
        if not 1 <= abs(day) <= 31:
            raise ValueError(f"invalid schedule bymonthday {value!r}")
        days.append(str(day))
    return days


def _at_least_one(value: int, key: str) -> int:
    if value < 1:
        raise ValueError(f"schedule {key} {value} is not positive")
    return value


def _whole(value: object, key: str) -> int | None:
    """A whole number (an age, a count) given as a JSON number or numeric text."""
    try:
        number = _number(value)
    except ValueError:
        raise ValueError(f"{key} {value!r} is not a number") from None
    if number is None:
        return None
    if not number.is_integer():
        raise ValueError(f"{key} {value!r} is not a whole number")
    return int(number)


def _date(item: Json, key: str) -> date | None:
    text = _text(item, key)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key} {text!r} is not a date (YYYY-MM-DD)") from None


def _time(item: Json, key: str) -> time | None:
    text = _text(item, key)
    if text is None:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{key} {text!r} is not a time (HH:MM)") from None


def _list(item: Json, key: str) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError(f"field '{key}' is not an array")
    return value


def _extension(item: Json) -> Json:
    extension = item.get("concilia")
    return extension if isinstance(extension, dict) else {}


def _text(item: Json, key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise TypeError(f"field '{key}' is not text")
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"{value!r} is not a number")
    return float(value)


def _datetime(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"last_modified {value!r} has no UTC offset")
    return parsed
