"""Scalars whose output the hub writes its own way: times in Rome's offset."""

from __future__ import annotations

from datetime import UTC, datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from models.types import HUB_ZONE


def rome_time(value: datetime) -> str:
    """An instant as ISO 8601 with the UTC offset Europe/Rome has at that instant (+01:00,
    or +02:00 in summer time, which the zone's rules say starts and ends on the last
    Sundays of March and October): the clock of the district, not of the server."""
    # Stored times are UTC (models.types.UTCDateTime); a value without a zone is one.
    aware = value if value.utcoffset() is not None else value.replace(tzinfo=UTC)
    try:
        return aware.astimezone(HUB_ZONE).isoformat()
    except OverflowError:  # an hour before datetime.max in UTC is past it in Rome
        return aware.astimezone(UTC).isoformat()


# Inputs are read as strawberry reads them (any offset; a naive time is refused by the
# resolvers that take one, with BAD_USER_INPUT), only the output changes.
DATE_TIME = ScalarDefinition(
    name="DateTime",
    description=(
        "A date and time, ISO 8601 with a UTC offset. Answers give Europe/Rome's offset at "
        "that instant (2026-01-10T08:00:00+01:00, 2026-05-04T09:30:00+02:00); arguments may "
        "use any offset."
    ),
    specified_by_url=None,
    serialize=rome_time,
    parse_value=DateTimeDefinition.parse_value,
    parse_literal=None,
    origin=datetime,
)

SCALARS: dict[object, ScalarDefinition] = {datetime: DATE_TIME}
