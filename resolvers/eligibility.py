"""Eligibility: which rules apply to an offering, the verdict for a beneficiary profile,
and the `eligibleFor` filter.

An offering is subject to every rule attached to it, to its provider and to its area, so
its verdict is the three-valued conjunction of those rules' verdicts. For one profile each
distinct rule body has one verdict, whichever offering it is attached to, and each set of
bodies that applies together (`RuleSet`, kept up to date by the writers) one combined
verdict. So the filter evaluates the few distinct bodies once, in Python, combines them
per set, and becomes the SQL condition "the offering's rule set is one of the accepted
ones (or it has none)": the same result as evaluating every offering's rules, without
reading them.

Profiles are never stored and never logged: they live in this request's memory only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import col
from stdnum.exceptions import ValidationError
from stdnum.it import iva

from models import EligibilityRule, Location, Offering, Provider, RuleScope
from models.eligibility import (
    All,
    BeneficiaryProfile,
    Evaluation,
    Rule,
    Verdict,
    all_of,
    evaluate,
    parse_rule,
)
from models.rule import RuleSet, applies_to_offering
from resolvers.errors import BadUserInput
from resolvers.queries import Sessions, by_key, fetch_all, fetch_keyed, fetch_rows, grouped

if TYPE_CHECKING:
    from resolvers.context import Context


@dataclass(frozen=True, slots=True)
class EligibilityFilter:
    """The `eligibleFor` condition: this profile's verdict must be ELIGIBLE (or, with
    `include_unknown`, at least not NOT_ELIGIBLE)."""

    profile: BeneficiaryProfile
    include_unknown: bool = False


async def with_registry(sessions: Sessions, profile: BeneficiaryProfile) -> BeneficiaryProfile:
    """The profile completed from the registry: given the employer's partita IVA, whether
    the employer is an alliance member and whether it is located in the district.

    The partita IVA is matched in Python against the registry's, never sent to the
    database, so that no query log (a driver's debug log included) can hold it.
    """
    if profile.employer_vat is None:
        return profile
    try:
        vat = str(iva.validate(profile.employer_vat))
    except ValidationError:
        raise BadUserInput("`employerVat` is not a valid partita IVA") from None
    located = sa.exists(
        sa.select(sa.literal(1)).where(
            col(Location.provider_id) == col(Provider.id), col(Location.in_district)
        )
    )
    employers = await fetch_rows(
        sessions,
        sa.select(col(Provider.vat_number), col(Provider.alliance_member), located).where(
            col(Provider.vat_number).is_not(None)
        ),
    )
    found = next(((member, near) for number, member, near in employers if number == vat), None)
    if found is None:
        # Every alliance member is in the registry: an unknown employer is not one.
        return replace(profile, employer_vat=vat, employer_alliance_member=False)
    member, in_district = found
    return replace(
        profile,
        employer_vat=vat,
        employer_alliance_member=bool(member),
        employer_in_district=bool(in_district) or profile.employer_in_district,
    )


async def eligible_condition(sessions: Sessions, flt: EligibilityFilter) -> sa.ColumnElement[bool]:
    """The SQL condition of the `eligibleFor` filter (see the module docstring)."""
    profile = await with_registry(sessions, flt.profile)
    rules = await distinct_rules(sessions)
    verdicts = {body_hash: evaluate(rule, profile).verdict for body_hash, rule in rules.items()}
    sets = await fetch_rows(sessions, sa.select(col(RuleSet.id), col(RuleSet.hashes)))
    accepted = [
        set_id
        for set_id, hashes in sets
        if not _rejects(
            all_of(verdicts.get(h, Verdict.UNKNOWN) for h in hashes.split()), flt.include_unknown
        )
    ]
    # As an expression no index serves, so that the planner keeps walking the ordering's
    # index for a page (most offerings usually pass) instead of sorting every match.
    return sa.func.coalesce(col(Offering.rule_set_id), 0).in_([0, *accepted])


# Parsed rules by the hash of their canonical JSON. A hash always names the same rule, so
# entries never go stale; the bound only caps memory.
_PARSED: dict[str, Rule] = {}
_PARSED_MAX = 10_000


async def distinct_rules(sessions: Sessions) -> dict[str, Rule]:
    """Every distinct rule body in use, parsed, by hash: the hashes come from an index,
    and only bodies not parsed before are read."""
    hashes = await fetch_rows(sessions, sa.select(col(EligibilityRule.body_hash)).distinct())
    wanted = [body_hash for (body_hash,) in hashes]
    missing = [body_hash for body_hash in wanted if body_hash not in _PARSED]
    if missing:
        first = (
            sa.select(sa.func.min(col(EligibilityRule.id)))
            .where(col(EligibilityRule.body_hash).in_(missing))
            .group_by(col(EligibilityRule.body_hash))
        )
        rows = await fetch_rows(
            sessions,
            sa.select(col(EligibilityRule.body_hash), col(EligibilityRule.body)).where(
                col(EligibilityRule.id).in_(first)
            ),
        )
        if len(_PARSED) + len(rows) > _PARSED_MAX:
            _PARSED.clear()
        _PARSED.update((body_hash, parse_rule(body)) for body_hash, body in rows)
    return {body_hash: _PARSED[body_hash] for body_hash in wanted if body_hash in _PARSED}


def _rejects(verdict: Verdict, include_unknown: bool) -> bool:
    if verdict is Verdict.NOT_ELIGIBLE:
        return True
    return verdict is Verdict.UNKNOWN and not include_unknown


async def rules_of_offerings(
    sessions: Sessions, offering_ids: Sequence[int]
) -> list[list[EligibilityRule]]:
    """The rules each offering is subject to: its area's, its provider's, its own."""
    pairs = await fetch_keyed(
        sessions,
        sa.select(EligibilityRule)
        .join(Offering, applies_to_offering())
        .where(col(Offering.id).in_(offering_ids))
        .order_by(col(Offering.id), col(EligibilityRule.id)),
        col(Offering.id),
    )
    found = grouped(offering_ids, pairs)
    return [sorted(rules, key=_inheritance_order) for rules in found]


_SCOPE_ORDER = {RuleScope.AREA: 0, RuleScope.PROVIDER: 1, RuleScope.OFFERING: 2}


def _inheritance_order(rule: EligibilityRule) -> tuple[int, int]:
    return _SCOPE_ORDER[rule.scope], rule.id or 0


def combined(rules: Sequence[EligibilityRule]) -> Rule | None:
    """One rule that holds when every rule holds (None when there are none)."""
    parsed = [parse_rule(rule.body) for rule in rules]
    if not parsed:
        return None
    return parsed[0] if len(parsed) == 1 else All(tuple(parsed))


@dataclass(frozen=True, slots=True)
class Assessment:
    """An offering's verdict for a profile, with the rules it came from."""

    offering: Offering
    rules: list[EligibilityRule]
    evaluation: Evaluation


async def assess(ctx: Context, offering_id: int, profile: BeneficiaryProfile) -> Assessment:
    """The verdict and reasons of one offering for one profile."""
    offering = await ctx.loaders.offering.load(offering_id)
    if offering is None:
        raise BadUserInput("no offering has this ID")
    rules = await ctx.loaders.offering_rules.load(offering_id)
    profile = await with_registry(ctx.sessions, profile)
    return Assessment(offering, rules, evaluate(combined(rules), profile))


async def rules_by_id(sessions: Sessions, ids: Sequence[int]) -> list[EligibilityRule | None]:
    rows = await fetch_all(
        sessions, sa.select(EligibilityRule).where(col(EligibilityRule.id).in_(ids))
    )
    return by_key(ids, rows, lambda rule: rule.id)
