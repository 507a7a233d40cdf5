"""Open Referral HSDS 3 connector: a JSON bundle of organizations, services, locations and
service_at_locations (HSDS 3.0 objects, https://docs.openreferral.org/en/v3.0/).

Concilia extensions live in a `concilia` object on organizations (`alliance_member`,
`ateco_code`) and services (`name_en`, `description_en`, `delivery_mode`,
`beneficiary_discount_percent`); categories are service attributes whose taxonomy term
belongs to the `concilia-categories` taxonomy.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import orjson

from connectors.config import SourceConfig
from connectors.fetch import Fetcher, FetchError, Validators
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
)
from models.enums import DeliveryMode, OfferingStatus

CATEGORY_TAXONOMY = "concilia-categories"

# HSDS 3 service.status -> offering status.
_STATUS = {
    "active": OfferingStatus.ACTIVE,
    "temporarily closed": OfferingStatus.SUSPENDED,
    "inactive": OfferingStatus.WITHDRAWN,
    "defunct": OfferingStatus.WITHDRAWN,
}

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

    async def records(self) -> AsyncIterator[Item]:
        """Providers first, then locations, then offerings, so references resolve in order.

        A bundle served with an ETag or Last-Modified is fetched conditionally next time;
        an unchanged one raises NotModified before any record is read.
        """
        document = await self.fetcher.read(self.source, self.validators)
        bundle = _parse(document.content)
        sites = defaultdict[str, list[str]](list)
        for link in _objects(bundle, "service_at_locations"):
            if isinstance(link.get("service_id"), str) and isinstance(link.get("location_id"), str):
                sites[link["service_id"]].append(link["location_id"])
        for provider in _convert(_objects(bundle, "organizations"), "provider", provider_record):
            yield provider
        for location in _convert(_objects(bundle, "locations"), "location", location_record):
            yield location
        services = _objects(bundle, "services")
        for offering in _convert(services, "offering", lambda s: offering_record(s, sites)):
            yield offering
        yield Checkpoint(document.validators.state())


def _parse(document: bytes) -> Json:
    try:
        bundle = orjson.loads(document)
    except orjson.JSONDecodeError as error:
        raise FetchError(f"the HSDS bundle is not valid JSON: {error}") from None
    if not isinstance(bundle, dict):
        raise FetchError("the HSDS bundle is not a JSON object")
    missing = [
        key for key in ("organizations", "services") if not isinstance(bundle.get(key), list)
    ]
    if missing:
        raise FetchError(f"the HSDS bundle lacks the array(s): {', '.join(missing)}")
    return bundle


def _objects(bundle: Json, key: str) -> list[Json]:
    items = bundle.get(key) or []
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


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
    phones = [
        p["number"] for p in org.get("phones") or [] if isinstance(p, dict) and p.get("number")
    ]
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
        phone=str(phones[0]) if phones else None,
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


def offering_record(service: Json, sites: Mapping[str, list[str]]) -> OfferingRecord:
    """An HSDS service as an offering."""
    extension = _extension(service)
    status = _STATUS.get(str(service.get("status", "active")).lower())
    if status is None:
        raise ValueError(f"unknown service status {service.get('status')!r}")
    locations = tuple(dict.fromkeys(sites.get(service["id"], ())))
    mode = extension.get("delivery_mode")
    if mode is None:
        mode = DeliveryMode.IN_PERSON if locations else DeliveryMode.ONLINE
    discount = extension.get("beneficiary_discount_percent")
    return OfferingRecord(
        external_id=service["id"],
        provider_external_id=service["organization_id"],
        title_it=_text(service, "name") or "",
        title_en=_text(extension, "name_en"),
        description_it=_text(service, "description"),
        description_en=_text(extension, "description_en"),
        categories=_categories(service),
        delivery_mode=DeliveryMode(mode),
        status=status,
        languages=_languages(service),
        cost_options=tuple(_cost_option(o) for o in service.get("cost_options") or []),
        beneficiary_discount_percent=int(discount) if discount is not None else None,
        booking_url=_text(service, "url"),
        email=_text(service, "email"),
        location_external_ids=locations,
        last_modified=_datetime(service.get("last_modified")),
    )


def _categories(service: Json) -> tuple[str, ...]:
    codes = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") if isinstance(attribute, dict) else None
        if (
            isinstance(term, dict)
            and term.get("taxonomy") == CATEGORY_TAXONOMY
            and term.get("code")
        ):
            codes.append(str(term["code"]))
    return tuple(dict.fromkeys(codes))


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
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        raise ValueError(f"cost option amount {amount!r} is not a number") from None
    if not value.is_finite():
        raise ValueError(f"cost option amount {amount!r} is not a number")
    return int((value * 100).quantize(Decimal(1)))


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
