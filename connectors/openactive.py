"""OpenActive connector: Realtime Paged Data Exchange feeds (RPDE 1.0,
https://openactive.io/realtime-paged-data-exchange/1.0/) of opportunity data modelled as in
OpenActive Modelling Opportunity Data 2.0 (https://openactive.io/modelling-opportunity-data/).

Paging (RPDE "Paging", "Last page definition"): a read starts at the feed's first page, or
where the last sync's checkpoint left it, and follows each page's `next` (resolved against
the page's own URL or file path), whatever the ordering strategy (`afterTimestamp` and
`afterId`, or `afterChangeNumber`) that `next` encodes. It stops at a page whose `next` is its
own URL, at a `next` already read in this sync (a feed that loops), or after `max_pages`
pages. A page with no items but another `next` is followed: RPDE allows in-stream filtering.
After every page it yields a Checkpoint, so an interrupted sync resumes at the next page.

Mapping: `updated` SessionSeries and FacilityUse items become an offering, with their
`organizer` (or FacilityUse `provider`) as provider, their `location` Place as location, and
their `eventSchedule` (PartialSchedule or Schedule) as RFC 5545 schedules; the sessions a
series embeds in `subEvent` and `updated` ScheduledSession and Slot items become slots (with
capacity and remaining places) of the offering their `superEvent` / `facilityUse` names;
`deleted` items become deletions; an item of a compound kind ("SessionSeries.
ScheduledSession") is read as its first kind; items of other kinds are skipped.
Text may be a plain string (Italian) or JSON-LD value objects tagged `"@language": "it"` /
`"en"`. Times without a UTC offset are read in `timezone`. Concilia extension properties on
an Organization: `concilia:vatNumber` (when it has no `vatID`), `concilia:allianceMember`,
`concilia:atecoCode`; on a SessionSeries or FacilityUse: `concilia:beneficiaryDiscountPercent`.

Identities: an offering is known by its JSON-LD `@id` (what sessions and slots reference),
else its `identifier`, else its RPDE item id; a slot by `<kind>:<RPDE item id>`, unique across
the ScheduledSession and Slot feeds. A deleted item carries only its RPDE id, so the state
remembers the `@id` of every offering whose RPDE id differs from it (as the OpenActive test
suite's broker does). The checkpoint state is `{"feeds": {<first page>: <next page>},
"offerings": {<kind>: {<RPDE id>: <@id>}}}`; a state `{"next": <page>}` resumes the first feed.

Options (the source's TOML table):

- `feeds` (list of strings): first pages of more RPDE feeds, read after `url` (e.g. the
  ScheduledSession feed after the SessionSeries one); relative ones are resolved against
  `url` like links (for a path: against the directory of `url`);
- `categories`, `category` (connectors.mapping): activity Concepts (by `prefLabel`, `@id`
  or `notation`) and `category` terms -> the hub's categories or areas; the default;
- `provider_identity` (list, default `["@id", "identifier"]`): what identifies an
  organizer, in order: `@id`, `identifier`, `vatID`, `taxID`, `url`, `name`, `legalName`,
  `email`, or a list of them composed (connectors.mapping);
- `timezone` (string, default "Europe/Rome"): the zone of local times written without offset;
- `max_pages` (integer, default 1000): pages read per feed in one sync; the next sync goes on.
"""

from __future__ import annotations

import logging
import os.path
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, ClassVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from pydantic import TypeAdapter, ValidationError

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher, FetchError
from connectors.mapping import Classifier, Field, identify, identity_order
from connectors.options import zone_option
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Deletion,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
    SlotRecord,
)
from connectors.values import euro_cents, percent
from models.enums import DeliveryMode, OfferingStatus

log = logging.getLogger(__name__)

# A decoded JSON object: its values are whatever JSON holds, checked where they are read.
Json = Mapping[str, Any]

OFFERING_KINDS = frozenset({"SessionSeries", "FacilityUse"})
SLOT_KINDS = frozenset({"ScheduledSession", "Slot"})
DEFAULT_MAX_PAGES = 1000
# What may identify an organizer (the `provider_identity` option), and the default order.
IDENTITY_FIELDS = ("@id", "identifier", "vatID", "taxID", "url", "name", "legalName", "email")
DEFAULT_IDENTITY: tuple[Field, ...] = (("@id",), ("identifier",))
ROME = ZoneInfo("Europe/Rome")
_HTTP = ("http://", "https://")

# schema.org EventStatusType of a SessionSeries -> offering status.
_STATUS = {
    "EventScheduled": OfferingStatus.ACTIVE,
    "EventRescheduled": OfferingStatus.ACTIVE,
    "EventMovedOnline": OfferingStatus.ACTIVE,
    "EventPostponed": OfferingStatus.SUSPENDED,
    "EventCancelled": OfferingStatus.WITHDRAWN,
}

# ISO 8601 durations ("PT1H30M"), as OpenActive writes `duration`.
_DURATION = TypeAdapter(timedelta)


# Builds the ConfigError of a malformed option: (option, what it must be).
_Fail = Callable[[str, str], ConfigError]


class Unreadable(ValueError):
    """An RPDE item whose data cannot be mapped; it becomes a Problem."""


@dataclass(frozen=True, slots=True)
class Options:
    """What a source's TOML table says about reading its feeds."""

    feeds: tuple[str, ...] = ()
    classifier: Classifier = field(default_factory=Classifier)
    provider_identity: tuple[Field, ...] = DEFAULT_IDENTITY
    zone: tzinfo = ROME
    max_pages: int = DEFAULT_MAX_PAGES

    @classmethod
    def of(cls, source: SourceConfig) -> Options:
        """The options of `source`; raises ConfigError when one is malformed."""
        options = source.options

        def fail(key: str, expected: str) -> ConfigError:
            return ConfigError(f"source {source.name!r}: option {key!r} must be {expected}")

        feeds = options.get("feeds", [])
        if not isinstance(feeds, list) or not all(isinstance(f, str) and f for f in feeds):
            raise fail("feeds", "a list of URLs or paths")
        identity = options.get("provider_identity")
        order = (
            DEFAULT_IDENTITY
            if identity is None
            else identity_order(
                identity, f"source {source.name!r}: option 'provider_identity'", IDENTITY_FIELDS
            )
        )
        try:
            classifier = Classifier.of(options)
            zone = zone_option(options)
        except ConfigError as error:
            raise ConfigError(f"source {source.name!r}: {error}") from None
        max_pages = options.get("max_pages", DEFAULT_MAX_PAGES)
        if isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 1:
            raise fail("max_pages", "a positive integer")
        return cls(
            feeds=tuple(_resolve(source.url, feed) for feed in feeds),
            classifier=classifier,
            provider_identity=order,
            zone=zone,
            max_pages=max_pages,
        )


class OpenActiveFeed:
    """Reads one or more OpenActive RPDE feeds incrementally (deletions are explicit)."""

    kind: ClassVar[str] = "openactive"
    complete_snapshot: ClassVar[bool] = False

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.options = Options.of(source)
        self.classifier = self.options.classifier
        self.feeds = tuple(dict.fromkeys((source.url, *self.options.feeds)))
        self.positions = _positions(state, source.url)
        self.mapper = _Mapper(self.options, _offering_ids(state))

    async def records(self) -> AsyncIterator[Item]:
        """Every feed in turn, page by page, each page followed by its checkpoint."""
        for feed in self.feeds:
            async for item in self._read(feed):
                yield item

    def state(self) -> dict[str, object]:
        """Where each feed has got to, and the `@id`s deletions will need."""
        feeds = {feed: self.positions[feed] for feed in self.feeds if feed in self.positions}
        state: dict[str, object] = {"feeds": feeds}
        ids = {kind: dict(ids) for kind, ids in self.mapper.offering_ids.items() if ids}
        if ids:
            state["offerings"] = ids
        return state

    async def _read(self, feed: str) -> AsyncIterator[Item]:
        location = self.positions.get(feed, feed)
        read: set[str] = set()
        shown = self.source.redact  # feeds' URLs may carry credentials
        for _ in range(self.options.max_pages):
            document = await self.fetcher.fetch(location)
            items, following = _page(document.content, location)
            read.update((location, document.url))
            for raw in items:
                for item in self.mapper.convert(raw):
                    yield item
            following = _resolve(location, following)
            self.positions[feed] = following
            yield Checkpoint(self.state())
            if following in read:
                if following not in (location, document.url):
                    looped = (shown(feed), shown(location), shown(following))
                    log.warning("%s: page %s links back to %s; stopping", *looped)
                return
            location = following
        log.info("%s: read %d pages; the next sync goes on", shown(feed), self.options.max_pages)


def _page(content: bytes, location: str) -> tuple[list[object], str]:
    """The items and `next` of an RPDE page (RPDE "Response grammar"); FetchError otherwise."""
    try:
        page = orjson.loads(content)
    except orjson.JSONDecodeError as error:
        raise FetchError(f"RPDE page {location} is not valid JSON: {error}") from None
    if not isinstance(page, dict):
        raise FetchError(f"RPDE page {location} is not a JSON object")
    items, following = page.get("items"), page.get("next")
    if not isinstance(items, list):
        keys = ", ".join(sorted(page)) or "none"
        raise FetchError(f"RPDE page {location} has no 'items' array (its keys: {keys})")
    if not isinstance(following, str) or not following.strip():
        raise FetchError(f"RPDE page {location} has no 'next' URL")
    return items, following.strip()


def _resolve(base: str, reference: str) -> str:
    """`reference` as a URL or an absolute path, relative to the page or file `base`."""
    if base.startswith(_HTTP) or reference.startswith(_HTTP):
        return urljoin(base, reference)
    reference = reference.removeprefix("file://")
    directory = os.path.dirname(base.removeprefix("file://"))
    return os.path.normpath(os.path.join(directory, reference))


def _positions(state: Mapping[str, object], first: str) -> dict[str, str]:
    feeds = state.get("feeds")
    positions = (
        {k: v for k, v in feeds.items() if isinstance(k, str) and isinstance(v, str)}
        if isinstance(feeds, dict)
        else {}
    )
    legacy = state.get("next")
    if isinstance(legacy, str):
        positions.setdefault(first, legacy)
    return positions


def _offering_ids(state: Mapping[str, object]) -> dict[str, dict[str, str]]:
    saved = state.get("offerings")
    if not isinstance(saved, dict):
        return {}
    return {
        kind: {str(k): v for k, v in ids.items() if isinstance(v, str)}
        for kind, ids in saved.items()
        if kind in OFFERING_KINDS and isinstance(ids, dict)
    }


class _Mapper:
    """Turns RPDE items into records, remembering what it has already yielded."""

    def __init__(self, options: Options, offering_ids: dict[str, dict[str, str]]) -> None:
        self.options = options
        self.offering_ids = offering_ids
        self.providers: dict[str, ProviderRecord] = {}
        self.locations: dict[str, LocationRecord] = {}

    def convert(self, raw: object) -> Iterator[Item]:
        """The records of one RPDE item (RPDE "<item>"), or the Problem it has."""
        if not isinstance(raw, dict):
            yield Problem("item", None, "unreadable RPDE item: not a JSON object")
            return
        kind = raw.get("kind")
        if not isinstance(kind, str):
            yield Problem("item", _rpde_id(raw), "unreadable RPDE item: no 'kind'")
            return
        # A feed of series with their sessions embedded names both ("SessionSeries.
        # ScheduledSession", as OpenActive's own examples do): the item is the series.
        kind = kind.split(".", 1)[0]
        if kind not in OFFERING_KINDS | SLOT_KINDS:
            return
        record_kind = "offering" if kind in OFFERING_KINDS else "slot"
        rpde_id = _rpde_id(raw)
        if rpde_id is None:
            yield Problem(record_kind, None, f"unreadable OpenActive {kind}: no RPDE 'id'")
            return
        state = raw.get("state")
        if state == "deleted":
            yield self._deletion(kind, rpde_id)
        elif state != "updated" or not isinstance(raw.get("data"), dict):
            reason = (
                f"unknown RPDE state {state!r}"
                if state != "updated"
                else "an updated item without a 'data' object"
            )
            known = self._known_id(kind, rpde_id)
            yield Problem(record_kind, known, f"unreadable OpenActive {kind}: {reason}")
        elif kind in OFFERING_KINDS:
            yield from self._offering(kind, rpde_id, raw["data"])
        else:
            yield self._slot(kind, rpde_id, raw["data"])

    def _known_id(self, kind: str, rpde_id: str) -> str:
        """The external id of the record an item without data is about."""
        if kind in SLOT_KINDS:
            return slot_id(kind, rpde_id)
        return self.offering_ids.get(kind, {}).get(rpde_id, rpde_id)

    def _deletion(self, kind: str, rpde_id: str) -> Deletion:
        if kind in SLOT_KINDS:
            return Deletion("slot", slot_id(kind, rpde_id))
        return Deletion("offering", self.offering_ids.get(kind, {}).pop(rpde_id, rpde_id))

    def _offering(self, kind: str, rpde_id: str, data: Json) -> Iterator[Item]:
        external_id = _node_id(data) or rpde_id
        try:
            organizer = data.get("organizer") or data.get("provider")
            provider = provider_record(organizer, self.options.provider_identity)
            location = location_record(data.get("location"), provider.external_id, external_id)
            offering = offering_record(data, external_id, provider, location, self.options)
            embedded = sub_event_slots(data, external_id, self.options.zone)
        except ValueError as error:
            yield Problem("offering", external_id, f"unreadable OpenActive {kind}: {error}")
            return
        if external_id != rpde_id:
            self.offering_ids.setdefault(kind, {})[rpde_id] = external_id
        if self.providers.get(provider.external_id) != provider:
            self.providers[provider.external_id] = provider
            yield provider
        if location is not None and self.locations.get(location.external_id) != location:
            self.locations[location.external_id] = location
            yield location
        yield offering
        yield from embedded

    def _slot(self, kind: str, rpde_id: str, data: Json) -> Item:
        try:
            return slot_record(kind, rpde_id, data, self.options.zone)
        except ValueError as error:
            reason = f"unreadable OpenActive {kind}: {error}"
            return Problem("slot", slot_id(kind, rpde_id), reason)


def slot_id(kind: str, rpde_id: str) -> str:
    """The external id of a slot: its RPDE id, qualified by its feed's kind."""
    return f"{kind}:{rpde_id}"


def provider_record(
    organizer: object, identity: Sequence[Field] = DEFAULT_IDENTITY
) -> ProviderRecord:
    """An OpenActive Organization (or Person) organizer as a provider, known by the first
    of `identity`'s fields it has (the `provider_identity` option)."""
    if not isinstance(organizer, dict):
        raise Unreadable("no 'organizer' (or 'provider') Organization")
    named = {name for names in identity for name in names}
    external_id = identify({name: _identity(organizer, name) for name in named}, identity)
    if external_id is None:
        wanted = " or ".join("+".join(f"'{name}'" for name in names) for names in identity)
        raise Unreadable(f"the organizer has no {wanted} (see the option 'provider_identity')")
    name = _text(organizer, "name") or _text(organizer, "legalName")
    if name is None:
        raise Unreadable("the organizer has no 'name'")
    member = organizer.get("concilia:allianceMember", False)
    if not isinstance(member, bool):
        raise Unreadable("'concilia:allianceMember' is not true or false")
    return ProviderRecord(
        external_id=external_id,
        name=name,
        vat_number=_text(organizer, "vatID") or _text(organizer, "concilia:vatNumber"),
        alliance_member=member,
        ateco_code=_text(organizer, "concilia:atecoCode"),
        description=_text(organizer, "description"),
        website=_text(organizer, "url"),
        email=_text(organizer, "email"),
        phone=_text(organizer, "telephone"),
    )


def location_record(place: object, provider_id: str, offering_id: str) -> LocationRecord | None:
    """An OpenActive Place as a location; None for no place or a VirtualLocation.

    A Place without `@id` or `identifier` is known as `<offering id>#location`."""
    if place is None or _is_virtual(place):
        return None
    if not isinstance(place, dict):
        raise Unreadable("'location' is not a Place")
    address = place.get("address")
    if isinstance(address, str):
        address = {"streetAddress": address}
    elif address is None:
        address = {}
    elif not isinstance(address, dict):
        raise Unreadable("the location's 'address' is not a PostalAddress")
    geo = place.get("geo")
    coordinates = geo if isinstance(geo, dict) else place
    region = _text(address, "addressRegion")
    return LocationRecord(
        external_id=_node_id(place) or f"{offering_id}#location",
        provider_external_id=provider_id,
        name=_text(place, "name"),
        address=_text(address, "streetAddress"),
        cap=_text(address, "postalCode"),
        city=_text(address, "addressLocality"),
        # Italian provinces are two-letter codes; a region name ("Lombardia") is not one.
        province=region.upper() if region and len(region) == 2 and region.isalpha() else None,
        latitude=_number(coordinates.get("latitude"), "latitude"),
        longitude=_number(coordinates.get("longitude"), "longitude"),
    )


def offering_record(
    data: Json,
    external_id: str,
    provider: ProviderRecord,
    location: LocationRecord | None,
    options: Options,
) -> OfferingRecord:
    """An OpenActive SessionSeries or FacilityUse as an offering."""
    title_it, title_en = _localised(data.get("name"), "name")
    if title_it is None:
        raise Unreadable("no 'name'")
    description_it, description_en = _localised(data.get("description"), "description")
    age = data.get("ageRange")
    if age is not None and not isinstance(age, dict):
        raise Unreadable("'ageRange' is not a QuantitativeValue")
    return OfferingRecord(
        external_id=external_id,
        provider_external_id=provider.external_id,
        title_it=title_it,
        title_en=title_en,
        description_it=description_it,
        description_en=description_en,
        categories=categories(data, options),
        delivery_mode=_delivery_mode(data.get("location")),
        status=_status(data.get("eventStatus")),
        languages=_languages(data.get("inLanguage")),
        cost_options=tuple(_cost_option(offer) for offer in _listed(data.get("offers"))),
        beneficiary_discount_percent=_percent(data, "concilia:beneficiaryDiscountPercent"),
        booking_url=_text(data, "url"),
        location_external_ids=(location.external_id,) if location else (),
        min_age=_count(age or {}, "minValue", "ageRange.minValue"),
        max_age=_count(age or {}, "maxValue", "ageRange.maxValue"),
        schedules=schedule_records(data, options.zone),
        last_modified=_datetime(data.get("dateModified"), "dateModified", options.zone),
    )


def schedule_records(data: Json, zone: tzinfo) -> tuple[ScheduleRecord, ...]:
    """The item's `eventSchedule` (OpenActive Modelling Opportunity Data 2.0, section 6:
    PartialSchedule or Schedule) as RFC 5545 schedules: `startTime` (and `endTime` or
    `duration`) on `startDate`, repeated every `repeatFrequency` (P1D, P2W, P1M...) on
    `byDay` / `byMonthDay`, until `endDate` or `repeatCount` times, without `exceptDate`,
    in `scheduleTimezone` (else the source's `timezone`). A PartialSchedule without
    `startDate` starts on the first matching day of the current year."""
    return tuple(_schedule(entry, zone) for entry in _listed(data.get("eventSchedule")))


_FREQUENCY = re.compile(r"^P(\d+)([DWMY])$")
_FREQUENCIES = {"D": "DAILY", "W": "WEEKLY", "M": "MONTHLY", "Y": "YEARLY"}
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_DAY_NAMES = {
    name: code
    for code, name in zip(
        _WEEKDAYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
}


def _schedule(entry: object, source_zone: tzinfo) -> ScheduleRecord:
    if not isinstance(entry, dict):
        raise Unreadable("an entry of 'eventSchedule' is not a Schedule")
    zone = _zone(entry.get("scheduleTimezone"), source_zone)
    start_time = _clock(entry, "startTime")
    if start_time is None:
        raise Unreadable("an eventSchedule has no 'startTime'")
    days = [_weekday(day) for day in _listed(entry.get("byDay"))]
    month_days = [_month_day(day) for day in _listed(entry.get("byMonthDay"))]
    first = _day(entry, "startDate") or date(datetime.now(zone).year, 1, 1)
    if days:  # DTSTART is an occurrence: start on the first day the rule names
        while _WEEKDAYS[first.weekday()] not in days:
            first += timedelta(days=1)
    rule = [f"FREQ={_frequency(entry.get('repeatFrequency'))}"]
    interval = _interval(entry.get("repeatFrequency"))
    if interval > 1:
        rule.append(f"INTERVAL={interval}")
    if days:
        rule.append("BYDAY=" + ",".join(days))
    if month_days:
        rule.append("BYMONTHDAY=" + ",".join(map(str, month_days)))
    last = _day(entry, "endDate")
    if last is not None:
        until = datetime.combine(last, time(23, 59, 59), tzinfo=zone).astimezone(UTC)
        rule.append(f"UNTIL={until:%Y%m%dT%H%M%SZ}")
    elif (count := _count(entry, "repeatCount")) is not None:
        rule.append(f"COUNT={max(count, 1)}")
    start = datetime.combine(first, start_time, tzinfo=zone)
    end_time = _clock(entry, "endTime")
    end = None
    if end_time is not None:
        end = datetime.combine(first, end_time, tzinfo=zone)
        if end <= start:  # ends after midnight
            end = datetime.combine(first + timedelta(days=1), end_time, tzinfo=zone)
    elif entry.get("duration") is not None:
        end = start + _duration(entry.get("duration"))
    excluded = tuple(
        datetime.combine(_except_day(value, zone), start_time, tzinfo=zone)
        for value in _listed(entry.get("exceptDate"))
    )
    return ScheduleRecord(
        start=start,
        end=end,
        rrule=";".join(rule),
        exdates=excluded,
        timezone=getattr(zone, "key", "Europe/Rome"),
    )


def _zone(value: object, default: tzinfo) -> tzinfo:
    if value is None:
        return default
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise Unreadable(f"unknown 'scheduleTimezone' {value!r}") from None


def _clock(entry: Json, key: str) -> time | None:
    value = entry.get(key)
    if value is None:
        return None
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        raise Unreadable(f"'{key}' {value!r} is not a time such as '09:30'") from None


def _day(entry: Json, key: str) -> date | None:
    value = entry.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Unreadable(f"'{key}' {value!r} is not an ISO 8601 date") from None


def _except_day(value: object, zone: tzinfo) -> date:
    moment = _datetime(
        value if isinstance(value, str) and "T" in value else None, "exceptDate", zone
    )
    if moment is not None:
        return moment.astimezone(zone).date()
    return _day({"exceptDate": value}, "exceptDate") or date.min


def _weekday(value: object) -> str:
    name = str(value).strip().rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    code = _DAY_NAMES.get(name.casefold()) or (name.upper() if name.upper() in _WEEKDAYS else None)
    if code is None:
        raise Unreadable(f"'byDay' {value!r} is not a day of the week")
    return code


def _month_day(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= abs(value) <= 31):
        raise Unreadable(f"'byMonthDay' {value!r} is not a day of the month")
    return value


def _frequency(value: object) -> str:
    match = _FREQUENCY.match(str(value or "").strip().upper())
    if match is None:
        raise Unreadable(f"'repeatFrequency' {value!r} is not a period such as P1W")
    return _FREQUENCIES[match.group(2)]


def _interval(value: object) -> int:
    match = _FREQUENCY.match(str(value or "").strip().upper())
    return max(int(match.group(1)), 1) if match else 1


def sub_event_slots(data: Json, offering_id: str, zone: tzinfo) -> list[SlotRecord]:
    """The sessions a SessionSeries embeds in `subEvent`, as its slots (capacity and
    remaining places included); a session without `@id` or `identifier` is known by its
    start."""
    slots = []
    for event in _listed(data.get("subEvent")):
        if not isinstance(event, dict):
            raise Unreadable("an entry of 'subEvent' is not a ScheduledSession")
        node = _node_id(event) or f"{offering_id}#{event.get('startDate')}"
        slots.append(
            slot_record("ScheduledSession", node, {**event, "superEvent": offering_id}, zone)
        )
    return slots


def slot_record(kind: str, rpde_id: str, data: Json, zone: tzinfo) -> SlotRecord:
    """An OpenActive ScheduledSession or Slot as a slot of the offering it belongs to."""
    parent, capacity, remaining = (
        ("superEvent", "maximumAttendeeCapacity", "remainingAttendeeCapacity")
        if kind == "ScheduledSession"
        else ("facilityUse", "maximumUses", "remainingUses")
    )
    reference = data.get(parent)
    offering = reference if isinstance(reference, str) else None
    if isinstance(reference, dict):
        offering = _node_id(reference)
    if not offering:
        raise Unreadable(f"no '{parent}' naming its offering")
    start = _datetime(data.get("startDate"), "startDate", zone)
    if start is None:
        raise Unreadable("no 'startDate'")
    end = _datetime(data.get("endDate"), "endDate", zone)
    duration = data.get("duration")
    if end is None and duration is not None:
        end = start + _duration(duration)
    return SlotRecord(
        external_id=slot_id(kind, rpde_id),
        offering_external_id=offering.strip(),
        start=start,
        end=end,
        capacity=_count(data, capacity),
        remaining=_count(data, remaining),
        cancelled=_schema_term(data.get("eventStatus")) == "EventCancelled",
        last_modified=_datetime(data.get("dateModified"), "dateModified", zone),
    )


def categories(data: Json, options: Options) -> tuple[str, ...]:
    """Taxonomy codes of the item's `activity` and `category` terms, through the source's
    `categories` mapping."""
    return options.classifier.classify(_terms(data))


def _terms(data: Json) -> Iterator[tuple[str | None, ...]]:
    """Each activity or category term in its forms: a Concept's `prefLabel`, `@id` and
    `notation`, or a plain string."""
    for key in ("activity", "category"):
        for term in _listed(data.get(key)):
            if isinstance(term, str):
                yield (term,)
            elif isinstance(term, dict):
                forms = (term.get("prefLabel"), _node_id(term), term.get("notation"))
                yield tuple(form if isinstance(form, str) else None for form in forms)


def _cost_option(offer: object) -> CostOptionRecord:
    if not isinstance(offer, dict):
        raise Unreadable("an entry of 'offers' is not an Offer")
    price = offer.get("price")
    return CostOptionRecord(
        label=_text(offer, "name"),
        amount_cents=None if price is None else _cents(price),
        currency=(_text(offer, "priceCurrency") or "EUR").upper(),
        description=_text(offer, "description"),
    )


def _cents(price: object) -> int:
    cents = euro_cents(price)
    if cents is None:
        raise Unreadable(f"offer price {price!r} is not a number")
    return cents


def _languages(value: object) -> tuple[str, ...]:
    """Primary subtags of BCP 47 `inLanguage` tags ("en-GB" -> "en")."""
    codes = []
    for tag in _listed(value):
        if not isinstance(tag, str):
            raise Unreadable("'inLanguage' is not a list of language tags")
        code = tag.strip().split("-")[0].lower()
        if code:
            codes.append(code)
    return tuple(dict.fromkeys(codes))


def _delivery_mode(place: object) -> DeliveryMode:
    return DeliveryMode.ONLINE if _is_virtual(place) else DeliveryMode.IN_PERSON


def _status(value: object) -> OfferingStatus:
    term = _schema_term(value)
    if term is None:
        return OfferingStatus.ACTIVE
    if term not in _STATUS:
        raise Unreadable(f"unknown 'eventStatus' {value!r}")
    return _STATUS[term]


def _schema_term(value: object) -> str | None:
    """The local name of a schema.org enumeration member (`https://schema.org/X` -> `X`)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().rsplit("/", 1)[-1].removeprefix("schema:")


def _localised(value: object, key: str) -> tuple[str | None, str | None]:
    """Italian and English text of a plain string or of JSON-LD value objects
    (`{"@language": "en", "@value": ...}`); untagged text counts as Italian."""
    if value is None or isinstance(value, str):
        return _clean(value), None
    texts: dict[str, str] = {}
    for entry in _listed(value):
        if isinstance(entry, str):
            texts.setdefault("", entry)
        elif isinstance(entry, dict) and isinstance(entry.get("@value"), str):
            language = str(entry.get("@language") or "").split("-")[0].lower()
            texts.setdefault(language, entry["@value"])
        else:
            raise Unreadable(f"'{key}' is not text")
    italian = texts.get("it") or texts.get("") or next(iter(texts.values()), None)
    return _clean(italian), _clean(texts.get("en"))


def _identity(organizer: Json, name: str) -> str | None:
    """One of IDENTITY_FIELDS of an organizer, as text (`@id` also as its alias `id`)."""
    if name == "@id":
        return _text(organizer, "@id") or _text(organizer, "id")
    if name == "identifier":
        value = organizer.get("identifier")
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None  # a PropertyValue list identifies nothing by itself
        return _clean(str(value))
    return _text(organizer, name)


def _node_id(node: Json) -> str | None:
    """A JSON-LD node's `@id` (or its `id` alias), else its `identifier`."""
    for key in ("@id", "id", "identifier"):
        value = node.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if key == "identifier" and isinstance(value, int) and not isinstance(value, bool):
            return str(value)
    return None


def _rpde_id(item: Json) -> str | None:
    value = item.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _is_virtual(place: object) -> bool:
    return isinstance(place, dict) and place.get("@type", place.get("type")) == "VirtualLocation"


def _listed(value: object) -> list[object]:
    """A JSON-LD property's values: none, one, or a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(node: Json, key: str) -> str | None:
    value = node.get(key)
    if value is not None and not isinstance(value, str | int | float):
        raise Unreadable(f"'{key}' is not text")
    return _clean(None if value is None else str(value))


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


def _number(value: object, key: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise Unreadable(f"'{key}' is not a number")
    try:
        return float(value)
    except ValueError:
        raise Unreadable(f"'{key}' {value!r} is not a number") from None


def _percent(node: Json, key: str) -> float | None:
    try:
        return percent(node.get(key), f"'{key}'")
    except (TypeError, ValueError) as error:
        raise Unreadable(str(error)) from None


def _count(node: Json, key: str, name: str | None = None) -> int | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Unreadable(f"'{name or key}' {value!r} is not a whole number")
    return value


def _datetime(value: object, key: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 date or date-time (RPDE "Date and time formats"); local if no offset."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise Unreadable(f"'{key}' is not a date-time")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Unreadable(f"'{key}' {value!r} is not an ISO 8601 date-time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _duration(value: object) -> timedelta:
    if not isinstance(value, str):
        raise Unreadable(f"'duration' {value!r} is not an ISO 8601 duration")
    try:
        return _DURATION.validate_python(value.strip())
    except ValidationError:
        raise Unreadable(f"'duration' {value!r} is not an ISO 8601 duration") from None
