"""The alliance's registry of eligibility rules: the TOML file, its import, and the
`concilia rules` commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlmodel import SQLModel, col

from connectors.config import ConfigError
from connectors.sync import sync_source
from hub.registry import ImportReport, RegistryRule, import_rules, load_rules
from models import EligibilityRule, Offering, Provider, RuleScope, SyncStatus
from models.db import session_factory
from models.rule import rule_hash
from models.types import row_id
from tests.hub.test_cli import ROOT, concilia, environment, one_line_error
from tests.utils.feeds import bundle, organization, service, source

Sessions = async_sessionmaker[AsyncSession]
Row = dict[str, Any]

COOP_VAT = "12345670017"
GYM_VAT = "01234560157"
UNKNOWN_VAT = "07654320154"  # a valid partita IVA no provider has

AREA_RULE = """
[[rule]]
key = "famiglia-residenti"
area = "FAMILY_CARE"
description_it = "Per i residenti del distretto."
description_en = "For district residents."
rule = { category = ["RESIDENT"] }
"""
COOP_RULE = """
[[rule]]
key = "coop-alleanza"
provider = "isola/org-coop"
rule = { employerAllianceMember = true }
"""
GYM_RULE = """
[[rule]]
key = "palestra-pmi"
provider_vat = "IT 01234560157"
rule = { employerSize = ["SMALL", "MICRO"] }
"""
YOGA_RULE = """
[[rule]]
key = "yoga-giovani"
offering = "isola/svc-yoga"
rule = { all = [{ age = { max = 35 } }, { residenceCap = ["20159", "20124", "20159"] }] }
"""
REGISTRY = AREA_RULE + COOP_RULE + GYM_RULE + YOGA_RULE


def write(directory: Path, text: str, name: str = "rules.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> str:
    """The message of the ConfigError that loading `text` as a rules file raises."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_rules(path)
    message = str(raised.value)
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# --- Reading the file --------------------------------------------------------------------


def test_valid_file_gives_its_rules_with_canonical_bodies(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, REGISTRY))

    assert rules == [
        RegistryRule(
            "famiglia-residenti",
            RuleScope.AREA,
            "FAMILY_CARE",
            '{"category":["RESIDENT"]}',
            "Per i residenti del distretto.",
            "For district residents.",
        ),
        RegistryRule(
            "coop-alleanza",
            RuleScope.PROVIDER,
            "isola/org-coop",
            '{"employerAllianceMember":true}',
            None,
            None,
        ),
        RegistryRule(
            "palestra-pmi",
            RuleScope.PROVIDER,
            f"vat:{GYM_VAT}",
            '{"employerSize":["MICRO","SMALL"]}',
            None,
            None,
        ),
        RegistryRule(
            "yoga-giovani",
            RuleScope.OFFERING,
            "isola/svc-yoga",
            '{"all":[{"age":{"max":35}},{"residenceCap":["20124","20159"]}]}',
            None,
            None,
        ),
    ]


def test_file_without_rules_gives_none(tmp_path: Path) -> None:
    assert load_rules(write(tmp_path, "# nothing yet\n")) == []


def test_demo_registry_is_valid() -> None:
    rules = load_rules(ROOT / "data" / "demo" / "rules.toml")

    assert rules
    assert len({rule.key for rule in rules}) == len(rules)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '[[rule]]\nkey = "eta"\narea = "FAMILY_CARE"\nrule = { age = { min = 40, max = 30 } }',
            "rule #1: eta: rule.age: 'min' must not exceed 'max'",
        ),
        (
            '[[rule]]\nkey = "figli"\narea = "FAMILY_CARE"\n'
            "rule = { any = [{ childAge = { max = 3 } }, { childAge = { max = 31 } }] }",
            "rule #1: figli: rule.any[1].childAge.max: must be between 0 and 30, got 31",
        ),
        (
            '[[rule]]\nkey = "vuota"\narea = "FAMILY_CARE"',
            "rule #1: vuota: rule: expected an object, got null",
        ),
        (
            '[[rule]]\narea = "FAMILY_CARE"\nrule = { dependentParent = true }',
            "rule #1: 'key' (a non-empty string) is required",
        ),
        (
            '[[rule]]\nkey = "  "\narea = "FAMILY_CARE"\nrule = { dependentParent = true }',
            "rule #1: 'key' (a non-empty string) is required",
        ),
        (
            '[[rule]]\nkey = "due"\narea = "FAMILY_CARE"\nprovider = "isola/org-coop"\n'
            "rule = { dependentParent = true }",
            "rule #1: due: give exactly one of area, provider, provider_vat, offering",
        ),
        (
            '[[rule]]\nkey = "nessuno"\nrule = { dependentParent = true }',
            "rule #1: nessuno: give exactly one of area, provider, provider_vat, offering",
        ),
        (
            '[[rule]]\nkey = "orto"\narea = "GARDENING"\nrule = { dependentParent = true }',
            "rule #1: orto: unknown area 'GARDENING' (one of HEALTH_WELLBEING, FAMILY_CARE, "
            "LEISURE_WORK_LIFE, WORK_SERVICES)",
        ),
        (
            '[[rule]]\nkey = "iva"\nprovider_vat = "12345678901"\n'
            "rule = { dependentParent = true }",
            "rule #1: iva: '12345678901' is not a valid partita IVA",
        ),
        (
            '[[rule]]\nkey = "ref"\noffering = "svc-yoga"\nrule = { dependentParent = true }',
            "rule #1: ref: 'offering' must be '<source name>/<external id>'",
        ),
        (
            '[[rule]]\nkey = "ref"\nprovider = ""\nrule = { dependentParent = true }',
            "rule #1: ref: 'provider' must be a non-empty string",
        ),
        (
            '[[rule]]\nkey = "testo"\narea = "FAMILY_CARE"\ndescription_it = 3\n'
            "rule = { dependentParent = true }",
            "rule #1: testo: descriptions must be strings",
        ),
        (
            '[[rule]]\nkey = "colore"\narea = "FAMILY_CARE"\ncolour = "red"\n'
            "rule = { dependentParent = true }",
            "rule #1: unknown key(s) colour",
        ),
        (
            'rule = ["nido", { key = "ok", area = "FAMILY_CARE", '
            "rule = { dependentParent = true } }]",
            "rule #1: not a table",
        ),
        ('rule = "nido"', "'rule' must be an array of tables ([[rule]])"),
        (
            AREA_RULE + AREA_RULE.replace("FAMILY_CARE", "WORK_SERVICES"),
            "key 'famiglia-residenti' is used twice",
        ),
    ],
)
def test_invalid_rule_is_reported_with_its_number_and_fault(
    tmp_path: Path, text: str, problem: str
) -> None:
    assert problems(tmp_path, text) == problem


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        AREA_RULE
        + '[[rule]]\nkey = "eta"\narea = "FAMILY_CARE"\nrule = { age = { min = 40, max = 30 } }\n'
        + '[[rule]]\narea = "FAMILY_CARE"\nrule = { dependentParent = true }\n'
        + COOP_RULE
        + '[[rule]]\nkey = "orto"\narea = "GARDENING"\nrule = { dependentParent = true }\n'
        + '[[rule]]\nkey = "iva"\nprovider_vat = "12345678901"\nrule = { dependentParent = true }\n'
        + COOP_RULE.replace("isola/org-coop", "isola/org-gym")
    )

    assert problems(tmp_path, text).split("; ") == [
        "rule #2: eta: rule.age: 'min' must not exceed 'max'",
        "rule #3: 'key' (a non-empty string) is required",
        "rule #5: orto: unknown area 'GARDENING' (one of HEALTH_WELLBEING, FAMILY_CARE, "
        "LEISURE_WORK_LIFE, WORK_SERVICES)",
        "rule #6: iva: '12345678901' is not a valid partita IVA",
        "key 'coop-alleanza' is used twice",
    ]


def test_missing_or_unreadable_file_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^rules file not found: "):
        load_rules(tmp_path / "nosuch.toml")
    with pytest.raises(ConfigError, match=r"^cannot read rules file .*rules\.toml: "):
        load_rules(write(tmp_path, "[[rule]\nkey = "))


# --- Importing it ------------------------------------------------------------------------


@pytest.fixture
async def sessions(engine: AsyncEngine, tmp_path: Path) -> Sessions:
    """Sessions on a fresh database holding a small HSDS source named "isola": a
    cooperative (with the source's own age rule on its nursery) and a gym."""
    path = tmp_path / "bundle.json"
    catalogue = bundle(
        organizations=[
            organization("org-coop", "Cooperativa Sociale Isola", tax_id=COOP_VAT),
            organization("org-gym", "Palestra Duomo", tax_id=GYM_VAT),
        ],
        services=[
            service(
                "svc-nido", "org-coop", "Micronido", categories=["early-childhood"], maximum_age=3
            ),
            service("svc-yoga", "org-gym", "Yoga al mattino", categories=["mind-body"]),
        ],
    )
    path.write_bytes(orjson.dumps(catalogue))
    factory = session_factory(engine)
    async with httpx.AsyncClient() as client:
        run = await sync_source(factory, source(str(path)), client)
    assert run.status is SyncStatus.SUCCEEDED, run.error
    return factory


async def import_file(sessions: Sessions, path: Path) -> ImportReport:
    """What `concilia rules import` does: load the file, import it in one transaction."""
    rules = load_rules(path)
    async with sessions.begin() as session:
        return await import_rules(session, rules)


async def stored(sessions: Sessions) -> list[Row]:
    """Every stored rule, registry and source, with every column."""
    async with sessions() as session:
        table = SQLModel.metadata.tables["eligibility_rule"]
        rows = await session.execute(sa.select(table).order_by(col(EligibilityRule.id)))
        return [dict(row._mapping) for row in rows]


async def registry(sessions: Sessions) -> dict[str, Row]:
    return {row["key"]: row for row in await stored(sessions) if row["source_id"] is None}


async def ids(sessions: Sessions, model: type[Provider | Offering]) -> dict[str, int]:
    async with sessions() as session:
        rows = await session.execute(sa.select(col(model.external_id), col(model.id)))
        return {str(external_id): row_id(id_) for external_id, id_ in rows}


async def test_import_attaches_rules_to_areas_providers_and_offerings(
    sessions: Sessions, tmp_path: Path
) -> None:
    report = await import_file(sessions, write(tmp_path, REGISTRY))

    assert report == ImportReport(created=4, updated=0, unchanged=0, deleted=0)
    providers, offerings = await ids(sessions, Provider), await ids(sessions, Offering)
    targets = {
        key: (row["scope"], row["area"], row["provider_id"], row["offering_id"], row["source_id"])
        for key, row in (await registry(sessions)).items()
    }
    assert targets == {
        "famiglia-residenti": (RuleScope.AREA, "FAMILY_CARE", None, None, None),
        "coop-alleanza": (RuleScope.PROVIDER, None, providers["org-coop"], None, None),
        "palestra-pmi": (RuleScope.PROVIDER, None, providers["org-gym"], None, None),
        "yoga-giovani": (RuleScope.OFFERING, None, None, offerings["svc-yoga"], None),
    }


async def test_imported_rules_keep_their_canonical_body_hash_and_descriptions(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = write(tmp_path, REGISTRY)

    await import_file(sessions, path)

    rows = await registry(sessions)
    for rule in load_rules(path):
        row = rows[rule.key]
        assert (row["body"], row["body_hash"]) == (rule.body, rule_hash(rule.body))
        assert (row["description_it"], row["description_en"]) == (
            rule.description_it,
            rule.description_en,
        )
    assert rows["famiglia-residenti"]["description_en"] == "For district residents."


async def test_reimporting_the_same_file_leaves_every_rule_unchanged(
    sessions: Sessions, tmp_path: Path
) -> None:
    path = write(tmp_path, REGISTRY)
    await import_file(sessions, path)
    before = await stored(sessions)

    report = await import_file(sessions, path)

    assert report == ImportReport(created=0, updated=0, unchanged=4, deleted=0)
    assert await stored(sessions) == before


async def test_editing_one_rule_updates_only_it(sessions: Sessions, tmp_path: Path) -> None:
    await import_file(sessions, write(tmp_path, REGISTRY))
    before = await registry(sessions)
    edited = YOGA_RULE.replace("max = 35", "max = 40")

    report = await import_file(sessions, write(tmp_path, AREA_RULE + COOP_RULE + GYM_RULE + edited))

    assert report == ImportReport(created=0, updated=1, unchanged=3, deleted=0)
    after = await registry(sessions)
    body = '{"all":[{"age":{"max":40}},{"residenceCap":["20124","20159"]}]}'
    yoga = after.pop("yoga-giovani")
    assert (yoga["id"], yoga["body"], yoga["body_hash"]) == (
        before.pop("yoga-giovani")["id"],
        body,
        rule_hash(body),
    )
    assert after == before


async def test_moving_a_rule_to_another_target_clears_the_old_one(
    sessions: Sessions, tmp_path: Path
) -> None:
    await import_file(sessions, write(tmp_path, REGISTRY))
    moved = COOP_RULE.replace('provider = "isola/org-coop"', 'offering = "isola/svc-nido"')

    report = await import_file(sessions, write(tmp_path, AREA_RULE + moved + GYM_RULE + YOGA_RULE))

    assert report == ImportReport(created=0, updated=1, unchanged=3, deleted=0)
    row = (await registry(sessions))["coop-alleanza"]
    assert (row["scope"], row["provider_id"], row["offering_id"]) == (
        RuleScope.OFFERING,
        None,
        (await ids(sessions, Offering))["svc-nido"],
    )


async def test_rule_removed_from_the_file_is_deleted(sessions: Sessions, tmp_path: Path) -> None:
    await import_file(sessions, write(tmp_path, REGISTRY))

    report = await import_file(sessions, write(tmp_path, AREA_RULE + GYM_RULE + YOGA_RULE))

    assert report == ImportReport(created=0, updated=0, unchanged=3, deleted=1)
    assert sorted(await registry(sessions)) == [
        "famiglia-residenti",
        "palestra-pmi",
        "yoga-giovani",
    ]


async def test_file_with_unknown_references_changes_nothing_and_names_them_all(
    sessions: Sessions, tmp_path: Path
) -> None:
    await import_file(sessions, write(tmp_path, REGISTRY))
    before = await stored(sessions)
    broken = (
        AREA_RULE.replace('"RESIDENT"', '"FREELANCER"')
        + COOP_RULE.replace("isola/org-coop", "nosuch/org-coop")
        + GYM_RULE.replace("IT 01234560157", UNKNOWN_VAT)
        + YOGA_RULE.replace("isola/svc-yoga", "isola/svc-pilates")
        + '[[rule]]\nkey = "nuova"\narea = "WORK_SERVICES"\nrule = { dependentParent = true }\n'
    )

    with pytest.raises(ConfigError) as raised:
        await import_file(sessions, write(tmp_path, broken))

    assert str(raised.value) == (
        "unknown references: coop-alleanza: no provider 'nosuch/org-coop'; "
        f"palestra-pmi: no single provider has partita IVA {UNKNOWN_VAT}; "
        "yoga-giovani: no offering 'isola/svc-pilates'"
    )
    assert await stored(sessions) == before


async def test_import_never_touches_the_rules_sources_give(
    sessions: Sessions, tmp_path: Path
) -> None:
    [source_rule] = await stored(sessions)
    assert (source_rule["key"], source_rule["body"]) == (None, '{"childAge":{"max":3}}')
    await import_file(sessions, write(tmp_path, REGISTRY))

    report = await import_file(sessions, write(tmp_path, "# the registry is emptied\n"))

    assert report == ImportReport(created=0, updated=0, unchanged=0, deleted=4)
    assert await stored(sessions) == [source_rule]


# --- `concilia rules` --------------------------------------------------------------------


def test_rules_check_validates_the_demo_registry(tmp_path: Path) -> None:
    path = Path("data") / "demo" / "rules.toml"

    result = concilia("rules", "check", str(path), env=environment(tmp_path / "hub.db"), cwd=ROOT)

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"{path}: {len(load_rules(ROOT / path))} valid rules\n"


def test_rules_import_reports_what_it_did(tmp_path: Path) -> None:
    path = write(tmp_path, AREA_RULE)

    result = concilia("rules", "import", str(path), env=environment(tmp_path / "hub.db"))

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"rules from {path}: 1 created, 0 updated, 0 unchanged, 0 deleted\n"


def test_rules_import_of_an_invalid_file_fails_with_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, '[[rule]]\nkey = "orto"\narea = "GARDENING"\nrule = { dependentParent = true }'
    )

    result = concilia("rules", "import", str(path), env=environment(tmp_path / "hub.db"))

    assert result.returncode == 2
    assert one_line_error(result) == (
        f"concilia: {path}: rule #1: orto: unknown area 'GARDENING' "
        "(one of HEALTH_WELLBEING, FAMILY_CARE, LEISURE_WORK_LIFE, WORK_SERVICES)"
    )
