"""The connector kinds the hub knows, by the `kind` a source declares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import Protocol

from connectors.config import ConfigError, SourceConfig
from connectors.csv import FIELDS as CSV_FIELDS
from connectors.csv import CsvSheet
from connectors.fetch import Fetcher
from connectors.graphql import GraphQLConnector
from connectors.hsds import HsdsApi, HsdsBundle
from connectors.ical import ICalendarFeed
from connectors.jsonld import JsonLdMarkup
from connectors.mapping import Classifier, RecordValues
from connectors.openactive import OpenActiveFeed
from connectors.records import (
    Item,
    LocationRecord,
    OfferingRecord,
    ProviderRecord,
    SlotRecord,
)


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


# The fields of `defaults` a kind applies itself (a spreadsheet defaults its cells).
OWN_DEFAULTS: dict[str, frozenset[str]] = {CsvSheet.kind: CSV_FIELDS}


def connector_for(source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> Connector:
    """The connector that reads `source`, with the source's `fixed` and `defaults` values
    applied to what it yields (connectors.mapping); ConfigError for an unknown kind or a
    malformed option."""
    try:
        factory = CONNECTORS[source.kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ConfigError(
            f"source {source.name!r} has unknown kind {source.kind!r} (known: {known})"
        ) from None
    try:
        values = RecordValues.of(source.options, OWN_DEFAULTS.get(source.kind, ()))
    except ConfigError as error:
        raise ConfigError(f"source {source.name!r}: {error}") from None
    connector = factory(source, fetcher, state)
    return _WithValues(connector, values) if values else connector


class _WithValues:
    """A connector whose records get the source's fixed and default values."""

    def __init__(self, connector: Connector, values: RecordValues) -> None:
        self.connector = connector
        self.values = values
        self.classifier = connector.classifier

    @property
    def complete_snapshot(self) -> bool:
        return self.connector.complete_snapshot

    async def records(self) -> AsyncIterator[Item]:
        async for item in self.connector.records():
            if isinstance(item, ProviderRecord | LocationRecord | OfferingRecord | SlotRecord):
                yield self.values.apply(item)
            else:
                yield item  # problems, deletions and checkpoints
