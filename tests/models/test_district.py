from __future__ import annotations

import pytest

from models.district import DISTRICT_BOUNDS, in_district

(SOUTH, WEST), (NORTH, EAST) = DISTRICT_BOUNDS


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (45.4887, 9.1885),  # piazzale Archinto, in the middle of Isola
        (SOUTH, WEST),
        (NORTH, EAST),
    ],
)
def test_coordinates_inside_the_box_are_in_the_district(latitude: float, longitude: float) -> None:
    assert in_district(None, latitude, longitude) is True


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [
        (45.4642, 9.1900),  # Duomo, south of the box
        (SOUTH - 0.0001, 9.19),
        (NORTH + 0.0001, 9.19),
        (45.49, WEST - 0.0001),
        (45.49, EAST + 0.0001),
    ],
)
def test_coordinates_outside_the_box_are_not_in_the_district(
    latitude: float, longitude: float
) -> None:
    assert in_district(None, latitude, longitude) is False


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
