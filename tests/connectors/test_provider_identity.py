"""One provider per partita IVA, whatever the sources that list it (connectors.sync,
"Provider identity"): a member that publishes its services in HSDS and appears in a
partner's spreadsheet is one provider, in any sync order, and a corrected partita IVA
takes its source's offerings with it."""

from __future__ import annotations

from pathlib import Path

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Fetcher
from connectors.sync import sync_source
from hub.app import create_app
from hub.settings import Settings
from models import Offering, Provider, ProviderLink, Source, SyncRun, SyncStatus
from models.db import session_factory
from models.validation import normalise_vat
from tests.utils.feeds import bundle, organization, service
from tests.utils.hub import hub_client

STUDIO_VAT = "11295180159"
OTHER_VAT = "08726340154"

SHEET_COLUMNS = {
    "Ente": ["provider_id", "provider_name"],
    "Partita IVA": "provider_vat",
    "Codice": "external_id",
    "Servizio": "title_it",
}


def hsds_source(
    tmp_path: Path, *, tax_id: str | None = STUDIO_VAT, priority: int | None = None
) -> SourceConfig:
    """A member's own HSDS bundle: the studio and one service."""
    path = tmp_path / "studio.hsds.json"
    studio = organization(
        "org-studio",
        "Studio Associato Ferrandi Colombo",
        tax_id=tax_id,
        website="https://ferrandi.example",
        concilia={"alliance_member": True},
    )
    services = [service("svc-730", "org-studio", "Dichiarazione 730", categories=["career"])]
    path.write_bytes(orjson.dumps(bundle([studio], services)))
    options = {} if priority is None else {"priority": priority}
    return SourceConfig(name="studio-hsds", kind="hsds", url=str(path), options=options)


def sheet_source(tmp_path: Path, vat: str = "IT 112 9518 0159") -> SourceConfig:
    """A partner's spreadsheet naming the same studio, its VAT written its own way."""
    path = tmp_path / "partner.csv"
    path.write_text(
        "Ente;Partita IVA;Codice;Servizio\r\n"
        f"Studio Ferrandi;{vat};P1;Sala riunioni a ore\r\n"
        "Bottega senza IVA;;P2;Corso di ceramica\r\n",
        encoding="utf-8",
    )
    options = {"columns": SHEET_COLUMNS, "category": "WORK_SERVICES", "delimiter": ";"}
    return SourceConfig(name="partner-sheet", kind="csv", url=str(path), options=options)


async def sync(engine: AsyncEngine, config: SourceConfig) -> SyncRun:
    async with httpx.AsyncClient() as client:
        run = await sync_source(session_factory(engine), config, client, fetcher=Fetcher(client))
    assert (run.status, run.quarantined, run.error) == (SyncStatus.SUCCEEDED, 0, None)
    return run


async def providers_of_offerings(engine: AsyncEngine) -> dict[str, tuple[str, str | None]]:
    """Each offering's external id -> its provider's name and partita IVA."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(col(Offering.external_id), col(Provider.name), col(Provider.vat_number)).join(
                Provider, col(Provider.id) == col(Offering.provider_id)
            )
        )
    return {str(external): (name, vat) for external, name, vat in rows}


async def provider_count(engine: AsyncEngine) -> int:
    async with session_factory(engine)() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(Provider)) or 0)


async def test_the_same_partita_iva_in_two_sources_is_one_provider_in_any_order(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    for config in (hsds_source(tmp_path), sheet_source(tmp_path)):
        await sync(engine, config)

    owners = await providers_of_offerings(engine)
    assert owners["svc-730"] == owners["P1"]
    assert owners["svc-730"][1] == STUDIO_VAT
    assert owners["P2"] == ("Bottega senza IVA", None)
    assert await provider_count(engine) == 2

    # again, both: nothing moves
    hsds_run = await sync(engine, hsds_source(tmp_path))
    sheet_run = await sync(engine, sheet_source(tmp_path))
    assert (hsds_run.unchanged, sheet_run.updated) == (2, 0)
    assert await providers_of_offerings(engine) == owners
    assert await provider_count(engine) == 2


async def test_the_order_of_syncs_does_not_matter(engine: AsyncEngine, tmp_path: Path) -> None:
    await sync(engine, sheet_source(tmp_path))
    await sync(engine, hsds_source(tmp_path))

    owners = await providers_of_offerings(engine)
    assert owners["svc-730"] == owners["P1"]
    assert await provider_count(engine) == 2
    async with session_factory(engine)() as session:
        studio = (
            await session.execute(sa.select(Provider).where(col(Provider.vat_number) == STUDIO_VAT))
        ).scalar_one()
    # the most recently changed source's name; the website only the HSDS bundle gives;
    # a member of the alliance because one source says so
    assert (studio.name, studio.website, studio.alliance_member) == (
        "Studio Associato Ferrandi Colombo",
        "https://ferrandi.example",
        True,
    )


async def test_a_corrected_partita_iva_takes_its_sources_offerings_with_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await sync(engine, hsds_source(tmp_path))
    await sync(engine, sheet_source(tmp_path))

    await sync(engine, sheet_source(tmp_path, vat=OTHER_VAT))

    owners = await providers_of_offerings(engine)
    assert owners["svc-730"] == ("Studio Associato Ferrandi Colombo", STUDIO_VAT)
    assert owners["P1"] == ("Studio Ferrandi", OTHER_VAT)
    assert await provider_count(engine) == 3

    # and back: merged again, the provider the correction made is gone
    await sync(engine, sheet_source(tmp_path))
    again = await providers_of_offerings(engine)
    assert again["svc-730"] == again["P1"]
    assert await provider_count(engine) == 2


async def test_providers_without_a_partita_iva_are_not_merged_by_name(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await sync(engine, hsds_source(tmp_path, tax_id=None))
    await sync(engine, sheet_source(tmp_path, vat=""))

    owners = await providers_of_offerings(engine)
    assert owners["svc-730"] != owners["P1"]
    assert await provider_count(engine) == 3


async def test_the_graph_lists_a_providers_sources_and_a_priority_decides_its_fields(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """The member's own bundle has priority over the partner's sheet, synced after it."""
    await sync(engine, hsds_source(tmp_path, priority=10))
    await sync(engine, sheet_source(tmp_path))
    query = """{ providers(filter: {vatNumber: "%s"}) { nodes {
        name sources { name } fieldSources { field externalId source { name } }
    } } }"""

    async with hub_client(create_app(Settings(), engine=engine)) as http:
        answer = (await http.post("/graphql", json={"query": query % STUDIO_VAT})).json()

    [studio] = answer["data"]["providers"]["nodes"]
    assert studio["name"] == "Studio Associato Ferrandi Colombo"
    assert studio["sources"] == [{"name": "partner-sheet"}, {"name": "studio-hsds"}]
    # every field the bundle gives comes from it (its priority); the sheet gives nothing
    # the bundle lacks, and names no alliance membership
    given = {
        entry["field"]: (entry["source"]["name"], entry["externalId"])
        for entry in studio["fieldSources"]
    }
    assert given == {
        "name": ("studio-hsds", "org-studio"),
        "vatNumber": ("studio-hsds", "org-studio"),
        "allianceMember": ("studio-hsds", "org-studio"),
        "website": ("studio-hsds", "org-studio"),
    }


def bottega_source(tmp_path: Path) -> SourceConfig:
    """The bottega's own bundle: no partita IVA (an association without one)."""
    path = tmp_path / "bottega.hsds.json"
    bottega = organization(
        "org-bottega", "Bottega Ceramica Isola", website="https://bottega.example"
    )
    services = [service("svc-tornio", "org-bottega", "Tornio per adulti", categories=["courses"])]
    path.write_bytes(orjson.dumps(bundle([bottega], services)))
    return SourceConfig(name="bottega-hsds", kind="hsds", url=str(path))


def declaring(config: SourceConfig, links: dict[str, str]) -> SourceConfig:
    return SourceConfig(
        name=config.name,
        kind=config.kind,
        url=config.url,
        options={**config.options, "provider_links": links},
    )


async def test_providers_without_a_partita_iva_merge_only_when_a_source_declares_it(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    await sync(engine, bottega_source(tmp_path))
    await sync(engine, sheet_source(tmp_path))
    apart = await providers_of_offerings(engine)
    assert apart["P2"] != apart["svc-tornio"]  # never by name alone
    assert await provider_count(engine) == 3

    declared = declaring(sheet_source(tmp_path), {"Bottega senza IVA": "bottega-hsds/org-bottega"})
    await sync(engine, declared)

    owners = await providers_of_offerings(engine)
    # one provider, named by the most recently changed source: the sheet
    assert owners["P2"] == owners["svc-tornio"] == ("Bottega senza IVA", None)
    assert await provider_count(engine) == 2

    # the declaration withdrawn: the sheet's organisation is its own provider again
    await sync(engine, sheet_source(tmp_path))
    assert await providers_of_offerings(engine) == apart | {"P1": owners["P1"]}
    assert await provider_count(engine) == 3


async def test_a_declared_link_holds_whichever_source_syncs_first(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    declared = declaring(sheet_source(tmp_path), {"Bottega senza IVA": "bottega-hsds/org-bottega"})
    await sync(engine, declared)  # the bottega's own source is not synced yet
    await sync(engine, bottega_source(tmp_path))

    owners = await providers_of_offerings(engine)
    assert owners["P2"] == owners["svc-tornio"] == ("Bottega Ceramica Isola", None)
    assert await provider_count(engine) == 2
    # and again, both: nothing moves
    await sync(engine, declared)
    await sync(engine, bottega_source(tmp_path))
    assert await providers_of_offerings(engine) == owners


async def test_a_malformed_declaration_is_a_config_error(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    bad = declaring(sheet_source(tmp_path), {"Bottega senza IVA": "org-bottega"})

    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigError, match="option 'provider_links' must be a table"):
            await sync_source(session_factory(engine), bad, client, fetcher=Fetcher(client))
    async with session_factory(engine)() as session:
        (run,) = (await session.execute(sa.select(SyncRun))).scalars()
    # Recorded as failed, not left RUNNING until its lease expires.
    assert run.status is SyncStatus.FAILED
    assert "option 'provider_links' must be a table" in (run.error or "")


def test_a_partita_iva_is_normalised_however_it_is_written() -> None:
    for written in ("11295180159", "IT11295180159", "IT 112 9518 0159", " 11295180159 "):
        assert normalise_vat(written) == STUDIO_VAT
    # a spreadsheet that read the number as a number lost its leading zero
    assert normalise_vat("8726340154") == OTHER_VAT


async def test_duplicates_stored_before_links_existed_are_merged_by_the_next_syncs(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    """A database of the previous release: one provider row per source, the same partita
    IVA twice, no links. The next syncs of both sources leave one provider, holding the
    offerings of both; an offering of a source not synced since still finds its provider."""
    await sync(engine, hsds_source(tmp_path))
    await sync(engine, sheet_source(tmp_path))
    async with session_factory(engine).begin() as session:
        await session.execute(sa.delete(ProviderLink))
        ids = dict((await session.execute(sa.select(col(Source.name), col(Source.id)))).all())
        studio = (
            await session.execute(sa.select(Provider).where(col(Provider.vat_number) == STUDIO_VAT))
        ).scalar_one()
        # one provider per source, as the previous release stored them
        await session.execute(
            sa.update(Provider)
            .where(col(Provider.id) == studio.id)
            .values(source_id=ids["studio-hsds"], external_id="org-studio")
        )
        copy = await session.execute(
            sa.insert(Provider).returning(col(Provider.id)),
            [
                {
                    "name": "Studio Ferrandi",
                    "name_sort": "studio ferrandi",
                    "vat_number": STUDIO_VAT,
                    "source_id": ids["partner-sheet"],
                    "external_id": "Studio Ferrandi",
                }
            ],
        )
        await session.execute(
            sa.update(Offering)
            .where(col(Offering.source_id) == ids["partner-sheet"])
            .where(col(Offering.provider_id) == studio.id)
            .values(provider_id=copy.scalar_one())
        )
    before = await provider_ids(engine)
    assert before["svc-730"] != before["P1"]
    assert await provider_count(engine) == 3

    await sync(engine, sheet_source(tmp_path))
    await sync(engine, hsds_source(tmp_path))

    after = await provider_ids(engine)
    assert after["svc-730"] == after["P1"]
    assert await provider_count(engine) == 2


async def provider_ids(engine: AsyncEngine) -> dict[str, int]:
    async with session_factory(engine)() as session:
        rows = await session.execute(
            sa.select(col(Offering.external_id), col(Offering.provider_id))
        )
    return {str(external): int(provider) for external, provider in rows}
