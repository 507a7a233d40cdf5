"""Calendar connector: courses, events and opening hours published as an iCalendar file
(RFC 5545), read with the `icalendar` library, which also resolves TZID parameters
(IANA names, Windows names, a calendar's own VTIMEZONE) to time zones.

What becomes what:
- **provider**: the source's `provider` option (a calendar does not describe its
  organiser as an organisation).
- **offerings**: one per event UID. `SUMMARY` -> title (in its LANGUAGE parameter, else
  the `language` option: `it` fills `title_it`, `en` `title_en`), `DESCRIPTION` ->
  description, `CATEGORIES` -> hub categories (see options), `URL` -> booking URL, a
  `mailto:` ORGANIZER -> email, `STATUS:CANCELLED` -> withdrawn, `LAST-MODIFIED` -> last
  modified. `LOCATION` (`Biblioteca, Via Pollaiuolo 5, 20159 Milano (MI)`) and `GEO` ->
  a location; a LOCATION that is a URL, or a `CONFERENCE`, makes the offering online.
  Events marked `CLASS:PRIVATE` or `CLASS:CONFIDENTIAL` are not public listings and
  are left out.
- **schedules**: the event itself. `DTSTART`, `DTEND` (else `DURATION`), `RRULE`,
  `RDATE` and `EXDATE` as RFC 5545 section 3.8.5 defines them. Times with a TZID keep
  their zone, so that a weekly course stays at 18:30 across the DST change; UTC times
  recur in UTC; floating times are in the `timezone` option. An all-day event (DATE
  values) starts at midnight of its zone and lasts its days. An RRULE's UNTIL is stored
  in UTC, as RFC 5545 requires once the start has a zone (a DATE UNTIL includes its whole
  day). An RDATE period of another length than the event is a schedule of its own.
  Instances that override one occurrence (`RECURRENCE-ID`) exclude it from the series
  and, unless cancelled, add the moved occurrence as a schedule.

Options, the keys of the source's `[[source]]` table:
- `provider` (required): the organisation behind the calendar, `{id, name, vat_number,
  alliance_member, legal_form, ateco_code, description, website, email, phone}`.
- `categories` (`[source.categories]` table): CATEGORIES term -> hub category code, or
  a list of codes; terms match case-, accent- and punctuation-insensitively, a term that
  is a hub code maps to itself, other terms are left out.
- `category`: the code(s) of events none of whose terms map (else the sync engine
  quarantines them for having no category).
- `location`: a fixed place `{id, name, address, cap, city, province, latitude,
  longitude}` for events that give no LOCATION or GEO.
- `offering`: `{id, title_it, title_en, description_it, description_en, category,
  booking_url}` when the whole calendar describes one offering, typically its opening
  hours: every event becomes one of its schedules, described by the event's SUMMARY.
- `timezone` (default `Europe/Rome`): the zone of floating times.
- `language` (default `it`): the language of SUMMARY and DESCRIPTION without a LANGUAGE
  parameter.

Faults: a document that is not text, is not iCalendar, or does not end with
`END:VCALENDAR` (a truncated download) raises FetchError, so the sync fails and keeps the
last good data. An event without a UID (ids must be stable), a start or a title, with a
property the parser could not read, or whose UID repeats, is a Problem; the other events
load.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component, Event, vRecur
from icalendar.error import IncompleteComponent, InvalidCalendar

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Document, Fetcher, FetchError, Validators
from connectors.mapping import Classifier, target_codes
from connectors.options import (
    fixed_provider,
    keyed_table,
    optional_text,
)
from connectors.records import (
    Checkpoint,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.values import address_id
from models.enums import DeliveryMode, OfferingStatus
from models.text import fold

LOCATION_KEYS = frozenset(
    ["id", "name", "address", "cap", "city", "province", "latitude", "longitude"]
)
OFFERING_KEYS = frozenset(
    ["id", "title_it", "title_en", "description_it", "description_en", "category", "booking_url"]
)
_HIDDEN = frozenset({"PRIVATE", "CONFIDENTIAL"})
# "20159 Milano", "20159 Milano (MI)", "20159 Milano MI"
_CAP_CITY = re.compile(r"(\d{5})\s+([^()\d]+?)(?:\s*\(?\b([A-Z]{2})\)?)?\s*$")
_STREET = re.compile(
    r"(via|viale|v\.le|piazza|piazzale|p\.za|p\.le|corso|c\.so|largo|vicolo|strada|"
    r"alzaia|ripa|bastioni|galleria|passaggio|vialetto)\b",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://\S+$", re.IGNORECASE)


class ICalendarFeed:
    """Reads one iCalendar file: a complete snapshot, so events it drops are withdrawn."""

    kind: ClassVar[str] = "ical"
    complete_snapshot: ClassVar[bool] = True

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.validators = Validators.from_state(state)
        try:
            self.options = _Options.of(source.options)
            self.classifier = self.options.classifier
        except ConfigError as error:
            raise ConfigError(f"ical source {source.name!r}: {error}") from None

    async def records(self) -> AsyncIterator[Item]:
        """The provider, then locations, then offerings; problems where they arise.

        A calendar served with an ETag or Last-Modified is fetched conditionally next time.
        """
        document = await self.fetcher.read(self.source, self.validators)
        calendar = parse_calendar(document)
        for item in read_calendar(calendar, self.options):
            yield item
        yield Checkpoint(document.validators.state())


# --- Options --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Options:
    provider: ProviderRecord
    classifier: Classifier
    location: LocationRecord | None
    offering: OfferingRecord | None
    zone: ZoneInfo
    language: str

    @classmethod
    def of(cls, options: Mapping[str, object]) -> _Options:
        """The connector's options; ConfigError (without the source's name) if invalid."""
        provider = fixed_provider(options.get("provider"))
        if provider is None:
            raise ConfigError("a 'provider' table is required: a calendar does not name one")
        classifier = Classifier.of(options)
        zone_name = options.get("timezone", "Europe/Rome")
        try:
            zone = ZoneInfo(str(zone_name))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"unknown 'timezone' {zone_name!r}") from None
        language = options.get("language", "it")
        if language not in ("it", "en"):
            raise ConfigError("'language' must be 'it' or 'en'")
        return cls(
            provider=provider,
            classifier=classifier,
            location=_fixed_location(options.get("location"), provider.external_id),
            offering=_fixed_offering(options.get("offering"), provider.external_id),
            zone=zone,
            language=str(language),
        )

    def codes(self, terms: Iterable[str]) -> tuple[str, ...]:
        """The hub categories of an event's CATEGORIES terms, else the default ones."""
        return self.classifier.classify((term,) for term in terms)


def _fixed_location(value: object, provider_id: str) -> LocationRecord | None:
    if value is None:
        return None
    fields = keyed_table(value, "location", LOCATION_KEYS)
    keys = LOCATION_KEYS - {"latitude", "longitude"}
    text = {key: optional_text(fields, "location", key) for key in keys}
    if text["id"] is None:
        raise ConfigError("'location' needs an id")
    coordinates = {key: fields.get(key) for key in ("latitude", "longitude")}
    for key, coordinate in coordinates.items():
        if coordinate is not None and (
            isinstance(coordinate, bool) or not isinstance(coordinate, int | float)
        ):
            raise ConfigError(f"'location.{key}' must be a number")
    return LocationRecord(
        external_id=text["id"],
        provider_external_id=provider_id,
        name=text["name"],
        address=text["address"],
        cap=text["cap"],
        city=text["city"],
        province=text["province"],
        latitude=_float(coordinates["latitude"]),
        longitude=_float(coordinates["longitude"]),
    )


def _fixed_offering(value: object, provider_id: str) -> OfferingRecord | None:
    if value is None:
        return None
    fields = keyed_table(value, "offering", OFFERING_KEYS)
    text = {key: optional_text(fields, "offering", key) for key in OFFERING_KEYS - {"category"}}
    external_id, title = text["id"], text["title_it"]
    if external_id is None or title is None:
        raise ConfigError("'offering' needs an id and a title_it")
    return OfferingRecord(
        external_id=external_id,
        provider_external_id=provider_id,
        title_it=title,
        title_en=text["title_en"],
        description_it=text["description_it"],
        description_en=text["description_en"],
        categories=(
            target_codes(fields["category"], "'offering.category'") if "category" in fields else ()
        ),
        booking_url=text["booking_url"],
    )


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


# --- Reading the document --------------------------------------------------------------


def parse_calendar(document: Document) -> Calendar:
    """The VCALENDAR of a document; FetchError when it is not a whole iCalendar file."""
    text = document.text()
    if not text.strip():
        raise FetchError(f"{document.url} is empty")
    last = text.rstrip().rsplit("\n", 1)[-1].strip()
    if last.upper() != "END:VCALENDAR":
        raise FetchError(
            f"{document.url} is truncated or not iCalendar: it does not end with END:VCALENDAR"
        )
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, InvalidCalendar) as error:
        first = str(error).splitlines()[0]
        raise FetchError(f"{document.url} is not valid iCalendar: {first}") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise FetchError(f"{document.url} is not an iCalendar file (no VCALENDAR)")
    return calendar


def read_calendar(calendar: Calendar, options: _Options) -> Iterator[Item]:
    """The provider, locations and offerings of a calendar's events, in that order."""
    series, problems = _series(calendar.walk("VEVENT"))
    reader = _Reader(options)
    offerings = reader.offerings(series)
    yield options.provider
    yield from problems
    yield from reader.problems
    yield from reader.locations.values()
    yield from offerings


@dataclass(slots=True)
class _Series:
    """The events of one UID: the master (None if the calendar has only instances) and the
    instances overriding single occurrences."""

    uid: str
    master: Event | None = None
    overrides: tuple[Event, ...] = ()

    @property
    def first(self) -> Event:
        return self.master if self.master is not None else self.overrides[0]


def _series(events: Iterable[Component]) -> tuple[list[_Series], list[Problem]]:
    """Events grouped by UID, public ones only; a Problem for each unreadable event."""
    found: dict[str, _Series] = {}
    problems: list[Problem] = []
    for number, event in enumerate(events, 1):
        uid = str(event.get("UID", "")).strip()
        if not uid:
            summary = str(event.get("SUMMARY", "")).strip() or "untitled"
            reason = f"event {number} ({summary!r}) has no UID, so it has no stable id"
            problems.append(Problem("offering", None, reason))
            continue
        if str(event.get("CLASS", "PUBLIC")).upper() in _HIDDEN:
            continue
        if not isinstance(event, Event):  # pragma: no cover - walk("VEVENT") yields Events
            continue
        group = found.setdefault(uid, _Series(uid))
        if "RECURRENCE-ID" in event:
            group.overrides += (event,)
        elif group.master is None:
            group.master = event
        else:
            problems.append(Problem("offering", uid, f"UID {uid!r} is used by two events"))
    return list(found.values()), problems


class _Unreadable(ValueError):
    """An event property that cannot be read as what RFC 5545 says it holds."""


class _Reader:
    """Turns event series into offerings, collecting their locations."""

    def __init__(self, options: _Options) -> None:
        self.options = options
        self.locations: dict[str, LocationRecord] = {}
        self.problems: list[Problem] = []
        if options.location is not None:
            self.locations[options.location.external_id] = options.location

    def offerings(self, series: list[_Series]) -> list[OfferingRecord]:
        if self.options.offering is not None:
            return self._one_offering(self.options.offering, series)
        found = []
        for group in series:
            try:
                found.append(self._offering(group))
            except _Unreadable as error:
                reason = f"event {group.uid!r}: {error}"
                self.problems.append(Problem("offering", group.uid, reason))
        return found

    def _offering(self, group: _Series) -> OfferingRecord:
        event = group.first
        _check(event)
        titles = self._texts(event, "SUMMARY")
        if not titles.get("it"):
            raise _Unreadable("no Italian SUMMARY (title)")
        descriptions = self._texts(event, "DESCRIPTION")
        location = self._location(event)
        online = _is_online(event) and location is None
        status = _status(group.master)
        return OfferingRecord(
            external_id=group.uid,
            provider_external_id=self.options.provider.external_id,
            title_it=titles["it"],
            title_en=titles.get("en"),
            description_it=descriptions.get("it"),
            description_en=descriptions.get("en"),
            categories=self.options.codes(_categories(event)),
            delivery_mode=DeliveryMode.ONLINE if online else DeliveryMode.IN_PERSON,
            status=status,
            booking_url=_url(event),
            email=_email(event),
            location_external_ids=(location,) if location else (),
            schedules=self._schedules(group),
            last_modified=_last_modified(group),
        )

    def _one_offering(
        self, offering: OfferingRecord, series: list[_Series]
    ) -> list[OfferingRecord]:
        """The calendar as the schedules (opening hours) of the `offering` option.

        One unreadable event makes the whole offering a Problem: publishing the other
        hours would say it is closed when it may be open, so the last good version stays.
        """
        schedules: list[ScheduleRecord] = []
        categories: list[str] = list(offering.categories)
        locations: list[str] = []
        unreadable: list[str] = []
        for group in series:
            if _status(group.master) is OfferingStatus.WITHDRAWN:
                continue
            try:
                _check(group.first)
                found = self._schedules(group)
            except _Unreadable as error:
                unreadable.append(f"event {group.uid!r}: {error}")
                continue
            summary = str(group.first.get("SUMMARY", "")).strip() or None
            schedules += [replace(schedule, description=summary) for schedule in found]
            if not offering.categories:
                codes = self.options.codes(_categories(group.first))
                categories += [code for code in codes if code not in categories]
            location = self._location(group.first)
            if location and location not in locations:
                locations.append(location)
        if unreadable:
            reason = "an event of its hours cannot be read: " + "; ".join(unreadable)
            self.problems.append(Problem("offering", offering.external_id, reason))
            return []
        return [
            replace(
                offering,
                categories=tuple(categories) or self.options.classifier.default,
                location_external_ids=tuple(locations),
                schedules=tuple(schedules),
            )
        ]

    def _texts(self, event: Event, name: str) -> dict[str, str]:
        """A text property by language: its LANGUAGE parameter, else the source's."""
        texts: dict[str, str] = {}
        values = event.get(name)
        for value in values if isinstance(values, list) else [values]:
            if value is None or not str(value).strip():
                continue
            language = str(value.params.get("LANGUAGE", self.options.language)).lower()[:2]
            texts.setdefault(language, str(value).strip())
        return texts

    # --- places

    def _location(self, event: Event) -> str | None:
        """The id of the event's place (adding it to the locations), else the fixed one."""
        text = str(event.get("LOCATION", "")).strip()
        if _URL.match(text):
            text = ""
        geo = event.get("GEO")
        if not text and geo is None:
            fixed = self.options.location
            return fixed.external_id if fixed and not _is_online(event) else None
        record = _place(text, geo, self.options.provider.external_id)
        self.locations.setdefault(record.external_id, record)
        return record.external_id

    # --- times

    def _schedules(self, group: _Series) -> tuple[ScheduleRecord, ...]:
        schedules: list[ScheduleRecord] = []
        moved: list[datetime] = []
        for instance in group.overrides:
            _check(instance)
            recurrence = instance.get("RECURRENCE-ID")
            moved.append(self._moment(recurrence.dt, None))
            if _status(instance) is not OfferingStatus.WITHDRAWN:
                (single,) = self._event_schedules(instance, with_recurrence=False)
                summary = str(instance.get("SUMMARY", "")).strip()
                if group.master is not None and summary != str(group.master.get("SUMMARY", "")):
                    single = replace(single, description=summary or None)
                schedules.append(single)
        if group.master is None:
            return tuple(schedules)
        main, *extra = self._event_schedules(group.master, with_recurrence=True)
        main = replace(main, exdates=tuple(sorted({*main.exdates, *moved})))
        return (main, *extra, *schedules)

    def _event_schedules(self, event: Event, *, with_recurrence: bool) -> list[ScheduleRecord]:
        """The schedule of one event, and one more for each RDATE period of another length."""
        try:
            raw_start = event.start
        except IncompleteComponent:
            raise _Unreadable("no DTSTART") from None
        all_day = not isinstance(raw_start, datetime)
        start = self._moment(raw_start, None)
        end = self._end(event, start, all_day=all_day)
        zone = self._zone_name(raw_start)
        schedule = ScheduleRecord(start=start, end=end, all_day=all_day, timezone=zone)
        if not with_recurrence:
            return [schedule]
        rules = event.rrules
        if len(rules) > 1:
            raise _Unreadable("several RRULEs (deprecated by RFC 5545) are not supported")
        length = end - start if end is not None else None
        rdates: list[datetime] = []
        others: list[ScheduleRecord] = []
        for first, last in event.rdates:
            moment = self._moment(first, start)
            if last is None:
                rdates.append(moment)
                continue
            period = last if isinstance(last, timedelta) else self._moment(last, start) - moment
            if period == length:
                rdates.append(moment)
            else:
                others.append(replace(schedule, start=moment, end=moment + period))
        schedule = replace(
            schedule,
            rrule=self._rrule(rules[0]) if rules else None,
            rdates=tuple(sorted(set(rdates))),
            exdates=tuple(sorted({self._moment(value, start) for value in event.exdates})),
        )
        return [schedule, *others]

    def _end(self, event: Event, start: datetime, *, all_day: bool) -> datetime | None:
        if "DTEND" in event or "DURATION" in event:
            try:
                end = self._moment(event.end, start)
            except (IncompleteComponent, InvalidCalendar) as error:
                raise _Unreadable(f"unreadable end: {error}") from None
            return end
        return start + timedelta(days=1) if all_day else None

    def _moment(self, value: object, start: datetime | None) -> datetime:
        """An aware instant. A floating time is in the source's zone; a DATE is midnight,
        or, in the EXDATE/RDATE list of a timed event, that day at the event's time."""
        if isinstance(value, datetime):
            return value if value.tzinfo is not None else value.replace(tzinfo=self.options.zone)
        if isinstance(value, date):
            if start is not None and (start.hour, start.minute, start.second) != (0, 0, 0):
                return datetime.combine(value, start.timetz())
            return datetime.combine(value, time(), self.options.zone)
        raise _Unreadable(f"{value!r} is not a date or a date-time")

    def _zone_name(self, value: date | datetime) -> str:
        """The zone a schedule recurs in: its start's, else the source's."""
        zone: tzinfo | None = value.tzinfo if isinstance(value, datetime) else None
        key = getattr(zone, "key", None)
        return key if isinstance(key, str) else self.options.zone.key

    def _rrule(self, rule: vRecur) -> str:
        """The RRULE as text, its UNTIL in UTC (a DATE UNTIL includes its whole day)."""
        rule = vRecur(dict(rule))
        until = rule.get("UNTIL")
        if until:
            value = until[0]
            if not isinstance(value, datetime):
                value = datetime.combine(value, time(23, 59, 59), self.options.zone)
            elif value.tzinfo is None:
                value = value.replace(tzinfo=self.options.zone)
            rule["UNTIL"] = [value.astimezone(UTC)]
        text: bytes = rule.to_ical()  # type: ignore[no-untyped-call]
        return text.decode()


def _check(event: Event) -> None:
    """That the parser could read every property of an event."""
    errors = getattr(event, "errors", [])
    if errors:
        described = "; ".join(f"{name}: {message}" for name, message in errors)
        raise _Unreadable(f"unreadable properties ({described})")


def _status(event: Event | None) -> OfferingStatus:
    status = str(event.get("STATUS", "")).upper() if event is not None else ""
    return OfferingStatus.WITHDRAWN if status == "CANCELLED" else OfferingStatus.ACTIVE


def _categories(event: Event) -> list[str]:
    return [str(term) for term in event.categories]


def _url(event: Event) -> str | None:
    url = str(event.get("URL", "")).strip()
    if url:
        return url
    location = str(event.get("LOCATION", "")).strip()
    return location if _URL.match(location) else None


def _email(event: Event) -> str | None:
    organizer = str(event.get("ORGANIZER", "")).strip()
    if organizer.lower().startswith("mailto:"):
        return organizer[len("mailto:") :].strip() or None
    return None


def _is_online(event: Event) -> bool:
    return "CONFERENCE" in event or bool(_URL.match(str(event.get("LOCATION", "")).strip()))


def _last_modified(group: _Series) -> datetime | None:
    stamps = [
        event.get("LAST-MODIFIED").dt
        for event in (group.master, *group.overrides)
        if event is not None and event.get("LAST-MODIFIED") is not None
    ]
    aware = [stamp for stamp in stamps if isinstance(stamp, datetime) and stamp.tzinfo]
    return max(aware) if aware else None


def _place(text: str, geo: object, provider_id: str) -> LocationRecord:
    """A location from a LOCATION text (`name, street, CAP city (province)`) and GEO."""
    parts = [part.strip() for part in text.split(",") if part.strip()]
    cap = city = province = None
    if parts and (match := _CAP_CITY.search(parts[-1])):
        cap, city, province = match.group(1), match.group(2).strip(), match.group(3)
        rest = parts[-1][: match.start()].strip()
        parts = parts[:-1] + ([rest] if rest else [])
    street_at = next((n for n, part in enumerate(parts) if _STREET.match(part)), None)
    if street_at is None and cap is not None and len(parts) > 1:
        street_at = len(parts) - 1  # "Spazio Isola, Pollaiuolo 5, 20159 Milano"
    name = ", ".join(parts[:street_at] if street_at is not None else parts) or None
    address = ", ".join(parts[street_at:]) if street_at is not None else None
    latitude, longitude = (geo.latitude, geo.longitude) if geo is not None else (None, None)  # type: ignore[attr-defined]
    if address:
        external_id = address_id(address, cap)
    elif latitude is not None:
        external_id = f"geo:{latitude:.5f},{longitude:.5f}"
    else:
        external_id = "place-" + "-".join(fold(text).split())
    return LocationRecord(
        external_id=external_id,
        provider_external_id=provider_id,
        name=name,
        address=address,
        cap=cap,
        city=city,
        province=province,
        latitude=latitude,
        longitude=longitude,
    )
