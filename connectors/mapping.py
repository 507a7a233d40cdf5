"""How a source's own words become the hub's: one vocabulary for every connector kind.

Connectors differ in how they read a format; how the terms they find become areas and
categories, and how an organisation is identified, is decided here, from the same options
of a source's `[[source]]` table whatever its kind:

- `categories` (table): a term of the source's own taxonomy -> a category code of the hub
  (`coworking`), an area (`WORK_SERVICES`: the area's general category), or a list of them.
  A term is matched by any form the format gives it (a code, a label, a URI, an id),
  ignoring case, accents and punctuation: `"Attività motoria"` matches `attivita-motoria`.
  A term that is itself a hub category code or an area needs no entry.
- `category` (string or list): what an offering none of whose terms map gets (a code or an
  area); without it such an offering is quarantined ("offering has no category").
- `provider_identity` (list): the fields that identify an organisation, in order of
  preference: the first one present is its id. An entry that is itself a list composes
  several fields (`[["vatID", "name"]]`). Each kind documents the field names it knows
  (`@id`, `identifier`, `vatID`, `taxID`, `url`, `name` for JSON-LD organisations).

- `fixed` (table): values every record of the source gets, whatever it says, and
  `defaults` (table): values for the records that do not say. Keys: `city`, `province`,
  `cap` (locations); `languages` (a code or a list), `delivery_mode` (`IN_PERSON`,
  `ONLINE`, `AT_HOME`), `booking_url` (offerings); `alliance_member`, `legal_form`
  (providers). A record always has a delivery mode and an alliance membership, so those
  two can only be fixed. (A spreadsheet's `defaults` may also name its own columns'
  fields: see connectors.csv.)

Terms the table does not name are counted, and the sync run reports them with their counts
(`SyncRun.unmappedTerms`), so that an operator sees what to add.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from connectors.config import ConfigError
from models.enums import Area, DeliveryMode
from models.records import LocationRecord, OfferingRecord, ProviderRecord, Record
from models.taxonomy import CATEGORY_INFO, GENERAL_CATEGORY
from models.text import fold

R = TypeVar("R", bound=Record)

# At most this many distinct unmapped terms are counted per run (the rest are not
# listed): a feed of free-text tags must not grow the run's memory with its size.
MAX_UNMAPPED = 200

# One term of a source, in the forms its format gives (code, label, URI...); the first
# non-empty one is how the run reports it when none maps.
Term = Sequence[str | None]


def target_codes(value: object, what: str) -> tuple[str, ...]:
    """Category codes from a mapping's value: a code, an area name, or a list of them
    (an area stands for its general category)."""
    listed = [value] if isinstance(value, str) else value
    if not isinstance(listed, list | tuple) or not listed:
        raise ConfigError(f"{what} must be a category code, an area, or a list of them")
    codes: list[str] = []
    for item in listed:
        code = _code(item)
        if code is None:
            areas = ", ".join(area.value for area in Area)
            raise ConfigError(
                f"{what}: {item!r} is neither a category code of the taxonomy nor an area ({areas})"
            )
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def _code(item: object) -> str | None:
    if not isinstance(item, str):
        return None
    if item in CATEGORY_INFO:
        return item
    try:
        return GENERAL_CATEGORY[Area(item.strip().upper())]
    except ValueError:
        return None


def _key(term: str) -> str:
    return fold(term)


@dataclass(slots=True)
class Classifier:
    """A source's terms -> hub category codes, counting the terms it could not map."""

    table: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default: tuple[str, ...] = ()
    # Unmapped terms (as first written) and how many records carried them; spellings
    # that fold to the same key count as one term.
    unmapped: Counter[str] = field(default_factory=Counter)
    _spellings: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, options: Mapping[str, object]) -> Classifier:
        """The classifier of a source's `categories` and `category` options; ConfigError
        (without the source's name: each connector adds it) when they are malformed."""
        legacy = options.get("values")
        for old in ("category", "categories"):
            if isinstance(legacy, dict) and old in legacy:
                raise ConfigError(
                    f"the table 'values.{old}' is now the option 'categories' (one"
                    " vocabulary for every kind: see the README, Sources)"
                )
        table = options.get("categories", {})
        if not isinstance(table, dict):
            raise ConfigError(
                "option 'categories' must be a table of source terms to category codes or areas"
            )
        mapped: dict[str, tuple[str, ...]] = {}
        for term, value in table.items():
            key = _key(str(term))
            if not key:
                raise ConfigError("option 'categories' has an empty term")
            codes = target_codes(value, f"'categories.{term}'")
            mapped[key] = tuple(dict.fromkeys(mapped.get(key, ()) + codes))
        default = options.get("category")
        fallback = () if default is None else target_codes(default, "option 'category'")
        return cls(mapped, fallback)

    def classify(self, terms: Iterable[Term], given: Iterable[str] = ()) -> tuple[str, ...]:
        """The category codes of a record's terms, after the hub codes its format states
        itself (`given`, kept as they are: validation rejects unknown ones); the default
        when there are none. A general category is dropped when a finer category of its
        area is there too."""
        codes = list(given)
        for forms in terms:
            found = self._lookup(forms)
            if found:
                codes += found
                continue
            shown = next((form.strip() for form in forms if form and form.strip()), None)
            if shown is not None:
                self._count_unmapped(shown)
        if not codes:
            codes = list(self.default)
        return _finest(codes)

    def _count_unmapped(self, term: str) -> None:
        key = _key(term) or term
        spelling = self._spellings.get(key)
        if spelling is None:
            if len(self._spellings) >= MAX_UNMAPPED:
                return
            spelling = self._spellings[key] = term
        self.unmapped[spelling] += 1

    def _lookup(self, forms: Term) -> tuple[str, ...]:
        """The table's codes for the first form it names; else a form that is itself a
        hub category code or an area."""
        for form in forms:
            if form and (codes := self.table.get(_key(form))):
                return codes
        for form in forms:
            if form and (code := _code(form.strip().casefold())):
                return (code,)
        return ()


def _finest(codes: list[str]) -> tuple[str, ...]:
    unique = list(dict.fromkeys(codes))
    specific = {
        CATEGORY_INFO[code].area
        for code in unique
        if code in CATEGORY_INFO and code not in _GENERAL_CODES
    }
    return tuple(
        code
        for code in unique
        if code not in _GENERAL_CODES or CATEGORY_INFO[code].area not in specific
    )


_GENERAL_CODES = frozenset(GENERAL_CATEGORY.values())


Field = tuple[str, ...]


def identity_order(value: object, what: str, known: Iterable[str]) -> tuple[Field, ...]:
    """The `provider_identity` option: field names (or lists of them, composed) in order of
    preference, each one of `known`."""
    allowed = set(known)
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{what} must be a list of field names (a list in it composes fields)")
    order: list[Field] = []
    for entry in value:
        names = (entry,) if isinstance(entry, str) else entry
        if (
            not isinstance(names, list | tuple)
            or not names
            or not all(isinstance(name, str) for name in names)
        ):
            raise ConfigError(f"{what}: {entry!r} is not a field name or a list of them")
        unknown = sorted(set(names) - allowed)
        if unknown:
            raise ConfigError(
                f"{what}: unknown field(s) {', '.join(map(repr, unknown))}"
                f" (known: {', '.join(sorted(allowed))})"
            )
        order.append(tuple(names))
    return tuple(order)


def identify(values: Mapping[str, str | None], order: Sequence[Field]) -> str | None:
    """The identity `order` gives: the first entry whose fields all have a value (a
    composed entry joins them with `|`); None when no entry has."""
    for names in order:
        parts = [(values.get(name) or "").strip() for name in names]
        if all(parts):
            return "|".join(parts)
    return None


# What `fixed` and `defaults` may set: option key -> the record kind and its attribute.
SETTABLE: dict[str, tuple[type[Record], str]] = {
    "city": (LocationRecord, "city"),
    "province": (LocationRecord, "province"),
    "cap": (LocationRecord, "cap"),
    "languages": (OfferingRecord, "languages"),
    "delivery_mode": (OfferingRecord, "delivery_mode"),
    "booking_url": (OfferingRecord, "booking_url"),
    "alliance_member": (ProviderRecord, "alliance_member"),
    "legal_form": (ProviderRecord, "legal_form"),
}
# Attributes every record has a value for: a default could never apply.
_ALWAYS_SET = frozenset({"delivery_mode", "alliance_member"})


@dataclass(frozen=True, slots=True)
class RecordValues:
    """A source's `fixed` and `defaults` options, applied to every record it yields."""

    # Record class name -> attribute -> value.
    fixed: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, options: Mapping[str, object], own: Iterable[str] = ()) -> RecordValues:
        """The options' values; `own` names the keys of `defaults` the connector applies
        itself (a spreadsheet's fields), which are left to it. ConfigError (without the
        source's name) when malformed."""
        fixed = _settable(options.get("fixed"), "fixed", frozenset())
        defaults = _settable(options.get("defaults"), "defaults", frozenset(own))
        never = sorted(_ALWAYS_SET & {a for values in defaults.values() for a in values})
        if never:
            raise ConfigError(
                f"'defaults.{never[0]}': every record has one already; use 'fixed' instead"
            )
        return cls(fixed, defaults)

    def __bool__(self) -> bool:
        return bool(self.fixed or self.defaults)

    def apply(self, record: R) -> R:
        """The record with the fixed values, and the defaults where it has no value."""
        kind = type(record).__name__
        changes = {
            name: value
            for name, value in self.defaults.get(kind, {}).items()
            if getattr(record, name) in (None, "", ())
        }
        changes.update(self.fixed.get(kind, {}))
        return replace(record, **changes) if changes else record


def _settable(value: object, option: str, own: frozenset[str]) -> dict[str, dict[str, Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"option '{option}' must be a table")
    found: dict[str, dict[str, Any]] = {}
    for key, given in value.items():
        if key in own:
            continue  # the connector applies it
        if key not in SETTABLE:
            known = ", ".join(sorted(SETTABLE | dict.fromkeys(own)))
            raise ConfigError(f"'{option}' names unknown field {key!r} (known: {known})")
        kind, attribute = SETTABLE[key]
        found.setdefault(kind.__name__, {})[attribute] = _setting(key, given, f"'{option}.{key}'")
    return found


def _setting(key: str, value: object, what: str) -> object:
    """An option's value as the record attribute holds it."""
    if key == "alliance_member":
        if not isinstance(value, bool):
            raise ConfigError(f"{what} must be true or false")
        return value
    if key == "languages":
        codes = [value] if isinstance(value, str) else value
        if (
            not isinstance(codes, list)
            or not codes
            or not all(isinstance(c, str) and c.strip() for c in codes)
        ):
            raise ConfigError(f"{what} must be a language code or a list of them")
        return tuple(code.strip().lower() for code in codes)
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{what} must be a non-blank string")
    if key == "delivery_mode":
        try:
            return DeliveryMode(value.strip().upper())
        except ValueError:
            modes = ", ".join(mode.value for mode in DeliveryMode)
            raise ConfigError(f"{what} must be one of {modes}, not {value!r}") from None
    return value.strip()
