"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import SQLModel


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp; SQLite stores it naive, this restores the zone."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(
        self,
        value: datetime | None,
        dialect: Dialect,  # noqa: ARG002
    ) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_type: type[enum.Enum]) -> Any:
    """A string column holding an enum's values (no native PostgreSQL enum type to migrate)."""
    return sa.Enum(
        enum_type,
        native_enum=False,
        length=max(len(member.value) for member in enum_type),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def utc_now() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def row_id(value: int | None) -> int:
    """The primary key of a row that has been flushed (SQLModel types it as optional)."""
    if value is None:
        raise RuntimeError("the row has no primary key yet; flush it first")
    return value


def table_of(model: type[SQLModel]) -> sa.Table:
    """The Core table of a SQLModel table class (SQLModel does not type `__table__`)."""
    table: sa.Table = model.__table__  # type: ignore[attr-defined]
    return table


# The district's time zone: the hub's days (validity, "today") are its days.
HUB_ZONE = ZoneInfo("Europe/Rome")


def local_today() -> date:
    """Today in Milan."""
    return datetime.now(HUB_ZONE).date()
