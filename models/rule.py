"""Eligibility rules as stored data (the language itself is models.eligibility)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import Field, SQLModel, col

from models.enums import Area, RuleScope
from models.offering import Offering
from models.provenance import Versioned
from models.types import UTCDateTime, enum_column, utc_now


class RuleSet(SQLModel, table=True):
    """A set of rule bodies that apply together to some offerings.

    Offerings share a handful of such sets, so for one profile the `eligibleFor` filter
    evaluates each set once and selects offerings by set: an indexed equality instead of
    looking up the rules of every offering.
    """

    __tablename__ = "rule_set"

    id: int | None = Field(default=None, primary_key=True)
    # The SHA-256 of `hashes`, which is the sorted body hashes separated by spaces.
    digest: str = Field(max_length=64, unique=True)
    hashes: str


class EligibilityRule(Versioned, table=True):
    """A rule attached to an area, a provider or an offering.

    Rules come from the hub's registry (`key` names them, `source_id` is None) or from a
    source (the sync engine writes one per offering whose record restricts who may use
    it). `body` is the canonical JSON of the rule and `body_hash` its SHA-256: offerings
    share a handful of distinct bodies, so a profile is evaluated once per body and the
    `eligibleFor` filter becomes a condition on hashes (see resolvers.eligibility).
    """

    __tablename__ = "eligibility_rule"

    id: int | None = Field(default=None, primary_key=True)
    scope: RuleScope = Field(sa_type=enum_column(RuleScope))
    area: Area | None = Field(default=None, sa_type=enum_column(Area), index=True)
    provider_id: int | None = Field(
        default=None, foreign_key="provider.id", index=True, ondelete="CASCADE"
    )
    offering_id: int | None = Field(
        default=None, foreign_key="offering.id", index=True, ondelete="CASCADE"
    )
    source_id: int | None = Field(default=None, foreign_key="source.id", index=True)
    key: str | None = Field(default=None, max_length=120, unique=True)
    body: str
    body_hash: str = Field(max_length=64)
    description_it: str | None = None
    description_en: str | None = None
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


# The distinct bodies in use, and the rules of some bodies, read from the index alone.
sa.Index(
    "ix_eligibility_rule_hash_targets",
    col(EligibilityRule.body_hash),
    col(EligibilityRule.offering_id),
    col(EligibilityRule.provider_id),
    col(EligibilityRule.area),
)


def rule_hash(body: str) -> str:
    """The SHA-256 of a rule's canonical JSON: equal rules, equal hashes."""
    return hashlib.sha256(body.encode()).hexdigest()


def applies_to_offering() -> sa.ColumnElement[bool]:
    """That a rule row applies to the offering of the enclosing query: attached to it, to
    its provider or to its area."""
    return sa.or_(
        col(EligibilityRule.offering_id) == col(Offering.id),
        col(EligibilityRule.provider_id) == col(Offering.provider_id),
        col(EligibilityRule.area) == col(Offering.area),
    )


_CHUNK = 5_000


async def refresh_rule_sets(
    session: AsyncSession, offering_ids: Sequence[int] | None = None
) -> None:
    """Recompute which rule set applies to these offerings (all when None). Writers call it
    after changing rules or offerings, in the same transaction."""
    if offering_ids is None:
        offering_ids = [
            i or 0 for i in (await session.execute(sa.select(col(Offering.id)))).scalars()
        ]
    for start in range(0, len(offering_ids), _CHUNK):
        chunk = list(offering_ids[start : start + _CHUNK])
        rows = await session.execute(
            sa.select(col(Offering.id), col(EligibilityRule.body_hash))
            .join(EligibilityRule, applies_to_offering())
            .where(col(Offering.id).in_(chunk))
        )
        found: dict[int, set[str]] = {offering_id: set() for offering_id in chunk}
        for offering_id, body_hash in rows:
            found[offering_id or 0].add(body_hash)
        keys = {oid: " ".join(sorted(hashes)) for oid, hashes in found.items() if hashes}
        ids = await _rule_set_ids(session, set(keys.values()))
        await session.execute(
            sa.update(Offering),
            [{"id": oid, "rule_set_id": ids.get(keys.get(oid, ""))} for oid in chunk],
        )


async def _rule_set_ids(session: AsyncSession, keys: set[str]) -> dict[str, int]:
    """The ids of the rule sets with these keys, creating the missing ones."""
    digests = {rule_hash(key): key for key in keys}
    ids: dict[str, int] = {}
    for start in range(0, len(digests), _CHUNK):
        chunk = list(digests)[start : start + _CHUNK]
        existing = await session.execute(
            sa.select(col(RuleSet.digest), col(RuleSet.id)).where(col(RuleSet.digest).in_(chunk))
        )
        ids.update((digests[digest], set_id or 0) for digest, set_id in existing)
    missing = [key for key in keys if key not in ids]
    if missing:
        created = await session.execute(
            sa.insert(RuleSet).returning(col(RuleSet.hashes), col(RuleSet.id)),
            [{"digest": rule_hash(key), "hashes": key} for key in missing],
        )
        ids.update((hashes, set_id or 0) for hashes, set_id in created)
    return ids
