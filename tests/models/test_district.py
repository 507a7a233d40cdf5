from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from models.district import OUTLINE_FILE, district_outline, in_district, load_outline

# Points are (latitude, longitude) like in_district's arguments; GeoJSON has them the other
# way round. Each was checked against the NIL outline: those inside are 100 m or more from
# its edge, those outside 80 m or more.


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (45.4887, 9.1885),  # piazzale Archinto, in the middle of Isola
        (45.4882, 9.1903),  # via Borsieri, Isola's high street
        (45.4917, 9.1894),  # Santa Maria alla Fontana, in the north of Isola
        (45.4856, 9.1903),  # Bosco Verticale, via de Castillia: Isola's south edge is past it
        # Isola's north tip, beyond the bounding box that decided before (north edge 45.4960)
        (45.4966, 9.1869),
    ],
)
def test_coordinates_inside_isola_are_in_the_district(latitude: float, longitude: float) -> None:
    assert in_district(None, latitude, longitude) is True


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        # The corners of the bounding box that decided before: none of them is in Isola,
        # each lies in another NIL of the same dataset.
        (45.4815, 9.1790),  # south-west corner, in NIL Sarpi
        (45.4815, 9.2000),  # south-east corner, in NIL Stazione Centrale - Ponte Seveso
        (45.4960, 9.1790),  # north-west corner, in NIL Farini
        (45.4960, 9.2000),  # north-east corner, in NIL Maciachini - Maggiolina
        # Places that were inside the box but are not in Isola.
        (45.4844, 9.1872),  # Stazione Porta Garibaldi, in NIL Porta Garibaldi - Porta Nuova
        (45.4839, 9.1897),  # piazza Gae Aulenti, likewise
        (45.4856, 9.1800),  # Cimitero Monumentale, in NIL Sarpi
    ],
)
def test_coordinates_in_the_old_box_but_not_in_isola_are_not_in_the_district(
    latitude: float, longitude: float
) -> None:
    """The bounding box drawn around Isola took in parts of four other NIL; these points
    were in the district by it and are not by the outline."""
    assert in_district(None, latitude, longitude) is False


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (45.4642, 9.1900),  # Duomo
        (45.5395, 9.2305),  # viale Gramsci, Sesto San Giovanni
        (9.1885, 45.4887),  # piazzale Archinto with latitude and longitude swapped
        (0.0, 0.0),
    ],
)
def test_coordinates_far_away_are_not_in_the_district(latitude: float, longitude: float) -> None:
    assert in_district(None, latitude, longitude) is False


def test_the_outline_is_the_nil_isola_of_the_open_data() -> None:
    collection = json.loads(OUTLINE_FILE.read_text(encoding="utf-8"))
    (feature,) = collection["features"]
    assert (feature["properties"]["NIL"], feature["properties"]["ID_NIL"]) == ("ISOLA", 11)
    (ring,) = district_outline().rings
    assert (len(ring), ring[0] == ring[-1]) == (58, True)


def test_points_on_the_boundary_are_in_the_district() -> None:
    (ring,) = district_outline().rings
    for (lon1, lat1), (lon2, lat2) in pairwise(ring):
        assert in_district(None, lat1, lon1) is True
        assert in_district(None, (lat1 + lat2) / 2, (lon1 + lon2) / 2) is True


def test_just_past_the_northernmost_vertex_is_outside() -> None:
    (ring,) = district_outline().rings
    longitude, latitude = max(ring, key=lambda position: position[1])
    assert in_district(None, latitude, longitude) is True
    assert in_district(None, latitude + 0.000001, longitude) is False  # about 10 cm north


def test_holes_and_the_parts_of_a_multipolygon_count(tmp_path: Path) -> None:
    square = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]
    hole = [[1, 1], [1, 2], [2, 2], [2, 1], [1, 1]]
    island = [[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]
    geometry = {"type": "MultiPolygon", "coordinates": [[square, hole], [island]]}
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"geometry": geometry}]}))
    outline = load_outline(path)

    assert outline.contains(3, 3) is True
    assert outline.contains(1.5, 1.5) is False  # in the hole
    assert outline.contains(1, 1.5) is True  # on the hole's edge: the boundary is inside
    assert outline.contains(10.5, 10.5) is True
    assert outline.contains(7, 7) is False  # between the parts, inside their extent


def test_an_outline_that_is_not_an_area_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "line.geojson"
    line = {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{"geometry": line}]}))
    with pytest.raises(ValueError, match="LineString is not an area"):
        load_outline(path)


def test_a_cap_wins_over_coordinates() -> None:
    """A location's CAP is what its source says; coordinates are often a geocoder's guess."""
    assert in_district("20159", 45.4642, 9.1900) is True
    # the reported case: coordinates inside the district, CAP outside it
    assert in_district("20124", 45.4870, 9.1880) is False


@pytest.mark.parametrize(
    ("cap", "expected"),
    [("20159", True), (" 20159 ", True), ("20121", False), (None, False)],
)
def test_without_coordinates_the_cap_decides(cap: str | None, expected: bool) -> None:
    assert in_district(cap, None, None) is expected


def test_half_coordinates_fall_back_to_the_cap() -> None:
    assert in_district("20159", 45.4642, None) is True
    assert in_district("20121", None, 9.19) is False
