"""The connector kinds the hub knows, by the `kind` a source declares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Protocol

from connectors.config import ConfigError, SourceConfig
from connectors.csv import CsvSheet
from connectors.fetch import Fetcher
from connectors.graphql import GraphQLConnector
from connectors.hsds import HsdsApi, HsdsBundle
from connectors.ical import ICalendarFeed
from connectors.jsonld import JsonLdMarkup
from connectors.mapping import Classifier
from connectors.openactive import OpenActiveFeed
from connectors.records import Item


class Connector(Protocol):
    """Reads one source and yields normalised records, problems, deletions and
    checkpoints; it never writes to the database.

    Records come in dependency order: providers, then locations, then offerings, then
    slots, so that every reference points back to something already yielded (in this
    sync or an earlier one).
    """

    @property
    def complete_snapshot(self) -> bool:
        """Whether one read returns every record, so that absent offerings are withdrawn.
        Incremental sources (RPDE, `modified_after`) withdraw only what they delete."""
        ...

    # How the source's terms become categories; it counts the terms it could not map,
    # which the sync run records (connectors.mapping).
    classifier: Classifier

    def records(self) -> AsyncIterator[Item]: ...


# A connector is built from its source's declaration, the source's fetcher, and the
# state of its last committed checkpoint (empty on the first sync).
ConnectorFactory = Callable[[SourceConfig, Fetcher, Mapping[str, object]], Connector]

CONNECTORS: dict[str, ConnectorFactory] = {
    HsdsBundle.kind: HsdsBundle,
    HsdsApi.kind: HsdsApi,
    GraphQLConnector.kind: GraphQLConnector,
    CsvSheet.kind: CsvSheet,
    JsonLdMarkup.kind: JsonLdMarkup,
    ICalendarFeed.kind: ICalendarFeed,
    OpenActiveFeed.kind: OpenActiveFeed,
}


def connector_for(source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> Connector:
    """The connector that reads `source`; ConfigError for an unknown kind."""
    try:
        factory = CONNECTORS[source.kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ConfigError(
            f"source {source.name!r} has unknown kind {source.kind!r} (known: {known})"
        ) from None
    return factory(source, fetcher, state)
