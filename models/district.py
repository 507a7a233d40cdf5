"""The district the alliance serves: CAP 20159 and the outline of Milan's NIL ISOLA.

The outline is the Comune di Milano's open data (NIL of the PGT Milano 2030, CC BY 4.0);
`models/data/README.md` says where it was taken from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

# Postal codes of the district: a location's CAP decides (its coordinates only when it has
# none; a source's coordinates are often a geocoder's guess, its address is what it says).
DISTRICT_CAPS: frozenset[str] = frozenset({"20159"})

# GeoJSON, WGS84 (longitude, latitude), shipped with the package.
OUTLINE_FILE = Path(__file__).resolve().parent / "data" / "isola.geojson"

# How far from an edge, in degrees (about 0.1 mm), a point is on it: a point on the
# boundary is inside, and float rounding must not decide which side it falls.
_ON_EDGE = 1e-9

Position = tuple[float, float]  # (longitude, latitude), GeoJSON's order
Ring = tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class Outline:
    """Every ring of an area's polygons (outer rings and holes alike) and their extent."""

    rings: tuple[Ring, ...]
    west: float
    south: float
    east: float
    north: float

    def contains(self, longitude: float, latitude: float) -> bool:
        """Ray casting with the even-odd rule over all rings, so holes and the parts of a
        MultiPolygon count right with no case of their own; the boundary is inside."""
        if not (self.west <= longitude <= self.east and self.south <= latitude <= self.north):
            return False
        inside = False
        for ring in self.rings:
            for start, end in pairwise(ring):
                if _on_edge(longitude, latitude, start, end):
                    return True
                if _crosses(longitude, latitude, start, end):
                    inside = not inside
        return inside


def in_district(cap: str | None, latitude: float | None, longitude: float | None) -> bool:
    """Whether a location lies in the district: by its CAP when it has one, else by its
    coordinates."""
    if cap is not None and cap.strip():
        return cap.strip() in DISTRICT_CAPS
    if latitude is not None and longitude is not None:
        return district_outline().contains(longitude, latitude)
    return False


@cache
def district_outline() -> Outline:
    """The district's outline, read from `OUTLINE_FILE` once."""
    return load_outline(OUTLINE_FILE)


def load_outline(path: Path) -> Outline:
    """The Polygon and MultiPolygon geometries of a GeoJSON FeatureCollection, as one area."""
    collection = json.loads(path.read_text(encoding="utf-8"))
    rings: list[Ring] = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        if geometry["type"] == "Polygon":
            polygons = [geometry["coordinates"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["coordinates"]
        else:
            raise ValueError(f"{path}: a {geometry['type']} is not an area")
        rings += [
            tuple((float(lon), float(lat)) for lon, lat, *_ in ring)
            for polygon in polygons
            for ring in polygon
        ]
    if not rings:
        raise ValueError(f"{path}: no polygon")
    longitudes = [lon for ring in rings for lon, _ in ring]
    latitudes = [lat for ring in rings for _, lat in ring]
    return Outline(tuple(rings), min(longitudes), min(latitudes), max(longitudes), max(latitudes))


def _crosses(x: float, y: float, start: Position, end: Position) -> bool:
    """Whether the ray from (x, y) towards growing x crosses the edge (half-open in y, so
    a ray through a vertex counts once)."""
    (x1, y1), (x2, y2) = start, end
    return (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1)


def _on_edge(x: float, y: float, start: Position, end: Position) -> bool:
    (x1, y1), (x2, y2) = start, end
    if not (min(x1, x2) - _ON_EDGE <= x <= max(x1, x2) + _ON_EDGE):
        return False
    if not (min(y1, y2) - _ON_EDGE <= y <= max(y1, y2) + _ON_EDGE):
        return False
    cross = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
    return abs(cross) <= _ON_EDGE * max(abs(x2 - x1), abs(y2 - y1), _ON_EDGE)
