"""Options several connectors read from a source's `[[source]]` table the same way.

Errors are ConfigErrors without the source's name: each connector adds it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.config import ConfigError
from connectors.records import ProviderRecord
from models.taxonomy import CATEGORY_INFO

PROVIDER_KEYS = frozenset(
    [
        "id",
        "name",
        "vat_number",
        "alliance_member",
        "legal_form",
        "ateco_code",
        "description",
        "website",
        "email",
        "phone",
    ]
)


def option_table(value: object, what: str) -> dict[str, object]:
    """A TOML table (a dict with string keys), else ConfigError naming `what`."""
    if not isinstance(value, dict) or not all(isinstance(key, str) for key in value):
        raise ConfigError(f"{what} must be a table")
    return value


def keyed_table(value: object, name: str, keys: frozenset[str]) -> dict[str, object]:
    """The option table `name`, which may hold only `keys`."""
    fields = option_table(value, f"'{name}'")
    unknown = sorted(set(fields) - keys)
    if unknown:
        raise ConfigError(f"'{name}' has unknown key(s) {names(unknown)}")
    return fields


def names(values: Iterable[str]) -> str:
    """Names quoted and comma-separated, for messages."""
    return ", ".join(repr(value) for value in values)


def category_codes(value: object, what: str) -> tuple[str, ...]:
    """A hub category code or a list of them."""
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list | tuple) or not all(isinstance(c, str) for c in codes):
        raise ConfigError(f"{what} must be a category code or a list of them")
    unknown = [code for code in codes if code not in CATEGORY_INFO]
    if unknown:
        raise ConfigError(f"{what} names unknown categor(ies) {names(unknown)}")
    return tuple(codes)


def fixed_provider(value: object) -> ProviderRecord | None:
    """The `provider` option: the one organisation behind a source whose documents do not
    name it, `{id, name, vat_number, alliance_member, legal_form, ateco_code, description,
    website, email, phone}`; None when the option is absent."""
    if value is None:
        return None
    fields = keyed_table(value, "provider", PROVIDER_KEYS)
    member = fields.get("alliance_member", False)
    if not isinstance(member, bool):
        raise ConfigError("'provider.alliance_member' must be true or false")
    keys = PROVIDER_KEYS - {"alliance_member"}
    text = {key: optional_text(fields, "provider", key) for key in keys}
    external_id, name = text["id"], text["name"]
    if external_id is None or name is None:
        raise ConfigError("'provider' needs an id and a name")
    return ProviderRecord(
        external_id=external_id,
        name=name,
        legal_form=text["legal_form"],
        vat_number=text["vat_number"],
        alliance_member=member,
        ateco_code=text["ateco_code"],
        description=text["description"],
        website=text["website"],
        email=text["email"],
        phone=text["phone"],
    )


def optional_text(fields: Mapping[str, object], table: str, key: str) -> str | None:
    """A string value of an option table, stripped; None when absent or blank."""
    value = fields.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"'{table}.{key}' must be a string")
    return value.strip() or None if value is not None else None


def zone_option(options: Mapping[str, object]) -> ZoneInfo:
    """The `timezone` option: the zone of the source's local times (default
    Europe/Rome)."""
    name = options.get("timezone", "Europe/Rome")
    try:
        return ZoneInfo(str(name))
    except (TypeError, ValueError, OSError, ZoneInfoNotFoundError):
        raise ConfigError(
            f"option 'timezone' must be an IANA time zone such as 'Europe/Rome', not {name!r}"
        ) from None
