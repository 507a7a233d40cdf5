"""The mapping layer every connector shares: source terms -> areas and categories, and
identities in a declared order (connectors.mapping)."""

from __future__ import annotations

import pytest

from connectors.config import ConfigError
from connectors.mapping import MAX_UNMAPPED, Classifier, identify, identity_order
from models.enums import Area
from models.taxonomy import CATEGORY_INFO, GENERAL_CATEGORY


def test_every_area_has_a_general_category_of_that_area() -> None:
    assert set(GENERAL_CATEGORY) == set(Area)
    for area, code in GENERAL_CATEGORY.items():
        assert CATEGORY_INFO[code].area is area


def test_terms_match_ignoring_case_accents_and_punctuation() -> None:
    classifier = Classifier.of({"categories": {"Attività motoria": "fitness-sport"}})

    assert classifier.classify([("ATTIVITA-MOTORIA",)]) == ("fitness-sport",)
    assert classifier.classify([("attività  motoria",)]) == ("fitness-sport",)
    assert not classifier.unmapped


def test_a_term_is_matched_by_any_of_its_forms() -> None:
    classifier = Classifier.of(
        {"categories": {"https://tax.example/terms/77": "coworking", "Sala": "meeting-rooms"}}
    )

    assert classifier.classify([("T77", "Desk", "https://tax.example/terms/77")]) == ("coworking",)
    assert classifier.classify([(None, "sala")]) == ("meeting-rooms",)


def test_an_area_maps_to_its_general_category() -> None:
    classifier = Classifier.of({"categories": {"Welfare": "WORK_SERVICES", "Cura": "family_care"}})

    assert classifier.classify([("welfare",)]) == ("work-services",)
    assert classifier.classify([("Cura",)]) == ("family-care",)


def test_a_general_category_gives_way_to_a_finer_one_of_its_area() -> None:
    classifier = Classifier.of({"categories": {"Lavoro": "WORK_SERVICES", "Desk": "coworking"}})

    assert classifier.classify([("Lavoro",), ("Desk",)]) == ("coworking",)
    # of another area it stays: validation then refuses the two areas
    assert Classifier.of({"categories": {"Lavoro": "HEALTH_WELLBEING"}}).classify(
        [("Lavoro",)], ["coworking"]
    ) == ("coworking", "health-wellbeing")


def test_a_term_that_is_a_hub_code_or_an_area_needs_no_entry() -> None:
    classifier = Classifier()

    assert classifier.classify([("Coworking",), ("LEISURE_WORK_LIFE",)]) == (
        "coworking",
        "leisure-work-life",
    )


def test_unmapped_terms_are_counted_and_the_default_applies() -> None:
    classifier = Classifier.of({"categories": {"Yoga": "mind-body"}, "category": "culture"})

    assert classifier.classify([("Yoga",), ("Padel",)]) == ("mind-body",)
    assert classifier.classify([("Padel",)]) == ("culture",)
    assert classifier.classify([(None, "Scacchi", "urn:x")]) == ("culture",)
    assert classifier.unmapped == {"Padel": 2, "Scacchi": 1}


def test_given_codes_come_first_and_are_kept_as_they_are() -> None:
    classifier = Classifier.of({"categories": {"Yoga": "mind-body"}})

    assert classifier.classify([("Yoga",)], ["no-such-code"]) == ("no-such-code", "mind-body")


def test_the_count_of_distinct_unmapped_terms_is_bounded() -> None:
    classifier = Classifier()
    for n in range(MAX_UNMAPPED + 50):
        classifier.classify([(f"tag {n}",)])
    classifier.classify([("tag 0",)])

    assert len(classifier.unmapped) == MAX_UNMAPPED
    assert classifier.unmapped["tag 0"] == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"categories": ["Yoga"]}, "option 'categories' must be a table"),
        ({"categories": {"Yoga": "yoga"}}, "'categories.Yoga': 'yoga' is neither"),
        ({"categories": {"Yoga": []}}, "must be a category code, an area, or a list"),
        ({"categories": {" ": "mind-body"}}, "an empty term"),
        ({"category": "HEALTH"}, "option 'category': 'HEALTH' is neither"),
        ({"values": {"category": {"Yoga": "mind-body"}}}, "'values.category' is now the option"),
    ],
)
def test_malformed_options_are_config_errors(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Classifier.of(options)


def test_identity_takes_the_first_field_present_and_composes_lists() -> None:
    order = identity_order(["@id", ["vatID", "name"], "url"], "x", ["@id", "vatID", "name", "url"])

    assert identify({"@id": "https://a.example/org"}, order) == "https://a.example/org"
    assert identify({"vatID": "IT 123", "name": "Coop", "url": "u"}, order) == "IT 123|Coop"
    # a composed entry needs all of its fields
    assert identify({"vatID": "IT 123", "url": "https://b.example"}, order) == "https://b.example"
    assert identify({"name": "  "}, order) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("vatID", "must be a list of field names"),
        ([], "must be a list of field names"),
        ([["vatID", 3]], "is not a field name or a list of them"),
        (["fax"], "unknown field"),
    ],
)
def test_malformed_identity_orders_are_config_errors(value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        identity_order(value, "option 'provider_identity'", ["vatID", "name"])
