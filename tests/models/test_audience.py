from __future__ import annotations

from dataclasses import replace

import orjson
import pytest

from models.audience import age_rule, source_rule
from models.eligibility import RuleError, parse_rule, rule_json
from models.records import OfferingRecord

OFFERING = OfferingRecord(
    external_id="svc-1",
    provider_external_id="org-1",
    title_it="Corso di ceramica",
    categories=("courses",),
)
# Written out of canonical order, with a duplicate, to show `source_rule` normalises it.
CATEGORIES = '{"category": ["SME_EMPLOYEE", "FREELANCER", "FREELANCER"]}'
CATEGORIES_CANONICAL = '{"category":["FREELANCER","SME_EMPLOYEE"]}'


def canonical(data: object) -> str:
    return rule_json(parse_rule(data))


@pytest.mark.parametrize(
    ("min_age", "max_age", "rule"),
    [
        (None, None, None),
        (0, None, None),
        (0, 3, {"childAge": {"max": 3}}),
        (None, 17, {"childAge": {"max": 17}}),
        (6, 14, {"childAge": {"min": 6, "max": 14}}),
        (65, None, {"any": [{"age": {"min": 65}}, {"dependentParent": True}]}),
        (60, 90, {"any": [{"age": {"min": 60, "max": 90}}, {"dependentParent": True}]}),
        (16, None, {"any": [{"age": {"min": 16}}, {"childAge": {"min": 16}}]}),
        (
            14,
            21,
            {"any": [{"age": {"min": 14, "max": 21}}, {"childAge": {"min": 14, "max": 21}}]},
        ),
        (14, 30, {"any": [{"age": {"min": 14, "max": 30}}, {"childAge": {"min": 14, "max": 30}}]}),
        (14, 31, {"any": [{"age": {"min": 14, "max": 31}}, {"childAge": {"min": 14}}]}),
        (18, None, {"age": {"min": 18}}),
        (18, 35, {"age": {"min": 18, "max": 35}}),
        (None, 40, {"age": {"max": 40}}),
    ],
)
def test_age_bounds_become_the_rule_of_the_person_a_child_or_a_parent(
    min_age: int | None, max_age: int | None, rule: dict[str, object] | None
) -> None:
    assert age_rule(min_age, max_age) == rule


def test_every_age_rule_is_a_valid_rule_that_reads_back_unchanged() -> None:
    ages = [None, 0, 1, 3, 6, 14, 16, 17, 18, 21, 30, 31, 35, 59, 60, 64, 65, 120]
    bounds = [
        (low, high)
        for low in ages
        for high in ages
        if low is None or high is None or low <= high  # validation quarantines the rest
    ]

    for low, high in bounds:
        rule = age_rule(low, high)
        if rule is not None:
            assert orjson.loads(canonical(rule)) == rule, (low, high)


def test_record_without_eligibility_or_ages_has_no_rule() -> None:
    assert source_rule(OFFERING) is None
    assert source_rule(replace(OFFERING, eligibility="", min_age=0)) is None


def test_eligibility_alone_is_written_canonically() -> None:
    assert source_rule(replace(OFFERING, eligibility=CATEGORIES)) == CATEGORIES_CANONICAL


def test_ages_alone_are_the_age_rule_written_canonically() -> None:
    record = replace(OFFERING, min_age=6, max_age=14)

    assert source_rule(record) == '{"childAge":{"max":14,"min":6}}'


def test_eligibility_and_ages_are_both_required() -> None:
    record = replace(OFFERING, eligibility=CATEGORIES, min_age=18, max_age=35)

    body = source_rule(record)

    assert body == f'{{"all":[{CATEGORIES_CANONICAL},{{"age":{{"max":35,"min":18}}}}]}}'
    assert body == canonical({"all": [orjson.loads(CATEGORIES), age_rule(18, 35)]})


def test_equal_rules_written_differently_give_the_same_text() -> None:
    spaced = replace(OFFERING, eligibility=' { "employerSize" : [ "SMALL", "MICRO" ] } ')
    compact = replace(OFFERING, eligibility='{"employerSize":["MICRO","SMALL"]}')

    assert source_rule(spaced) == source_rule(compact) == '{"employerSize":["MICRO","SMALL"]}'


@pytest.mark.parametrize(
    ("eligibility", "min_age", "message"),
    [
        ('{"age": {"min": 40, "max": 30}}', None, "rule.age: 'min' must not exceed 'max'"),
        # The path is within the source's own rule, whatever the ages add to it.
        ('{"age": {"min": 40, "max": 30}}', 18, "rule.age: 'min' must not exceed 'max'"),
        ('{"category": ["PENSIONER"]}', None, "rule.category[0]: "),
        ('{"isee": {}}', None, "rule.isee: expected 'min' and/or 'max'"),
        ("null", None, "rule: expected an object"),
        ("[]", None, "rule: expected an object"),
    ],
)
def test_invalid_eligibility_raises_rule_error_naming_its_path(
    eligibility: str, min_age: int | None, message: str
) -> None:
    record = replace(OFFERING, eligibility=eligibility, min_age=min_age)

    with pytest.raises(RuleError) as raised:
        source_rule(record)

    assert str(raised.value).startswith(message)


def test_eligibility_that_is_not_json_raises_rule_error() -> None:
    for min_age in (None, 18):
        with pytest.raises(RuleError, match=r"^rule: invalid JSON"):
            source_rule(replace(OFFERING, eligibility="{not json", min_age=min_age))
