"""The operator's story, end to end: sources whose URLs carry credentials, on a feed server
that fails in every way (HTTP 500, an unparseable body, a timeout) or succeeds, and a
source declared by a relative path with live availability; `concilia` syncs, lists and
checks them, the API shows them. No credential and no path of the server appears in any
answer, any output of the command or any log record."""

from __future__ import annotations

import asyncio
import functools
import logging
import shutil
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import connectors.fetch
import connectors.preview
import connectors.sync
from connectors.fetch import Fetcher
from hub.app import create_app
from hub.cli import main
from hub.settings import Settings
from models.db import create_engine
from tests.utils import demo
from tests.utils.databases import Databases
from tests.utils.fetching import Sleeps
from tests.utils.server import FeedServer, Hang, serving

PASSWORD = "s3cret-pass"  # noqa: S105 - the secret the test makes sure never shows
TOKEN = "t0ken-s3cret"  # noqa: S105
CLINIC = "https://studio.example/#studio"
WEEK = {"from": "2026-11-30T00:00:00+01:00", "to": "2026-12-07T00:00:00+01:00"}
SOURCES = """
[[source]]
name = "guasto"
kind = "hsds"
url = "{guasto}"

[[source]]
name = "illeggibile"
kind = "openactive"
url = "{illeggibile}"

[[source]]
name = "lento"
kind = "hsds"
url = "{lento}"

[[source]]
name = "in-ordine"
kind = "jsonld"
url = "{in_ordine}"
categories = {{ "Pediatria" = "health-checkup" }}

[[source]]
name = "archivio"
kind = "hsds"
url = "feeds/archivio.hsds.json"

[[source]]
name = "prenota-isola"
kind = "openactive"
url = "feeds/session-series-1.json"
feeds = ["scheduled-sessions-1.json"]
live_availability = "{live}"
category = "fitness-sport"
"""
SOURCES_QUERY = """{
  sources {
    name url
    lastRun { status error fetched quarantinedCount quarantined { externalId reason } }
  }
}"""
AVAILABILITY_QUERY = """
query Week($from: DateTime!, $to: DateTime!) {
  offerings(first: 100) { edges { node {
    availability(from: $from, to: $to) { remaining stale }
  } } }
}
"""


@dataclass(frozen=True)
class Ran:
    """What a `concilia` command printed, and its exit code."""

    code: int
    out: str
    err: str


@dataclass(frozen=True)
class Hub:
    """The operator's sources file, and the feed server behind its remote sources."""

    directory: Path
    server: FeedServer
    database_url: str

    def url(self, path: str) -> str:
        """A URL of the feed server as a member hands it out: with credentials."""
        host = self.server.base_url.removeprefix("http://")
        return f"http://user:{PASSWORD}@{host}{path}?token={TOKEN}"


def json_ld(broken_provider: str) -> dict[str, Any]:
    """A clinic's page: one service, and one whose provider is a link the page lacks."""
    return {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "MedicalClinic", "@id": CLINIC, "name": "Studio Medico Isola"},
            {
                "@type": "Service",
                "@id": "https://studio.example/servizi/1",
                "name": "Visita pediatrica",
                "provider": {"@id": CLINIC},
                "serviceType": "Pediatria",
            },
            {
                "@type": "Service",
                "@id": "https://studio.example/servizi/2",
                "name": "Visita a domicilio",
                "provider": {"@id": broken_provider},
                "serviceType": "Pediatria",
            },
        ],
    }


@pytest.fixture
async def hub(
    tmp_path: Path, feed_server: FeedServer, databases: Databases, monkeypatch: pytest.MonkeyPatch
) -> Hub:
    """Sources declared in a directory with a space in its name, the feed server's
    answers, and `concilia` pointed at them, with a short timeout and no backoff waits."""
    hub = Hub(tmp_path / "hub conf", feed_server, await databases.create())
    shutil.copytree(demo.DEMO / "openactive", hub.directory / "feeds")
    feed_server.serve(
        "/guasto.json", f"failed: {hub.url('/guasto.json')} in /srv/app/x.py", status=500
    )
    feed_server.serve("/illeggibile", "<html>not RPDE</html>", content_type="text/html")
    feed_server.serve("/lento.json", {})
    feed_server.then("/lento.json", Hang(3.0), Hang(3.0))
    feed_server.serve("/in-ordine.jsonld", json_ld(hub.url("/organizzazioni/7")))
    urls = {
        name.replace("-", "_"): hub.url(f"/{name}{suffix}")
        for name, suffix in [
            ("guasto", ".json"),
            ("illeggibile", ""),
            ("lento", ".json"),
            ("in-ordine", ".jsonld"),
        ]
    }
    sources = SOURCES.format(live=hub.url("/live/{id}"), **urls)
    (hub.directory / "sources.toml").write_text(sources, encoding="utf-8")
    monkeypatch.setenv("CONCILIA_SOURCES", str(hub.directory / "sources.toml"))
    monkeypatch.setenv("CONCILIA_DATABASE_URL", hub.database_url)
    monkeypatch.setattr(connectors.fetch, "DEFAULT_TIMEOUT", httpx.Timeout(1.0))
    quick = functools.partial(Fetcher, attempts=2, sleep=Sleeps())
    monkeypatch.setattr(connectors.sync, "Fetcher", quick)
    monkeypatch.setattr(connectors.preview, "Fetcher", quick)
    return hub


async def concilia(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> Ran:
    """Run the `concilia` console script's entry point in this process (its logs reach
    caplog), in a thread of its own: the feed server answers from this event loop."""
    monkeypatch.setattr(sys, "argv", ["concilia", *args])

    def run() -> int:
        try:
            main()
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else 1
        return 0

    code = await asyncio.to_thread(run)
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


@pytest.fixture
async def hub_engine(hub: Hub) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(hub.database_url)
    yield engine
    await engine.dispose()


async def test_no_secret_or_server_path_in_answers_outputs_or_logs(
    hub: Hub,
    hub_engine: AsyncEngine,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    synced = await concilia(capsys, monkeypatch, "sync")
    listed = await concilia(capsys, monkeypatch, "sources")
    checked = await concilia(capsys, monkeypatch, "sources", "check", "in-ordine")
    refused = await concilia(capsys, monkeypatch, "sources", "check", "guasto")
    app = create_app(Settings(), engine=hub_engine)
    async for base_url in serving(app, lifespan=True):
        async with httpx.AsyncClient(base_url=base_url) as http:
            sources = await http.post("/graphql", json={"query": SOURCES_QUERY})
            availability = await http.post(
                "/graphql", json={"query": AVAILABILITY_QUERY, "variables": WEEK}
            )

    said = [
        *(text for ran in (synced, listed, checked, refused) for text in (ran.out, ran.err)),
        sources.text,
        availability.text,
        *(record.getMessage() for record in caplog.records),
        *(record.exc_text or "" for record in caplog.records),
    ]
    directory = str(hub.directory.parent)
    for text in said:
        for secret in (PASSWORD, TOKEN, directory, str(hub.directory.resolve().parent)):
            assert secret not in text, text

    # ... and what the operator needs is still there.
    assert (synced.code, listed.code, checked.code, refused.code) == (1, 0, 0, 2)
    shown = {source["name"]: source for source in sources.json()["data"]["sources"]}
    host = hub.server.base_url.removeprefix("http://")
    remote = f"http://***@{host}/%s?token=***"
    assert shown["guasto"]["url"] == remote % "guasto.json"
    assert shown["prenota-isola"]["url"] == "feeds/session-series-1.json"
    errors = {name: source["lastRun"]["error"] for name, source in shown.items()}
    assert errors["guasto"] == (
        f"{remote % 'guasto.json'} answered HTTP 500: failed: {remote % 'guasto.json'} in x.py"
        " (after 2 attempts)"
    )
    assert errors["illeggibile"].startswith(f"RPDE page {remote % 'illeggibile'} is not valid")
    assert errors["lento"].startswith(f"cannot fetch {remote % 'lento.json'}: ReadTimeout")
    assert errors["archivio"] == "cannot read feeds/archivio.hsds.json: No such file or directory"
    assert (errors["in-ordine"], errors["prenota-isola"]) == (None, None)
    assert shown["in-ordine"]["lastRun"]["quarantined"] == [
        {
            "externalId": "https://studio.example/servizi/2",
            "reason": "Service https://studio.example/servizi/2: its provider"
            f" '{remote % 'organizzazioni/7'}' is not described in the document",
        }
    ]
    assert f"{'guasto':<24} {'hsds':<12} {remote % 'guasto.json'}" in listed.out
    assert f"its provider '{remote % 'organizzazioni/7'}'" in " ".join(checked.out.split())
    assert refused.err.startswith(f"concilia: {remote % 'guasto.json'} answered HTTP 500")
    slots = [
        entry
        for edge in availability.json()["data"]["offerings"]["edges"]
        for entry in edge["node"]["availability"]
    ]
    assert slots
    assert all(entry["stale"] for entry in slots)  # the live endpoint answers 404
    assert hub.server.hits("/live/ScheduledSession:5002") >= 1
    assert f"GET {remote % 'live/ScheduledSession%3A5002'}" in caplog.text
    assert f"{remote % 'lento.json'}: ReadTimeout(''); retrying" in caplog.text
