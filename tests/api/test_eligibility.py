"""Eligibility through the API: verdicts with reasons, the `eligibleFor` filter (checked
against evaluating every offering's rules in Python, on random rules and profiles), the
registry's part in a profile, and that a profile never reaches a log or the database."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models import (
    Area,
    DeliveryMode,
    EligibilityRule,
    Offering,
    OfferingStatus,
    Provider,
    RuleScope,
)
from models.db import session_factory
from models.eligibility import All, BeneficiaryProfile, Rule, Verdict, evaluate, rule_json
from models.rule import refresh_rule_sets, rule_hash
from resolvers.context import Context
from resolvers.eligibility import EligibilityFilter, combined, rules_of_offerings
from resolvers.offerings import OfferingFilter, OfferingQuery, offerings_page
from tests.utils.catalogue import external_ids
from tests.utils.graphql import GraphQLClient
from tests.utils.rules import profiles, rules

FREELANCER_WITH_TODDLER = {"category": "FREELANCER", "age": 34, "childrenAges": [3]}
SATURDAY_MORNING = {"from": "2026-11-28T09:00:00+01:00", "to": "2026-11-28T13:00:00+01:00"}

ELIGIBILITY = """
query Eligibility($id: ID!, $profile: BeneficiaryProfileInput!) {
  eligibility(offeringId: $id, profile: $profile) {
    verdict
    reasons { condition outcome text }
    rules { scope fromSource rule summary }
    offering { title }
  }
}
"""
FIND = """
query Find($text: String!) {
  offerings(filter: {text: $text}, first: 5) { edges { node { id title } } }
}
"""


async def offering_id(gql: GraphQLClient, text: str) -> str:
    edges = (await gql.data(FIND, {"text": text}))["offerings"]["edges"]
    assert edges, f"no offering matches {text!r}"
    return str(edges[0]["node"]["id"])


async def verdict(gql: GraphQLClient, text: str, profile: dict[str, Any]) -> dict[str, Any]:
    variables = {"id": await offering_id(gql, text), "profile": profile}
    result: dict[str, Any] = (await gql.data(ELIGIBILITY, variables))["eligibility"]
    return result


# --- The portal's question ---------------------------------------------------------------


async def test_what_a_freelancer_with_a_toddler_can_use_on_saturday_morning(
    full_demo: GraphQLClient,
) -> None:
    found = await external_ids(
        full_demo,
        {"eligibleFor": FREELANCER_WITH_TODDLER, "availableBetween": SATURDAY_MORNING},
    )

    # The readings for children aged 3 to 6 (10:30) and the coworking's Saturday hours;
    # the other Saturday offerings are for older children or for alliance employees.
    assert found == {"letture-piccoli@isolaviva.example", "open-space"}


async def test_eligible_for_narrows_and_include_unknown_widens(full_demo: GraphQLClient) -> None:
    everything = await external_ids(full_demo)
    eligible = await external_ids(full_demo, {"eligibleFor": FREELANCER_WITH_TODDLER})
    maybe = await external_ids(
        full_demo, {"eligibleFor": FREELANCER_WITH_TODDLER, "includeUnknownEligibility": True}
    )

    assert eligible < maybe < everything
    # Alliance employees only: a freelancer has no employer in the alliance.
    assert "7163b1ee-cf07-5f10-9ff3-3cf3d86ebb52" not in maybe
    # Nursery for children up to 3: the child is 3.
    assert "3ff31d14-3b0e-5ff8-bae0-bcd61d0ffd76" in eligible


# --- Verdicts and reasons ----------------------------------------------------------------


async def test_verdict_is_unknown_until_the_profile_says_enough(full_demo: GraphQLClient) -> None:
    text = "contributo centri estivi"
    partial = {"childrenAges": [8], "residenceCap": "20159"}

    unknown = await verdict(full_demo, text, partial)
    eligible = await verdict(full_demo, text, {**partial, "isee": "18000"})
    too_rich = await verdict(full_demo, text, {**partial, "isee": "45000.50"})

    assert unknown["verdict"] == "UNKNOWN"
    assert [(r["condition"], r["outcome"]) for r in unknown["reasons"]] == [
        ("childAge", "PASSED"),
        ("residenceCap", "PASSED"),
        ("isee", "UNKNOWN"),
    ]
    assert unknown["reasons"][2]["text"] == "ISEE fino a 30.000 €: non indicato"
    assert [(r["scope"], r["fromSource"]) for r in unknown["rules"]] == [
        ("OFFERING", True),
        ("OFFERING", False),
    ]
    assert eligible["verdict"] == "ELIGIBLE"
    assert too_rich["verdict"] == "NOT_ELIGIBLE"
    assert too_rich["reasons"][2]["outcome"] == "FAILED"


async def test_reasons_come_in_english_when_asked(full_demo: GraphQLClient) -> None:
    query = ELIGIBILITY.replace("reasons { condition outcome text }", "reasons { text }")
    variables = {
        "id": await offering_id(full_demo, "letture alta voce 3 6 anni"),
        "profile": FREELANCER_WITH_TODDLER,
    }

    data = await full_demo.data(query, variables, headers={"Accept-Language": "en"})

    assert data["eligibility"]["reasons"] == [
        {"text": "Has a child aged 3 to 6: yes (one child aged 3)"}
    ]


async def test_area_rules_are_inherited_by_every_offering_of_the_area(
    full_demo: GraphQLClient,
) -> None:
    desk = await verdict(full_demo, "postazione open space", {"category": "SME_EMPLOYEE"})
    in_district = await verdict(
        full_demo,
        "postazione open space",
        {"category": "SME_EMPLOYEE", "employerInDistrict": True},
    )

    assert [rule["scope"] for rule in desk["rules"]] == ["AREA"]
    assert desk["verdict"] == "UNKNOWN"  # is the SME in the district?
    assert in_district["verdict"] == "ELIGIBLE"


async def test_employer_vat_is_looked_up_in_the_registry(full_demo: GraphQLClient) -> None:
    members = await full_demo.data(
        "{ providers(filter: {allianceMember: true}, first: 1) { edges { node { vatNumber } } } }"
    )
    member_vat = members["providers"]["edges"][0]["node"]["vatNumber"]
    text = "meditazione mindfulness pausa pranzo"

    employee = {"category": "ALLIANCE_EMPLOYEE"}

    member = await verdict(full_demo, text, {**employee, "employerVat": member_vat})
    stranger = await verdict(full_demo, text, {**employee, "employerVat": "IT 00743110157"})
    # The registry wins over what the profile claims.
    claimed = await verdict(
        full_demo,
        text,
        {**employee, "employerVat": "00743110157", "employerAllianceMember": True},
    )
    unverified = await verdict(full_demo, text, employee)

    assert member["verdict"] == "ELIGIBLE"
    assert stranger["verdict"] == "NOT_ELIGIBLE"
    assert claimed["verdict"] == "NOT_ELIGIBLE"
    assert unverified["verdict"] == "UNKNOWN"


@pytest.mark.parametrize(
    "profile",
    [
        {"employerVat": "12345678901"},
        {"age": -1},
        {"childrenAges": [3, 200]},
        {"isee": "-5"},
        {"residenceCap": "Milano"},
    ],
)
async def test_impossible_profiles_are_bad_user_input(
    full_demo: GraphQLClient, profile: dict[str, Any]
) -> None:
    variables = {"id": await offering_id(full_demo, "asilo nido"), "profile": profile}

    assert await full_demo.error_codes(ELIGIBILITY, variables) == ["BAD_USER_INPUT"]
    filtered = """
    query($p: BeneficiaryProfileInput!) { offerings(filter: {eligibleFor: $p}) { totalCount } }
    """
    assert await full_demo.error_codes(filtered, {"p": profile}) == ["BAD_USER_INPUT"]


async def test_eligibility_of_an_unknown_offering_is_bad_user_input(
    full_demo: GraphQLClient,
) -> None:
    variables = {"id": "T2ZmZXJpbmc6OTk5OTk5", "profile": {}}  # Offering:999999

    assert await full_demo.error_codes(ELIGIBILITY, variables) == ["BAD_USER_INPUT"]


async def test_offering_lists_its_rules_and_a_rule_is_a_node(full_demo: GraphQLClient) -> None:
    query = """
    query($id: ID!) {
      node(id: $id) { ... on Offering { eligibilityRules { id scope summary(lang: EN) note } } }
    }
    """
    node = (await full_demo.data(query, {"id": await offering_id(full_demo, "asilo nido")}))["node"]
    (rule,) = node["eligibilityRules"]
    again = await full_demo.data(
        "query($id: ID!) { node(id: $id) { ... on EligibilityRule { scope fromSource } } }",
        {"id": rule["id"]},
    )

    assert rule["summary"] == "Has a child aged 3 or under"
    assert again["node"] == {"scope": "OFFERING", "fromSource": True}


# --- Never stored, never logged ------------------------------------------------------------

SECRET_PROFILE = {
    "category": "FREELANCER",
    "employerVat": "00743110157",
    "age": 47,
    "childrenAges": [13, 17],
    "isee": "23456.78",
    "residenceCap": "20161",
}


async def test_profiles_are_never_logged_nor_stored(
    full_demo: GraphQLClient, full_demo_engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    failing = {**SECRET_PROFILE, "employerVat": "00743110158"}  # a bad checksum

    await full_demo.data(
        ELIGIBILITY, {"id": await offering_id(full_demo, "asilo"), "profile": SECRET_PROFILE}
    )
    await external_ids(full_demo, {"eligibleFor": SECRET_PROFILE})
    await full_demo.error_codes(ELIGIBILITY, {"id": "T2ZmZXJpbmc6MQ==", "profile": failing})

    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for record in caplog.records
    )
    for value in ("00743110157", "00743110158", "23456.78", "20161"):
        assert value not in logged
    url = full_demo_engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        database = await asyncio.to_thread(Path(url.database).read_bytes)
        for secret in (b"00743110158", b"23456.78"):
            assert secret not in database


# --- The filter equals Python evaluation -------------------------------------------------

AREAS = list(Area)


@pytest.fixture
async def catalogue(engine: AsyncEngine) -> AsyncEngine:
    """Three providers and twelve offerings across the four areas, without rules."""
    async with session_factory(engine).begin() as session:
        providers = [
            Provider(name=f"Ente {n}", name_sort=f"ente {n}", alliance_member=n == 0)
            for n in range(3)
        ]
        session.add_all(providers)
        await session.flush()
        session.add_all(
            Offering(
                provider_id=providers[n % 3].id or 0,
                title_it=f"Servizio {n:02}",
                title_sort_it=f"servizio {n:02}",
                title_sort_en=f"servizio {n:02}",
                area=AREAS[n % 4],
                delivery_mode=DeliveryMode.IN_PERSON,
                status=OfferingStatus.ACTIVE,
                last_changed_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
            for n in range(12)
        )
    return engine


attachments = st.lists(
    st.tuples(st.sampled_from(["area", "provider", "offering"]), st.integers(0, 11), rules),
    max_size=8,
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attached=attachments, profile=profiles, include_unknown=st.booleans())
async def test_eligible_for_filter_equals_evaluating_each_offering(
    catalogue: AsyncEngine,
    attached: list[tuple[str, int, Rule]],
    profile: BeneficiaryProfile,
    include_unknown: bool,
) -> None:
    sessions = session_factory(catalogue)
    profile = dataclasses.replace(profile, employer_vat=None)  # no registry lookup here
    async with sessions.begin() as session:
        await session.execute(sa.delete(EligibilityRule))
        offerings = list(
            (await session.execute(sa.select(Offering).order_by(col(Offering.id)))).scalars()
        )
        for kind, index, rule in attached:
            target = offerings[index]
            body = rule_json(rule)
            session.add(
                EligibilityRule(
                    scope=RuleScope(kind.upper()),
                    area=target.area if kind == "area" else None,
                    provider_id=target.provider_id if kind == "provider" else None,
                    offering_id=target.id if kind == "offering" else None,
                    body=body,
                    body_hash=rule_hash(body),
                )
            )
        await session.flush()
        await refresh_rule_sets(session)  # as every writer of rules does
    wanted = {Verdict.ELIGIBLE, Verdict.UNKNOWN} if include_unknown else {Verdict.ELIGIBLE}
    # Which rules apply, worked out here from the attachments rather than by the hub.
    expected = set()
    for offering in offerings:
        applying = [
            rule
            for kind, index, rule in attached
            if (kind == "area" and offerings[index].area == offering.area)
            or (kind == "provider" and offerings[index].provider_id == offering.provider_id)
            or (kind == "offering" and index == offerings.index(offering))
        ]
        combined_rule = All(tuple(applying)) if applying else None
        if evaluate(combined_rule, profile).verdict in wanted:
            expected.add(offering.id)

    query = OfferingQuery(OfferingFilter(eligible_for=EligibilityFilter(profile, include_unknown)))
    page = await offerings_page(Context(sessions), query, 100, None)

    assert {o.id for o in page.items} == expected
    assert await page.total() == len(expected)
    # The `eligibility` query's path (the rules an offering lists, combined) agrees too.
    ids = [o.id or 0 for o in offerings]
    listed = await rules_of_offerings(sessions, ids)
    assessed = {
        i
        for i, found in zip(ids, listed, strict=True)
        if evaluate(combined(found), profile).verdict in wanted
    }
    assert assessed == expected
