"""The eligibility rule a synced offering carries: what its source says in a structured
way (`OfferingRecord.eligibility`) and what its age bounds mean.

Sources give the ages of the people a service is for (HSDS `minimum_age`/`maximum_age`,
schema.org `suggestedMinAge`), while beneficiaries are the working adults who use it for
themselves or for their family. So bounds entirely below 18 concern a child (`childAge`),
bounds from 60 up concern the person or the elderly parent they care for, bounds that
start in childhood concern the person or a child, and the rest the person (`age`).
"""

from __future__ import annotations

from models.eligibility import parse_rule, rule_data, rule_json
from models.records import OfferingRecord

ADULT = 18
ELDERLY = 60
OLDEST_CHILD = 30  # the oldest child age the rule language accepts


def source_rule(record: OfferingRecord) -> str | None:
    """The canonical JSON of the offering's rule from its source, None when it has none.
    Raises models.eligibility.RuleError when the source's rule is invalid."""
    parts: list[object] = []
    if record.eligibility:
        parts.append(rule_data(parse_rule(record.eligibility)))
    ages = age_rule(record.min_age, record.max_age)
    if ages is not None:
        parts.append(ages)
    if not parts:
        return None
    return rule_json(parse_rule(parts[0] if len(parts) == 1 else {"all": parts}))


def age_rule(min_age: int | None, max_age: int | None) -> dict[str, object] | None:
    """What a service's age bounds require of a beneficiary (see the module docstring);
    a minimum of 0 bounds nothing."""
    low = min_age or None
    bounds = {key: value for key, value in (("min", low), ("max", max_age)) if value is not None}
    if not bounds:
        return None
    if max_age is not None and max_age < ADULT:
        return {"childAge": bounds}
    if low is not None and low >= ELDERLY:
        return {"any": [{"age": bounds}, {"dependentParent": True}]}
    if min_age is not None and min_age < ADULT:
        young = max_age is not None and max_age <= OLDEST_CHILD
        child = {"min": min_age} | ({"max": max_age} if young else {})
        return {"any": [{"age": bounds}, {"childAge": child}]}
    return {"age": bounds}
