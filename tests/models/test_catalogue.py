"""The one catalogue write path (models.catalogue), used directly as any writer would:
derived data, identity, refusals, run marks and the registry's rules, with no sync
engine and no connector in between."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models import (
    EligibilityRule,
    Occurrence,
    Offering,
    OfferingStatus,
    Provider,
    RuleScope,
    Source,
)
from models.catalogue import Catalogue, Writer, replace_registry_rules
from models.db import session_factory
from models.records import (
    CostOptionRecord,
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    ScheduleRecord,
    SlotRecord,
)
from models.rule import rule_hash
from models.types import row_id

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
VAT = "11295180159"
COOP = ProviderRecord("org-1", "Cooperativa Sociale Isola", vat_number=VAT)
BORSIERI = LocationRecord("loc-1", "org-1", address="Via Borsieri 12", cap="20159")
DUOMO = LocationRecord("loc-2", "org-1", address="Piazza del Duomo 1", cap="20122")
YOGA = OfferingRecord(
    "svc-yoga",
    "org-1",
    "Yoga in pausa pranzo",
    categories=("mind-body",),
    cost_options=(CostOptionRecord(amount_cents=1200), CostOptionRecord(amount_cents=800)),
    location_external_ids=("loc-1",),
    schedules=(ScheduleRecord(datetime(2026, 12, 7, 12, 30, tzinfo=UTC), rrule="FREQ=WEEKLY"),),
    min_age=18,
)


async def source(engine: AsyncEngine, name: str = "registro") -> int:
    async with session_factory(engine).begin() as session:
        row = Source(name=name, kind="test", url="test")
        session.add(row)
        await session.flush()
        return row_id(row.id)


async def write(engine: AsyncEngine, writer: Writer, *records: object) -> Catalogue:
    async with session_factory(engine).begin() as session:
        catalogue = Catalogue(session, writer)
        await catalogue.write(list(records))  # type: ignore[arg-type]
        return catalogue


async def offering(engine: AsyncEngine, external_id: str) -> Offering:
    async with session_factory(engine)() as session:
        return (
            await session.execute(
                sa.select(Offering).where(col(Offering.external_id) == external_id)
            )
        ).scalar_one()


async def test_a_writer_gets_every_derived_column_without_computing_any(
    engine: AsyncEngine,
) -> None:
    writer = Writer(await source(engine), AT)

    outcome = (await write(engine, writer, COOP, BORSIERI, YOGA)).outcome

    assert (outcome.created, outcome.updated, outcome.unchanged, outcome.refused) == (3, 0, 0, [])
    yoga = await offering(engine, "svc-yoga")
    assert yoga.area == "HEALTH_WELLBEING"
    assert (yoga.min_price_cents, yoga.is_free, yoga.in_district) == (800, False, True)
    # The provider's name and the category's labels are searchable with the title.
    assert " cooperativa " in yoga.search_text
    assert " yoga " in yoga.search_text
    assert yoga.rule_set_id is not None  # the age bound became a rule
    async with session_factory(engine)() as session:
        occurrences = await session.scalar(
            sa.select(sa.func.count()).where(col(Occurrence.offering_id) == yoga.id)
        )
        provider = (await session.execute(sa.select(Provider))).scalar_one()
    assert (occurrences or 0) > 50  # weekly, a year ahead
    assert (provider.vat_number, provider.name) == (VAT, COOP.name)


async def test_a_location_moving_out_of_the_district_refreshes_its_offerings(
    engine: AsyncEngine,
) -> None:
    writer = Writer(await source(engine), AT)
    await write(engine, writer, COOP, BORSIERI, YOGA)

    moved = LocationRecord("loc-1", "org-1", address="Piazza del Duomo 1", cap="20122")
    await write(engine, writer, moved)

    assert (await offering(engine, "svc-yoga")).in_district is False


async def test_a_renamed_provider_is_searchable_by_its_new_name(engine: AsyncEngine) -> None:
    writer = Writer(await source(engine), AT)
    await write(engine, writer, COOP, BORSIERI, YOGA)

    await write(engine, writer, ProviderRecord("org-1", "Benessere Garibaldi", vat_number=VAT))

    text = (await offering(engine, "svc-yoga")).search_text
    assert " garibaldi " in text
    assert " cooperativa " not in text


async def test_invalid_records_and_unknown_references_are_refused_with_their_reason(
    engine: AsyncEngine,
) -> None:
    writer = Writer(await source(engine), AT)
    orphan = OfferingRecord(
        "svc-orphan", "org-missing", "Doposcuola", categories=("early-childhood",)
    )
    untitled = OfferingRecord("svc-blank", "org-1", " ", categories=("early-childhood",))
    slot = SlotRecord("slot-1", "svc-missing", datetime(2026, 12, 9, 10, tzinfo=UTC))

    outcome = (await write(engine, writer, COOP, orphan, untitled, slot)).outcome

    refused = {(r.record.external_id, r.reason, r.invalid) for r in outcome.refused}
    assert refused == {
        ("svc-blank", "offering has no Italian title", True),
        ("svc-orphan", "provider 'org-missing' is unknown or quarantined", False),
        ("slot-1", "offering 'svc-missing' is unknown or quarantined", False),
    }
    assert outcome.created == 1  # the provider


async def test_a_run_withdraws_what_it_did_not_list_and_keeps_what_it_could_not_read(
    engine: AsyncEngine,
) -> None:
    source_id = await source(engine)
    other = OfferingRecord("svc-nido", "org-1", "Nido aziendale", categories=("early-childhood",))
    gone = OfferingRecord("svc-gone", "org-1", "Corso chiuso", categories=("early-childhood",))
    await write(engine, Writer(source_id, AT, run_id=1), COOP, BORSIERI, YOGA, other, gone)

    second = Writer(source_id, AT, run_id=2)
    async with session_factory(engine).begin() as session:
        catalogue = Catalogue(session, second)
        again = await catalogue.write([COOP, BORSIERI, YOGA, YOGA])
        await catalogue.still_listed(["svc-nido"])  # listed, but unreadable this time
        withdrawn = await catalogue.withdraw_unlisted()

    assert (again.unchanged, again.created, withdrawn) == (3, 0, 1)
    statuses = {
        name: (await offering(engine, name)).status for name in ("svc-yoga", "svc-nido", "svc-gone")
    }
    assert statuses == {
        "svc-yoga": OfferingStatus.ACTIVE,
        "svc-nido": OfferingStatus.ACTIVE,
        "svc-gone": OfferingStatus.WITHDRAWN,
    }


async def test_a_record_repeated_in_one_run_counts_once(engine: AsyncEngine) -> None:
    writer = Writer(await source(engine), AT, run_id=1)
    await write(engine, writer, COOP, BORSIERI, YOGA)

    later = await write(engine, writer, COOP, YOGA)

    assert (later.outcome.created, later.outcome.unchanged) == (0, 0)


async def test_the_registrys_rules_are_replaced_and_rule_sets_follow(engine: AsyncEngine) -> None:
    writer = Writer(await source(engine), AT)
    await write(engine, writer, COOP, BORSIERI, YOGA)
    body = '{"category":["FREELANCER"]}'
    rule = {
        "key": "solo-freelance",
        "scope": RuleScope.AREA,
        "area": "HEALTH_WELLBEING",
        "provider_id": None,
        "offering_id": None,
        "source_id": None,
        "body": body,
        "body_hash": rule_hash(body),
        "description_it": None,
        "description_en": None,
    }
    before = (await offering(engine, "svc-yoga")).rule_set_id

    async with session_factory(engine).begin() as session:
        first = await replace_registry_rules(session, [rule])
    async with session_factory(engine).begin() as session:
        again = await replace_registry_rules(session, [rule])
    with_rule = (await offering(engine, "svc-yoga")).rule_set_id
    async with session_factory(engine).begin() as session:
        emptied = await replace_registry_rules(session, [])

    assert (first.created, again.unchanged, emptied.deleted) == (1, 1, 1)
    assert with_rule not in (None, before)
    assert (await offering(engine, "svc-yoga")).rule_set_id == before
    async with session_factory(engine)() as session:
        kept = await session.scalar(sa.select(sa.func.count()).select_from(EligibilityRule))
    assert kept == 1  # the source's own age rule stays
