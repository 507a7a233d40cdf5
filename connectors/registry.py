"""The connector kinds the hub knows, by the `kind` a source declares."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Protocol

import httpx

from connectors.config import ConfigError, SourceConfig
from connectors.hsds import HsdsBundle
from connectors.records import Problem, Record


class Connector(Protocol):
    """Reads one source and yields normalised records (providers before the offerings
    that reference them) and problems; it never writes to the database."""

    @property
    def complete_snapshot(self) -> bool:
        """Whether one read returns every record, so that absent ones are withdrawn."""
        ...

    def records(self) -> AsyncIterator[Record | Problem]: ...


ConnectorFactory = Callable[[SourceConfig, httpx.AsyncClient], Connector]

CONNECTORS: dict[str, ConnectorFactory] = {
    HsdsBundle.kind: HsdsBundle,
}


def connector_for(source: SourceConfig, client: httpx.AsyncClient) -> Connector:
    """The connector that reads `source`; ConfigError for an unknown kind."""
    try:
        factory = CONNECTORS[source.kind]
    except KeyError:
        known = ", ".join(sorted(CONNECTORS))
        raise ConfigError(
            f"source {source.name!r} has unknown kind {source.kind!r} (known: {known})"
        ) from None
    return factory(source, client)
