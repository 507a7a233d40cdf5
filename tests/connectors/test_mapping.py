"""The mapping layer every connector shares: source terms -> areas and categories, and
identities in a declared order (connectors.mapping)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher
from connectors.mapping import (
    MAX_UNMAPPED,
    Classifier,
    RecordValues,
    identify,
    identity_order,
)
from connectors.records import LocationRecord, OfferingRecord, ProviderRecord
from connectors.registry import connector_for
from connectors.sync import sync_source
from models import Location, Offering, OfferingLanguage, Provider, SyncStatus
from models.db import session_factory
from models.enums import Area, DeliveryMode
from models.taxonomy import CATEGORY_INFO, GENERAL_CATEGORY
from tests.utils.feeds import bundle, location, organization, service


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


# Fixed values and defaults (RecordValues), for every kind


def test_fixed_values_override_and_defaults_fill_only_what_is_missing() -> None:
    values = RecordValues.of(
        {
            "fixed": {"delivery_mode": "online", "alliance_member": True},
            "defaults": {"city": "Milano", "province": "MI", "languages": ["it", "EN"]},
        }
    )
    here = LocationRecord("loc-1", city=None, province="MB")
    course = OfferingRecord("svc-1", "org-1", "Corso", languages=("fr",))

    assert values.apply(here) == LocationRecord("loc-1", city="Milano", province="MB")
    assert values.apply(course) == OfferingRecord(
        "svc-1", "org-1", "Corso", languages=("fr",), delivery_mode=DeliveryMode.ONLINE
    )
    assert values.apply(OfferingRecord("svc-2", "org-1", "Altro")).languages == ("it", "en")
    assert values.apply(ProviderRecord("org-1", "Coop")).alliance_member is True


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"fixed": {"citta": "Milano"}}, "'fixed' names unknown field 'citta'"),
        ({"fixed": {"delivery_mode": "by post"}}, "must be one of IN_PERSON, ONLINE, AT_HOME"),
        ({"fixed": {"alliance_member": "sì"}}, "'fixed.alliance_member' must be true or false"),
        ({"defaults": {"city": " "}}, "'defaults.city' must be a non-blank string"),
        ({"defaults": {"languages": []}}, "must be a language code or a list of them"),
        ({"defaults": {"delivery_mode": "ONLINE"}}, "every record has one already; use 'fixed'"),
        ({"fixed": ["city"]}, "option 'fixed' must be a table"),
    ],
)
def test_malformed_values_are_pointed_config_errors(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        RecordValues.of(options)


def test_a_spreadsheets_own_defaults_are_left_to_it() -> None:
    values = RecordValues.of(
        {"defaults": {"provider_vat": "11295180159", "city": "Milano"}},
        own={"provider_vat", "city"},
    )

    assert not values


async def test_every_kind_gets_its_sources_fixed_values_and_defaults(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    path = tmp_path / "member.hsds.json"
    place = location("loc-1", "org-1", postal_code="20159")
    services = [service("svc-1", "org-1", "Consulenza fiscale", categories=["career"])]
    path.write_bytes(
        orjson.dumps(bundle([organization("org-1", "Studio Bassi")], services, [place]))
    )
    options = {
        "fixed": {"delivery_mode": "AT_HOME", "alliance_member": True},
        "defaults": {"city": "Milano", "languages": "it"},
    }
    config = SourceConfig(name="member", kind="hsds", url=str(path), options=options)

    async with httpx.AsyncClient() as client:
        run = await sync_source(session_factory(engine), config, client, fetcher=Fetcher(client))

    assert (run.status, run.quarantined) == (SyncStatus.SUCCEEDED, 0)
    async with session_factory(engine)() as session:
        offering = (await session.execute(sa.select(Offering))).scalar_one()
        provider = (await session.execute(sa.select(Provider))).scalar_one()
        city = await session.scalar(sa.select(col(Location.city)))
        languages = list(
            (await session.execute(sa.select(col(OfferingLanguage.language)))).scalars()
        )
    assert (offering.delivery_mode, provider.alliance_member) == (DeliveryMode.AT_HOME, True)
    assert (city, languages) == ("Milano", ["it"])


def test_a_sources_malformed_values_name_the_source() -> None:
    config = SourceConfig(name="member", kind="ical", url="x.ics", options={"fixed": {"x": 1}})

    with pytest.raises(ConfigError, match="source 'member': 'fixed' names unknown field 'x'"):
        connector_for(config, Fetcher(httpx.AsyncClient()), {})
