"""The Isola-Garibaldi urban district (Distretto Urbano del Commercio) the alliance serves."""

from __future__ import annotations

# Postal codes of the district: a location's CAP decides (its coordinates only when it has
# none; a source's coordinates are often a geocoder's guess, its address is what it says).
DISTRICT_CAPS: frozenset[str] = frozenset({"20159"})

# A bounding box drawn around the Isola neighbourhood and Porta Garibaldi
# (south-west corner, north-east corner), in WGS84 degrees.
DISTRICT_BOUNDS: tuple[tuple[float, float], tuple[float, float]] = (
    (45.4815, 9.1790),
    (45.4960, 9.2000),
)


def in_district(cap: str | None, latitude: float | None, longitude: float | None) -> bool:
    """Whether a location lies in the district: by its CAP when it has one, else by its
    coordinates."""
    if cap is not None and cap.strip():
        return cap.strip() in DISTRICT_CAPS
    if latitude is not None and longitude is not None:
        (south, west), (north, east) = DISTRICT_BOUNDS
        return south <= latitude <= north and west <= longitude <= east
    return False
