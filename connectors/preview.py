"""What a sync of a source would load, without writing anything: `concilia sources check`.

A member's operator declares a source in `sources.toml` and checks it before its first
sync: the source is fetched and mapped by its connector exactly as a sync would, every
record goes through the same validation, and the preview keeps a sample of the mapped
records of each kind, every record that would be quarantined with its reason, and the
terms of the source's taxonomy that no `categories` entry maps.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace

import httpx

from connectors.config import SourceConfig
from connectors.fetch import Fetcher
from connectors.records import (
    Checkpoint,
    Deletion,
    OfferingRecord,
    Problem,
    ProviderRecord,
    Record,
    SlotRecord,
)
from connectors.registry import connector_for
from connectors.sync import KINDS, provider_cause, with_root_cause
from models.validation import InvalidRecord, check

# Problems listed one by one (all are counted).
MAX_LISTED_PROBLEMS = 1_000


@dataclass
class Preview:
    """A source as a sync would see it."""

    source: SourceConfig
    # Valid records per kind (provider, location, offering, slot), and a few of each.
    mapped: Counter[str] = field(default_factory=Counter)
    samples: dict[str, list[Record]] = field(default_factory=dict)
    # Records that would be quarantined: counted per kind, listed up to a bound.
    quarantined: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    deletions: int = 0
    unmapped: Counter[str] = field(default_factory=Counter)
    # The read stopped at `limit` records.
    truncated: bool = False


async def preview(
    config: SourceConfig, client: httpx.AsyncClient, *, sample: int = 3, limit: int | None = None
) -> Preview:
    """Read `config` as its first sync would (no checkpoint) and validate every record;
    FetchError or ConfigError when the source cannot be read at all."""
    connector = connector_for(config, Fetcher(client), {})
    result = Preview(config)
    quarantined_providers: dict[str, str] = {}
    providers: set[str] = set()
    offerings: set[str] = set()
    read = 0
    async for item in connector.records():
        if isinstance(item, Checkpoint):
            continue
        if limit is not None and read >= limit:
            result.truncated = True
            break
        read += 1
        if isinstance(item, Deletion):
            result.deletions += 1
            continue
        if isinstance(item, Problem):
            _quarantine(result, item)
            continue
        kind = KINDS[type(item)]
        try:
            record = check(item)
            _check_reference(record, providers, offerings, quarantined_providers)
        except InvalidRecord as error:
            reason = with_root_cause(item, str(error), quarantined_providers)
            if isinstance(item, ProviderRecord):
                quarantined_providers[item.external_id] = reason
            _quarantine(result, Problem(kind, item.external_id, reason))
            continue
        if isinstance(record, ProviderRecord):
            providers.add(record.external_id)
        elif isinstance(record, OfferingRecord):
            offerings.add(record.external_id)
        result.mapped[kind] += 1
        shown = result.samples.setdefault(kind, [])
        if len(shown) < sample:
            shown.append(record)
    result.unmapped = connector.classifier.unmapped
    return result


def _check_reference(
    record: Record,
    providers: set[str],
    offerings: set[str],
    quarantined_providers: dict[str, str],
) -> None:
    """What the sync engine checks against the database, checked against the feed: an
    offering's provider and a slot's offering must come before it (or be stored
    already, which a preview cannot know: it says so)."""
    if isinstance(record, OfferingRecord) and record.provider_external_id not in providers:
        raise InvalidRecord(
            provider_cause(record, quarantined_providers)
            or f"provider {record.provider_external_id!r} is not in this read of the source"
            " (a sync finds it only if an earlier one stored it)"
        )
    if isinstance(record, SlotRecord) and record.offering_external_id not in offerings:
        raise InvalidRecord(
            f"offering {record.offering_external_id!r} is not in this read of the source"
            " (a sync finds it only if an earlier one stored it)"
        )


def _quarantine(result: Preview, problem: Problem) -> None:
    result.quarantined[problem.record_kind] += 1
    if len(result.problems) < MAX_LISTED_PROBLEMS:
        # The reason as a sync would store it: redacted and bounded.
        reason = result.source.summarise(problem.reason)
        result.problems.append(replace(problem, reason=reason))
