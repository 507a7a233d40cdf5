"""Sources and their runs as the graph shows them: never a credential or a server path,
even in rows stored before the hub redacted what it stores."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from models import Source, SyncProblem, SyncRun, SyncStatus
from models.db import session_factory
from models.types import row_id, utc_now
from tests.utils.graphql import GraphQLClient
from tests.utils.hub import hub_client

URL = "https://hub:s3cret@feeds.example/bundle.json?token=t0ken&lang=it"
ERROR = f"{URL} answered HTTP 500: failed in /srv/member-app/feeds/export.py"
REASON = "unreadable HSDS service: cannot read /var/lib/hub/sources/feeds/logo.json"
QUERY = """
{ sources { id name url lastRun { id error quarantined { externalId reason } } } }
"""
NODES = """
query($source: ID!, $run: ID!) {
  source: node(id: $source) { ... on Source { url } }
  run: node(id: $run) { ... on SyncRun { error quarantined { reason } } }
}
"""


async def store_unredacted(engine: AsyncEngine) -> None:
    """A source, its failed run and a quarantined record as an older hub stored them."""
    async with session_factory(engine).begin() as session:
        source = Source(name="vecchia", kind="hsds", url=URL)
        session.add(source)
        await session.flush()
        run = SyncRun(
            source_id=row_id(source.id),
            status=SyncStatus.FAILED,
            finished_at=utc_now(),
            error=ERROR,
        )
        session.add(run)
        await session.flush()
        session.add(
            SyncProblem(
                sync_run_id=row_id(run.id), record_kind="offering", external_id="s1", reason=REASON
            )
        )


async def test_rows_stored_unredacted_are_shown_redacted(engine: AsyncEngine) -> None:
    await store_unredacted(engine)

    async with hub_client(create_app(engine=engine)) as http:
        gql = GraphQLClient(http)
        (source,) = (await gql.data(QUERY))["sources"]
        nodes = await gql.data(NODES, {"source": source["id"], "run": source["lastRun"]["id"]})

    shown_url = "https://***@feeds.example/bundle.json?token=***&lang=it"
    shown_error = f"{shown_url} answered HTTP 500: failed in export.py"
    shown_reason = "unreadable HSDS service: cannot read logo.json"
    assert source["url"] == shown_url
    assert source["lastRun"]["error"] == shown_error
    assert source["lastRun"]["quarantined"] == [{"externalId": "s1", "reason": shown_reason}]
    assert nodes == {
        "source": {"url": shown_url},
        "run": {"error": shown_error, "quarantined": [{"reason": shown_reason}]},
    }
