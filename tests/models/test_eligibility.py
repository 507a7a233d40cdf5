from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.eligibility import (
    MAX_DEPTH,
    MAX_NODES,
    AgeBetween,
    All,
    AnyOf,
    BeneficiaryCategory,
    BeneficiaryProfile,
    CategoryIn,
    ChildAgeBetween,
    DependentParent,
    EmployerAllianceMember,
    EmployerInDistrict,
    EmployerSize,
    EmployerSizeIn,
    Evaluation,
    IseeBetween,
    Not,
    Outcome,
    ResidenceCapIn,
    Rule,
    RuleError,
    Verdict,
    all_of,
    conditions,
    describe,
    evaluate,
    parse_rule,
    rule_json,
)
from tests.utils.rules import blank, blanked_fields, complete_profiles, profiles, rules

Category = BeneficiaryCategory
Size = EmployerSize
Profile = BeneficiaryProfile

# Not persisted: the example database would leave a .hypothesis folder in the repository.
PROPERTY = settings(max_examples=200, deadline=None, database=None)


def nots(count: int, rule: object) -> object:
    """The rule under `count` nested "not"s, as JSON."""
    for _ in range(count):
        rule = {"not": rule}
    return rule


# --- Reading rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        (
            {"category": ["SME_EMPLOYEE", "FREELANCER", "FREELANCER"]},
            CategoryIn(frozenset({Category.FREELANCER, Category.SME_EMPLOYEE})),
        ),
        ({"employerInDistrict": False}, EmployerInDistrict(False)),
        ({"employerAllianceMember": True}, EmployerAllianceMember(True)),
        ({"employerSize": ["MICRO"]}, EmployerSizeIn(frozenset({Size.MICRO}))),
        ({"age": {"min": 18, "max": 35}}, AgeBetween(18, 35)),
        ({"age": {"max": 0}}, AgeBetween(None, 0)),
        ({"childAge": {"min": 0, "max": 3}}, ChildAgeBetween(0, 3)),
        ({"dependentParent": True}, DependentParent(True)),
        ({"isee": {"max": 30000}}, IseeBetween(None, Decimal(30000))),
        ({"isee": {"min": 0, "max": 12500.5}}, IseeBetween(Decimal(0), Decimal("12500.50"))),
        ({"residenceCap": ["20159", "20124"]}, ResidenceCapIn(frozenset({"20124", "20159"}))),
        (
            {"not": {"all": [{"age": {"min": 60}}, {"any": [{"dependentParent": True}]}]}},
            Not(All((AgeBetween(60), AnyOf((DependentParent(True),))))),
        ),
    ],
)
def test_valid_rules_are_read_into_their_tree(data: object, rule: Rule) -> None:
    assert parse_rule(data) == rule


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "rule: expected an object, got a list"),
        ({}, "rule: expected exactly one key, got 0"),
        (
            {"age": {"min": 1}, "isee": {"max": 1}},
            "rule: expected exactly one key, got 2 ('age', 'isee')",
        ),
        (
            {"income": 1},
            "rule: unknown key 'income' (expected one of all, any, not, category, "
            "employerInDistrict, employerAllianceMember, employerSize, age, childAge, "
            "dependentParent, isee, residenceCap)",
        ),
        ({"all": []}, "rule.all: must not be empty"),
        ({"any": {"age": {"min": 1}}}, "rule.any: expected a list, got an object"),
        ({"any": [{"age": {"min": 18}}, "age"]}, "rule.any[1]: expected an object, got 'age'"),
        (
            {"all": [{"age": {"min": 18}}, {"age": {"min": 40, "max": 30}}]},
            "rule.all[1].age: 'min' must not exceed 'max'",
        ),
        ({"not": {"not": {"category": []}}}, "rule.not.not.category: must not be empty"),
        (
            {"category": ["FREELANCER", "STUDENT"]},
            "rule.category[1]: expected one of FREELANCER, SME_EMPLOYEE, ALLIANCE_EMPLOYEE, "
            "RESIDENT, got 'STUDENT'",
        ),
        ({"category": "FREELANCER"}, "rule.category: expected a list, got 'FREELANCER'"),
        ({"employerInDistrict": 1}, "rule.employerInDistrict: expected true or false, got 1"),
        (
            {"employerAllianceMember": "yes"},
            "rule.employerAllianceMember: expected true or false, got 'yes'",
        ),
        ({"dependentParent": None}, "rule.dependentParent: expected true or false, got null"),
        (
            {"employerSize": ["HUGE"]},
            "rule.employerSize[0]: expected one of MICRO, SMALL, MEDIUM, LARGE, got 'HUGE'",
        ),
        ({"age": {"min": True}}, "rule.age.min: expected an integer, got true"),
        ({"age": {"min": 18.5}}, "rule.age.min: expected an integer, got 18.5"),
        ({"age": {"max": 121}}, "rule.age.max: must be between 0 and 120, got 121"),
        ({"age": {"min": -1}}, "rule.age.min: must be between 0 and 120, got -1"),
        ({"age": {}}, "rule.age: expected 'min' and/or 'max'"),
        (
            {"age": {"min": 1, "from": 2}},
            "rule.age: unknown key 'from' (expected 'min' and/or 'max')",
        ),
        ({"age": 18}, "rule.age: expected an object with 'min' and/or 'max', got 18"),
        ({"childAge": {"max": 31}}, "rule.childAge.max: must be between 0 and 30, got 31"),
        ({"isee": {"max": "30000"}}, "rule.isee.max: expected a number, got '30000'"),
        ({"isee": {"max": False}}, "rule.isee.max: expected a number, got false"),
        ({"isee": {"max": -1}}, "rule.isee.max: must be between 0 and 1000000, got -1"),
        ({"isee": {"min": 0.001}}, "rule.isee.min: must be in euro to the cent, got 0.001"),
        ({"isee": {"max": float("nan")}}, "rule.isee.max: expected a finite number, got nan"),
        ({"isee": {"min": 20000, "max": 10000}}, "rule.isee: 'min' must not exceed 'max'"),
        (
            {"residenceCap": ["20159", "2015"]},
            "rule.residenceCap[1]: expected a CAP of 5 digits, got '2015'",
        ),
        ({"residenceCap": [20159]}, "rule.residenceCap[0]: expected a CAP of 5 digits, got 20159"),
        (
            {"residenceCap": ["20159 "]},
            "rule.residenceCap[0]: expected a CAP of 5 digits, got '20159 '",
        ),
    ],
)
def test_invalid_rules_are_rejected_naming_the_path(data: object, message: str) -> None:
    with pytest.raises(RuleError) as error:
        parse_rule(data)

    assert str(error.value) == message


def test_rule_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        parse_rule({"any": []})


def test_nesting_is_allowed_up_to_the_limit() -> None:
    rule = parse_rule(nots(MAX_DEPTH - 1, {"dependentParent": True}))

    assert list(conditions(rule)) == [DependentParent(True)]


def test_nesting_deeper_than_the_limit_is_rejected() -> None:
    with pytest.raises(RuleError) as error:
        parse_rule(nots(MAX_DEPTH, {"dependentParent": True}))

    assert str(error.value) == "rule" + ".not" * MAX_DEPTH + ": nested deeper than 12 levels"


def test_a_rule_may_have_up_to_the_maximum_number_of_nodes() -> None:
    rule = parse_rule({"any": [{"age": {"min": age % 100}} for age in range(MAX_NODES - 1)]})

    assert len(list(conditions(rule))) == MAX_NODES - 1


def test_a_rule_with_too_many_nodes_is_rejected() -> None:
    with pytest.raises(RuleError) as error:
        parse_rule({"any": [{"dependentParent": True}] * MAX_NODES})

    assert str(error.value) == "rule.any[199]: the rule has more than 200 nodes"


def test_json_text_is_accepted() -> None:
    assert parse_rule('{"age": {"min": 18}}') == AgeBetween(18)
    assert parse_rule(b'{"dependentParent": false}') == DependentParent(False)


def test_invalid_json_text_is_a_rule_error() -> None:
    with pytest.raises(RuleError, match=r"^rule: invalid JSON \(") as error:
        parse_rule('{"age": {"min": 18}')

    assert isinstance(error.value.__cause__, ValueError)


def test_json_text_must_hold_an_object() -> None:
    with pytest.raises(RuleError, match=r"^rule: expected an object, got 'age'$"):
        parse_rule('"age"')


# --- Writing rules ---------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_list_values() -> None:
    rule = parse_rule(
        {
            "all": [
                {"category": ["SME_EMPLOYEE", "FREELANCER", "SME_EMPLOYEE"]},
                {"age": {"max": 35, "min": 18}},
                {"isee": {"max": 30000.0, "min": 12500.50}},
                {"not": {"residenceCap": ["20159", "20124"]}},
            ]
        }
    )

    assert rule_json(rule) == (
        '{"all":[{"category":["FREELANCER","SME_EMPLOYEE"]},{"age":{"max":35,"min":18}},'
        '{"isee":{"max":30000,"min":12500.5}},{"not":{"residenceCap":["20124","20159"]}}]}'
    )


def test_equivalent_spellings_have_equal_text() -> None:
    first = parse_rule('{"employerSize": ["SMALL", "MICRO"]}')
    second = parse_rule({"employerSize": ["MICRO", "SMALL", "MICRO"]})

    assert first == second
    assert rule_json(first) == rule_json(second) == '{"employerSize":["MICRO","SMALL"]}'


def test_canonical_json_leaves_out_unset_bounds() -> None:
    assert rule_json(AgeBetween(maximum=35)) == '{"age":{"max":35}}'
    assert rule_json(ChildAgeBetween(minimum=6)) == '{"childAge":{"min":6}}'


def test_children_keep_their_order() -> None:
    rule = AnyOf((DependentParent(True), AgeBetween(60)))

    assert rule_json(rule) == '{"any":[{"dependentParent":true},{"age":{"min":60}}]}'


# --- Evaluating conditions -------------------------------------------------------------

AGE_18_TO_35 = {"age": {"min": 18, "max": 35}}
TODDLER = {"childAge": {"max": 3}}
LOW_ISEE = {"isee": {"max": 30000}}


@pytest.mark.parametrize(
    ("data", "profile", "outcome"),
    [
        ({"category": ["FREELANCER"]}, Profile(category=Category.FREELANCER), Outcome.PASSED),
        ({"category": ["FREELANCER"]}, Profile(category=Category.RESIDENT), Outcome.FAILED),
        ({"category": ["FREELANCER"]}, Profile(), Outcome.UNKNOWN),
        ({"employerInDistrict": True}, Profile(employer_in_district=True), Outcome.PASSED),
        ({"employerInDistrict": True}, Profile(employer_in_district=False), Outcome.FAILED),
        ({"employerInDistrict": False}, Profile(employer_in_district=False), Outcome.PASSED),
        ({"employerInDistrict": False}, Profile(), Outcome.UNKNOWN),
        ({"employerAllianceMember": True}, Profile(employer_alliance_member=True), Outcome.PASSED),
        (
            {"employerAllianceMember": True},
            Profile(employer_alliance_member=False),
            Outcome.FAILED,
        ),
        ({"employerAllianceMember": True}, Profile(), Outcome.UNKNOWN),
        ({"employerSize": ["MICRO", "SMALL"]}, Profile(employer_size=Size.SMALL), Outcome.PASSED),
        ({"employerSize": ["MICRO", "SMALL"]}, Profile(employer_size=Size.LARGE), Outcome.FAILED),
        ({"employerSize": ["MICRO", "SMALL"]}, Profile(), Outcome.UNKNOWN),
        (AGE_18_TO_35, Profile(age=18), Outcome.PASSED),
        (AGE_18_TO_35, Profile(age=35), Outcome.PASSED),
        (AGE_18_TO_35, Profile(age=17), Outcome.FAILED),
        (AGE_18_TO_35, Profile(age=36), Outcome.FAILED),
        (AGE_18_TO_35, Profile(), Outcome.UNKNOWN),
        (TODDLER, Profile(children_ages=(7, 3)), Outcome.PASSED),
        (TODDLER, Profile(children_ages=(7, 4)), Outcome.FAILED),
        (TODDLER, Profile(children_ages=()), Outcome.FAILED),
        (TODDLER, Profile(), Outcome.UNKNOWN),
        ({"dependentParent": True}, Profile(dependent_parent=True), Outcome.PASSED),
        ({"dependentParent": True}, Profile(dependent_parent=False), Outcome.FAILED),
        ({"dependentParent": False}, Profile(dependent_parent=False), Outcome.PASSED),
        ({"dependentParent": True}, Profile(), Outcome.UNKNOWN),
        (LOW_ISEE, Profile(isee=Decimal("30000.00")), Outcome.PASSED),
        (LOW_ISEE, Profile(isee=Decimal("30000.01")), Outcome.FAILED),
        (LOW_ISEE, Profile(), Outcome.UNKNOWN),
        ({"residenceCap": ["20159"]}, Profile(residence_cap="20159"), Outcome.PASSED),
        ({"residenceCap": ["20159"]}, Profile(residence_cap="20121"), Outcome.FAILED),
        ({"residenceCap": ["20159"]}, Profile(), Outcome.UNKNOWN),
    ],
)
def test_each_condition_passes_fails_or_is_unknown(
    data: dict[str, object], profile: BeneficiaryProfile, outcome: Outcome
) -> None:
    evaluation = evaluate(parse_rule(data), profile)

    [reason] = evaluation.reasons
    assert reason.condition == next(iter(data))
    assert reason.outcome is outcome
    assert (
        evaluation.verdict
        is {
            Outcome.PASSED: Verdict.ELIGIBLE,
            Outcome.FAILED: Verdict.NOT_ELIGIBLE,
            Outcome.UNKNOWN: Verdict.UNKNOWN,
        }[outcome]
    )


@pytest.mark.parametrize(
    ("data", "profile", "text_it", "text_en"),
    [
        (
            AGE_18_TO_35,
            Profile(age=34),
            "Età tra 18 e 35 anni: sì (34 anni)",
            "Aged 18 to 35: yes (34)",
        ),
        (
            {"not": {"age": {"min": 18}}},
            Profile(age=16),
            "Età inferiore a 18 anni: sì (16 anni)",
            "Aged under 18: yes (16)",
        ),
        (
            {"category": ["SME_EMPLOYEE", "FREELANCER"]},
            Profile(),
            "Lavoratore autonomo con partita IVA o dipendente di una PMI del distretto: "
            "non indicato",
            "Freelancer with a VAT number or employee of a district SME: not stated",
        ),
        (
            {"not": {"category": ["RESIDENT"]}},
            Profile(category=Category.RESIDENT),
            "Non residente nel distretto: no (residente nel distretto)",
            "Not district resident: no (district resident)",
        ),
        (
            {"not": {"employerAllianceMember": True}},
            Profile(employer_alliance_member=True),
            "Datore di lavoro non membro dell'alleanza: no",
            "Employer is not an alliance member: no",
        ),
        (
            {"employerInDistrict": False},
            Profile(),
            "Datore di lavoro con sede fuori dal distretto Isola-Garibaldi: non indicato",
            "Employer based outside the Isola-Garibaldi district: not stated",
        ),
        (
            {"employerSize": ["SMALL", "MICRO"]},
            Profile(employer_size=Size.LARGE),
            "Datore di lavoro micro o piccola impresa: no (grande impresa)",
            "Employer is a micro or small business: no (large business)",
        ),
        (
            LOW_ISEE,
            Profile(isee=Decimal("31250.5")),
            "ISEE fino a 30.000 €: no (31.250,50 €)",
            "ISEE up to €30,000: no (€31,250.50)",
        ),
        (
            {"childAge": {"min": 0, "max": 3}},
            Profile(children_ages=()),
            "Almeno un figlio tra 0 e 3 anni: no (nessun figlio)",
            "Has a child aged 0 to 3: no (no children)",
        ),
        (
            {"not": TODDLER},
            Profile(children_ages=(1,)),
            "Nessun figlio fino a 3 anni: no (un figlio di 1 anno)",
            "Has no child aged 3 or under: no (one child aged 1)",
        ),
        (
            {"dependentParent": True},
            Profile(dependent_parent=True),
            "Assiste un genitore anziano non autosufficiente: sì",
            "Cares for a dependent elderly parent: yes",
        ),
        (
            {"not": {"residenceCap": ["20159", "20124"]}},
            Profile(residence_cap="20121"),
            "Residenza in un CAP diverso da 20124 e 20159: sì (CAP 20121)",
            "Lives outside postcodes 20124 and 20159: yes (postcode 20121)",
        ),
    ],
)
def test_reasons_say_the_condition_the_answer_and_what_the_profile_says(
    data: object, profile: BeneficiaryProfile, text_it: str, text_en: str
) -> None:
    [reason] = evaluate(parse_rule(data), profile).reasons

    assert (reason.text_it, reason.text_en) == (text_it, text_en)


def test_a_negated_condition_reports_the_negated_outcome() -> None:
    evaluation = evaluate(Not(AgeBetween(18)), Profile(age=16))

    assert evaluation.verdict is Verdict.ELIGIBLE
    assert evaluation.reasons[0].outcome is Outcome.PASSED


def test_no_rule_means_eligible_without_reasons() -> None:
    assert evaluate(None, Profile()) == Evaluation(Verdict.ELIGIBLE, ())


@pytest.mark.parametrize(
    ("data", "verdict"),
    [
        ({"all": [AGE_18_TO_35, LOW_ISEE]}, Verdict.NOT_ELIGIBLE),  # failed and unknown
        ({"all": [{"dependentParent": True}, LOW_ISEE]}, Verdict.UNKNOWN),  # passed, unknown
        ({"any": [{"dependentParent": True}, LOW_ISEE]}, Verdict.ELIGIBLE),  # passed, unknown
        ({"any": [AGE_18_TO_35, LOW_ISEE]}, Verdict.UNKNOWN),  # failed and unknown
        ({"not": LOW_ISEE}, Verdict.UNKNOWN),
    ],
)
def test_unknown_conditions_decide_only_when_nothing_else_does(
    data: object, verdict: Verdict
) -> None:
    profile = Profile(age=60, dependent_parent=True)

    assert evaluate(parse_rule(data), profile).verdict is verdict


def test_every_condition_is_reported_even_after_the_verdict_is_decided() -> None:
    rule = parse_rule({"all": [AGE_18_TO_35, {"category": ["RESIDENT"]}, LOW_ISEE]})

    evaluation = evaluate(rule, Profile(age=60, category=Category.RESIDENT))

    assert evaluation.verdict is Verdict.NOT_ELIGIBLE
    assert [(r.condition, r.outcome) for r in evaluation.reasons] == [
        ("age", Outcome.FAILED),
        ("category", Outcome.PASSED),
        ("isee", Outcome.UNKNOWN),
    ]


def test_conditions_lists_the_leaves_in_order() -> None:
    rule = parse_rule({"any": [{"not": TODDLER}, {"all": [AGE_18_TO_35, LOW_ISEE]}]})

    assert list(conditions(rule)) == [
        ChildAgeBetween(maximum=3),
        AgeBetween(18, 35),
        IseeBetween(maximum=Decimal(30000)),
    ]


def test_the_profile_repr_reveals_nothing() -> None:
    profile = Profile(age=34, isee=Decimal("12345.67"), residence_cap="20159")

    assert repr(profile) == str(profile) == "BeneficiaryProfile(<redacted>)"


# --- Summaries -------------------------------------------------------------------------

SUMMARISED = {
    "all": [
        {"age": {"min": 18}},
        {"any": [{"category": ["FREELANCER"]}, {"employerSize": ["MICRO", "SMALL"]}]},
        LOW_ISEE,
    ]
}


def test_summary_in_italian() -> None:
    assert describe(parse_rule(SUMMARISED), "it") == (
        "Tutte: età di almeno 18 anni; almeno una tra (lavoratore autonomo con partita IVA; "
        "datore di lavoro micro o piccola impresa); ISEE fino a 30.000 €"
    )


def test_summary_in_english() -> None:
    assert describe(parse_rule(SUMMARISED), "en") == (
        "All of: aged 18 or over; any of (freelancer with a VAT number; "
        "employer is a micro or small business); ISEE up to €30,000"
    )


def test_summary_moves_negation_to_the_conditions() -> None:
    rule = parse_rule({"not": {"any": [{"age": {"max": 17}}, {"dependentParent": True}]}})

    assert describe(rule, "en") == (
        "All of: aged over 17; does not care for a dependent elderly parent"
    )


def test_summary_of_a_single_condition() -> None:
    assert describe(parse_rule({"all": [{"childAge": {"max": 3}}]}), "it") == (
        "Almeno un figlio fino a 3 anni"
    )


def test_summary_in_an_unknown_language_is_an_error() -> None:
    with pytest.raises(ValueError, match="fr"):
        describe(AgeBetween(18), "fr")


# --- Properties ------------------------------------------------------------------------


@PROPERTY
@given(rules, profiles)
def test_double_negation_changes_nothing(rule: Rule, profile: BeneficiaryProfile) -> None:
    assert evaluate(Not(Not(rule)), profile) == evaluate(rule, profile)


@PROPERTY
@given(rules, rules, profiles)
def test_not_all_is_any_of_the_negations(
    first: Rule, second: Rule, profile: BeneficiaryProfile
) -> None:
    negated_all = evaluate(Not(All((first, second))), profile)

    assert negated_all == evaluate(AnyOf((Not(first), Not(second))), profile)


@PROPERTY
@given(rules, rules, profiles)
def test_not_any_is_all_of_the_negations(
    first: Rule, second: Rule, profile: BeneficiaryProfile
) -> None:
    negated_any = evaluate(Not(AnyOf((first, second))), profile)

    assert negated_any == evaluate(All((Not(first), Not(second))), profile)


@PROPERTY
@given(rules, profiles)
def test_all_or_any_of_one_rule_is_that_rule(rule: Rule, profile: BeneficiaryProfile) -> None:
    alone = evaluate(rule, profile)

    assert evaluate(All((rule,)), profile) == alone == evaluate(AnyOf((rule,)), profile)


@PROPERTY
@given(st.lists(rules, min_size=1, max_size=3), profiles)
def test_all_fails_exactly_when_a_child_fails(
    children: list[Rule], profile: BeneficiaryProfile
) -> None:
    verdicts = [evaluate(child, profile).verdict for child in children]
    verdict = evaluate(All(tuple(children)), profile).verdict

    assert (verdict is Verdict.NOT_ELIGIBLE) == (Verdict.NOT_ELIGIBLE in verdicts)
    assert (verdict is Verdict.ELIGIBLE) == all(v is Verdict.ELIGIBLE for v in verdicts)


@PROPERTY
@given(st.lists(rules, min_size=1, max_size=3), profiles)
def test_any_passes_exactly_when_a_child_passes(
    children: list[Rule], profile: BeneficiaryProfile
) -> None:
    verdicts = [evaluate(child, profile).verdict for child in children]
    verdict = evaluate(AnyOf(tuple(children)), profile).verdict

    assert (verdict is Verdict.ELIGIBLE) == (Verdict.ELIGIBLE in verdicts)
    assert (verdict is Verdict.NOT_ELIGIBLE) == all(v is Verdict.NOT_ELIGIBLE for v in verdicts)


@PROPERTY
@given(rules)
def test_a_profile_that_says_nothing_leaves_every_rule_unknown(rule: Rule) -> None:
    evaluation = evaluate(rule, BeneficiaryProfile())

    assert evaluation.verdict is Verdict.UNKNOWN
    assert {reason.outcome for reason in evaluation.reasons} == {Outcome.UNKNOWN}


@PROPERTY
@given(rules, complete_profiles, blanked_fields)
def test_stating_more_never_changes_a_definite_verdict(
    rule: Rule, profile: BeneficiaryProfile, blanked: set[str]
) -> None:
    partial = evaluate(rule, blank(profile, blanked)).verdict

    if partial is not Verdict.UNKNOWN:
        assert evaluate(rule, profile).verdict is partial


@PROPERTY
@given(rules, complete_profiles)
def test_a_complete_profile_always_gets_a_definite_verdict(
    rule: Rule, profile: BeneficiaryProfile
) -> None:
    assert evaluate(rule, profile).verdict is not Verdict.UNKNOWN


@PROPERTY
@given(rules)
def test_canonical_json_reads_back_as_the_same_rule(rule: Rule) -> None:
    text = rule_json(rule)

    assert parse_rule(text) == rule
    assert rule_json(parse_rule(text)) == text


@PROPERTY
@given(rules, profiles)
def test_there_is_one_reason_per_condition_in_order(
    rule: Rule, profile: BeneficiaryProfile
) -> None:
    reasons = evaluate(rule, profile).reasons

    assert [reason.condition for reason in reasons] == [leaf.key for leaf in conditions(rule)]


@PROPERTY
@given(rules)
def test_a_summary_is_one_line_in_both_languages(rule: Rule) -> None:
    for lang in ("it", "en"):
        summary = describe(rule, lang)
        assert summary
        assert "\n" not in summary


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["all", "any", "not", "age", "min", "max"]), children)
    ),
    max_leaves=12,
)


def parsed_or_error(data: object) -> Rule | RuleError:
    try:
        return parse_rule(data)
    except RuleError as error:
        return error


@PROPERTY
@given(json_values)
def test_any_json_is_either_a_rule_or_a_rule_error(data: object) -> None:
    result = parsed_or_error(data)

    if isinstance(result, RuleError):
        assert str(result).startswith("rule")
    else:
        assert parse_rule(rule_json(result)) == result


@PROPERTY
@given(st.lists(rules, min_size=1, max_size=4), profiles)
def test_all_of_the_verdicts_is_the_verdict_of_all_the_rules(
    parts: list[Rule], profile: BeneficiaryProfile
) -> None:
    verdicts = [evaluate(rule, profile).verdict for rule in parts]

    assert all_of(verdicts) == evaluate(All(tuple(parts)), profile).verdict
