"""Locations: loading by id."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col

from models import Location
from resolvers.queries import Sessions, by_key, fetch_all, read_select


async def locations_by_id(sessions: Sessions, ids: Sequence[int]) -> list[Location | None]:
    rows = await fetch_all(sessions, read_select(Location).where(col(Location.id).in_(ids)))
    return by_key(ids, rows, lambda location: location.id)
