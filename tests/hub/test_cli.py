"""`concilia`, the operator's command line, run as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
import pytest

from connectors.config import load_sources
from models import migrations
from schema import build_schema, public_sdl
from tests.utils import demo
from tests.utils.databases import Databases
from tests.utils.process import concilia_serve

ROOT = Path(__file__).resolve().parents[2]
CONCILIA = Path(sys.executable).with_name("concilia")
DEMO_SOURCES = ROOT / "data" / "demo" / "sources.toml"
SCHEMA_FILE = ROOT / "schema.graphql"
AREAS = "{ areas { area offeringCount } }"


def environment(database: Path, sources: Path = DEMO_SOURCES) -> dict[str, str]:
    """The process environment with the hub pointed at `database` and `sources`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}
    env["CONCILIA_DATABASE_URL"] = f"sqlite+aiosqlite:///{database}"
    env["CONCILIA_SOURCES"] = str(sources)
    return env


def concilia(
    *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the console script; whatever happens, it must not print a traceback."""
    result = subprocess.run(  # noqa: S603 - our own console script with test arguments
        [str(CONCILIA), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a command that must fail cleanly."""
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("concilia: ")
    return lines[0]


def sync_table(stdout: str) -> list[dict[str, str]]:
    """The rows of the table `demo` and `sync` print, keyed by column name."""
    lines = stdout.splitlines()
    header_at = next(
        i for i, line in enumerate(lines) if line.split()[:3] == ["source", "run", "status"]
    )
    header = lines[header_at].split()
    rows = [line for line in lines[header_at + 1 :] if line.strip()]
    # `demo` ends with the line on the rules it imported.
    rows = [line for line in rows if not line.startswith("rules from ")]
    return [dict(zip(header, line.split(), strict=True)) for line in rows]


@dataclass(frozen=True)
class DemoDatabase:
    """A database built once by `concilia demo`; the tests using it must not write to it."""

    env: dict[str, str]
    built: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> DemoDatabase:
    env = environment(tmp_path_factory.mktemp("cli") / "demo.db")
    return DemoDatabase(env, concilia("demo", env=env))


def test_demo_builds_the_database_and_prints_the_sync_table(demo_db: DemoDatabase) -> None:
    assert demo_db.built.returncode == 0, demo_db.built.stderr
    assert demo_db.built.stdout.splitlines()[-1].startswith(
        "rules from data/demo/rules.toml: 14 created, 0 updated, 0 unchanged, 0 deleted"
    )
    rows = sync_table(demo_db.built.stdout)
    assert len(rows) == len(load_sources(DEMO_SOURCES))
    for row in rows:
        assert row["status"] == "SUCCEEDED"
        assert int(row["created"]) > 0
        assert (row["updated"], row["unchanged"], row["withdrawn"]) == ("0", "0", "0")


def test_second_sync_reports_everything_unchanged(tmp_path: Path) -> None:
    env = environment(tmp_path / "hub.db")
    first = concilia("sync", env=env)
    second = concilia("sync", env=env)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    incremental = {s.name for s in load_sources(DEMO_SOURCES) if s.kind == "openactive"}
    for before, after in zip(sync_table(first.stdout), sync_table(second.stdout), strict=True):
        assert after["status"] == "SUCCEEDED"
        assert (after["created"], after["updated"], after["withdrawn"]) == ("0", "0", "0")
        assert before["created"] != "0"
        if after["source"] in incremental:  # resumes after the last page: nothing to read
            assert after["fetched"] == "0"
        else:
            assert after["unchanged"] == before["created"]
        assert after["quarantined"] == before["quarantined"]


def test_sync_of_an_unknown_source_fails_with_one_line(demo_db: DemoDatabase) -> None:
    result = concilia("sync", "--source", "nosuch", env=demo_db.env)
    assert "nosuch" in one_line_error(result)


def test_sources_lists_the_demo_sources(demo_db: DemoDatabase) -> None:
    result = concilia("sources", env=demo_db.env)
    assert result.returncode == 0, result.stderr
    listed = [line.split()[:2] for line in result.stdout.splitlines()]
    assert listed == [[source.name, source.kind] for source in load_sources(DEMO_SOURCES)]


def test_query_prints_the_json_response(demo_db: DemoDatabase) -> None:
    result = concilia("query", AREAS, env=demo_db.env)
    assert result.returncode == 0, result.stderr
    response = orjson.loads(result.stdout)
    assert "errors" not in response
    areas = response["data"]["areas"]
    assert len(areas) == 4
    # The demo's HSDS bundles (the oracle) and its other sources, all in the count.
    assert sum(area["offeringCount"] for area in areas) > len(demo.visible())


def test_query_takes_variables(demo_db: DemoDatabase) -> None:
    document = "query($n: Int) { offerings(first: $n) { edges { node { id } } } }"
    result = concilia("query", document, "--variables", '{"n": 2}', env=demo_db.env)
    assert result.returncode == 0, result.stderr
    assert len(orjson.loads(result.stdout)["data"]["offerings"]["edges"]) == 2


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("{ areas { nosuch } }", "GRAPHQL_VALIDATION_FAILED"),
        ("{ areas { area }", "GRAPHQL_PARSE_FAILED"),
        ("{ offerings(first: 101) { totalCount } }", "BAD_USER_INPUT"),
    ],
)
def test_query_with_errors_exits_1_and_prints_coded_errors(
    demo_db: DemoDatabase, document: str, code: str
) -> None:
    result = concilia("query", document, env=demo_db.env)
    assert result.returncode == 1
    errors = orjson.loads(result.stdout)["errors"]
    assert [error["extensions"]["code"] for error in errors] == [code]


@pytest.mark.parametrize(("variables", "complaint"), [("not json", "JSON"), ("[1]", "object")])
def test_query_with_unusable_variables_fails_with_one_line(
    demo_db: DemoDatabase, variables: str, complaint: str
) -> None:
    result = concilia("query", AREAS, "--variables", variables, env=demo_db.env)
    line = one_line_error(result)
    assert "--variables" in line
    assert complaint in line
    assert result.stdout == ""


def test_query_reads_the_document_from_a_file(demo_db: DemoDatabase, tmp_path: Path) -> None:
    (tmp_path / "areas.graphql").write_text(f"# every area\n{AREAS}\n", encoding="utf-8")
    result = concilia("query", "@areas.graphql", env=demo_db.env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(orjson.loads(result.stdout)["data"]["areas"]) == 4


def test_query_of_a_missing_file_fails_with_one_line(demo_db: DemoDatabase, tmp_path: Path) -> None:
    result = concilia("query", "@nosuch.graphql", env=demo_db.env, cwd=tmp_path)
    assert "nosuch.graphql" in one_line_error(result)


def test_export_schema_prints_the_committed_schema(tmp_path: Path) -> None:
    result = concilia("export-schema", env=environment(tmp_path / "unused.db"))
    assert result.returncode == 0, result.stderr
    # Until schema.graphql is committed (tests/test_schema_file.py fails meanwhile), the
    # export is compared with the schema the hub serves.
    expected = (
        SCHEMA_FILE.read_text(encoding="utf-8")
        if SCHEMA_FILE.exists()
        else public_sdl(build_schema()) + "\n"
    )
    assert result.stdout == expected
    assert "\ntype Query {" in result.stdout


def test_export_schema_writes_the_output_file(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    result = concilia(
        "export-schema", "--output", str(target), env=environment(tmp_path / "unused.db")
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == public_sdl(build_schema()) + "\n"


def test_export_schema_federation_prints_the_subgraph_sdl(tmp_path: Path) -> None:
    result = concilia("export-schema", "--federation", env=environment(tmp_path / "unused.db"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith('schema @link(url: "https://specs.apollo.dev/federation/v2')
    assert 'type Provider implements Node @key(fields: "id") @key(fields: "vatNumber")' in (
        result.stdout
    )


def test_db_init_creates_a_fresh_database(tmp_path: Path) -> None:
    env = environment(tmp_path / "fresh.db")
    result = concilia("db", "init", env=env)
    assert result.returncode == 0, result.stderr
    assert "database ready" in result.stdout
    areas = orjson.loads(concilia("query", AREAS, env=env).stdout)["data"]["areas"]
    assert [area["offeringCount"] for area in areas] == [0, 0, 0, 0]


async def test_db_upgrade_current_and_downgrade(databases: Databases) -> None:
    env = environment(Path("unused.db"))
    env["CONCILIA_DATABASE_URL"] = await databases.create()
    head = migrations.head()

    assert concilia("db", "current", env=env).stdout.startswith("no revision")
    upgraded = concilia("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert f"revision {head} (head)" in upgraded.stdout
    assert concilia("db", "current", env=env).stdout == f"revision {head} (head)\n"

    if head == migrations.BASELINE:
        refused = one_line_error(concilia("db", "downgrade", env=env))
        assert "baseline" in refused
        assert concilia("db", "current", env=env).stdout == f"revision {head} (head)\n"
    else:
        below = migrations.previous(head)
        stepped = concilia("db", "downgrade", env=env)
        assert stepped.returncode == 0, stepped.stderr
        assert concilia("db", "current", env=env).stdout.startswith(f"revision {below} (not head")


@pytest.mark.parametrize("revision", ["nosuch", "0999", "head+1", "0001:0002", "base"])
def test_db_upgrade_to_an_unknown_revision_fails_with_one_line(
    tmp_path: Path, revision: str
) -> None:
    result = concilia("db", "upgrade", revision, env=environment(tmp_path / "any.db"))
    assert result.returncode == 2
    one_line_error(result)


@pytest.mark.parametrize(
    "command", [["db", "init"], ["query", AREAS], ["sync"]], ids=["db-init", "query", "sync"]
)
def test_bad_database_url_fails_with_one_line(tmp_path: Path, command: list[str]) -> None:
    env = environment(tmp_path / "unused.db")
    env["CONCILIA_DATABASE_URL"] = "nosuchdb://x"
    assert "database URL" in one_line_error(concilia(*command, env=env))


@pytest.mark.parametrize("command", [["sources"], ["sync"], ["demo"]], ids=" ".join)
def test_missing_sources_file_fails_with_one_line(tmp_path: Path, command: list[str]) -> None:
    env = environment(tmp_path / "hub.db", sources=tmp_path / "nosuch.toml")
    assert "nosuch.toml" in one_line_error(concilia(*command, env=env))


def test_serve_answers_graphql_over_real_http(demo_db: DemoDatabase, tmp_path: Path) -> None:
    with concilia_serve(demo_db.env, tmp_path / "serve.log") as served:
        response = httpx.post(
            f"{served.url}/graphql",
            json={"query": "{ offerings(first: 5) { totalCount edges { node { title } } } }"},
            timeout=10,
        )
        # A profile in a GET query string never reaches the access log.
        eligible = httpx.get(
            f"{served.url}/graphql",
            params={
                "query": "query($p: BeneficiaryProfileInput!) "
                "{ offerings(filter: {eligibleFor: $p}) { totalCount } }",
                "variables": '{"p": {"isee": "23456.78", "residenceCap": "20161"}}',
            },
            timeout=10,
        )
    assert response.status_code == 200
    offerings = response.json()["data"]["offerings"]
    assert offerings["totalCount"] > len(demo.visible())
    assert len(offerings["edges"]) == 5
    assert eligible.status_code == 200, eligible.text
    logged = (tmp_path / "serve.log").read_text()
    assert "Traceback" not in logged
    assert re.search(r"concilia\.access \[\w+\]: GET /graphql 200 ", logged), logged
    assert "?" not in logged
    assert "23456" not in logged
    assert "20161" not in logged


SHEET = """\ufeffID ente;Ente;Partita IVA;Codice;Servizio;Area
studio;Studio Ferrandi;11295180159;S1;Dichiarazione 730;Fiscale
studio;Studio Ferrandi;11295180159;S2;Webinar busta paga;Lavoro
studio;Studio Ferrandi;11295180159;S3;Padel aziendale;Padel
bottega;Bottega Isola;12345670018;B1;Corso di ceramica;Corsi
"""

CHECKED_SOURCE = """
[[source]]
name = "foglio"
kind = "csv"
url = "foglio.csv"
[source.columns]
"ID ente" = "provider_id"
"Ente" = "provider_name"
"Partita IVA" = "provider_vat"
"Codice" = "external_id"
"Servizio" = "title_it"
"Area" = "category"
[source.categories]
"Fiscale" = "business-services"
"Lavoro" = "WORK_SERVICES"
"Corsi" = "courses"
"""


def test_sources_check_previews_a_source_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "foglio.csv").write_text(SHEET, encoding="utf-8")
    (tmp_path / "sources.toml").write_text(CHECKED_SOURCE, encoding="utf-8")
    env = environment(tmp_path / "hub.db", sources=tmp_path / "sources.toml")

    result = concilia("sources", "check", "foglio", env=env)

    assert result.returncode == 0, result.stderr
    out = " ".join(result.stdout.split())
    assert "provider 1 1" in out  # Studio Ferrandi mapped, Bottega Isola quarantined
    assert "offering 2 2" in out
    assert "sample offering: external_id=S1 provider_external_id=studio" in out
    assert "categories=business-services" in out
    assert "sample offering: external_id=S2" in out
    assert "categories=work-services" in out
    assert "provider bottega invalid partita IVA '12345670018'" in out
    assert "offering B1 its provider 'bottega' is quarantined: invalid partita IVA" in out
    assert "unknown category 'Padel'" in out
    assert "Padel 1" in out  # the unmapped term, counted
    assert not (tmp_path / "hub.db").exists()


def test_sources_check_of_an_unknown_or_unreadable_source_fails_with_one_line(
    tmp_path: Path,
) -> None:
    (tmp_path / "sources.toml").write_text(CHECKED_SOURCE, encoding="utf-8")
    env = environment(tmp_path / "hub.db", sources=tmp_path / "sources.toml")

    unknown = one_line_error(concilia("sources", "check", "nosuch", env=env))
    missing = one_line_error(concilia("sources", "check", "foglio", env=env))

    assert "no source named 'nosuch'" in unknown
    assert "declared: foglio" in unknown
    assert "foglio.csv" in missing
