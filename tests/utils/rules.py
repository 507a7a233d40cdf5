"""Hypothesis strategies for eligibility rules and beneficiary profiles, shared by the
rule-language tests and the tests of the `eligibleFor` filter."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from hypothesis import strategies as st

from models.eligibility import (
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
    IseeBetween,
    Leaf,
    Not,
    ResidenceCapIn,
    Rule,
)

CAPS = ["20159", "20124", "20121"]
amounts = st.integers(0, 5_000_000).map(lambda cents: Decimal(cents) / 100)


@st.composite
def int_bounds(draw: st.DrawFn, high: int) -> tuple[int | None, int | None]:
    low, top = sorted((draw(st.integers(0, high)), draw(st.integers(0, high))))
    shape = draw(st.sampled_from(["both", "min", "max"]))
    return (None if shape == "max" else low, None if shape == "min" else top)


@st.composite
def isee_bounds(draw: st.DrawFn) -> IseeBetween:
    low, high = sorted((draw(amounts), draw(amounts)))
    shape = draw(st.sampled_from(["both", "min", "max"]))
    return IseeBetween(None if shape == "max" else low, None if shape == "min" else high)


leaves: st.SearchStrategy[Leaf] = st.one_of(
    st.frozensets(st.sampled_from(BeneficiaryCategory), min_size=1).map(CategoryIn),
    st.booleans().map(EmployerInDistrict),
    st.booleans().map(EmployerAllianceMember),
    st.frozensets(st.sampled_from(EmployerSize), min_size=1).map(EmployerSizeIn),
    int_bounds(120).map(lambda bounds: AgeBetween(*bounds)),
    int_bounds(30).map(lambda bounds: ChildAgeBetween(*bounds)),
    st.booleans().map(DependentParent),
    isee_bounds(),
    st.frozensets(st.sampled_from(CAPS), min_size=1).map(ResidenceCapIn),
)


def extend(children: st.SearchStrategy[Rule]) -> st.SearchStrategy[Rule]:
    lists = st.lists(children, min_size=1, max_size=3).map(tuple)
    return st.one_of(lists.map(All), lists.map(AnyOf), children.map(Not))


rules: st.SearchStrategy[Rule] = st.recursive(leaves, extend, max_leaves=8)

complete_profiles = st.builds(
    BeneficiaryProfile,
    category=st.sampled_from(BeneficiaryCategory),
    employer_vat=st.just("01234567897"),
    employer_in_district=st.booleans(),
    employer_alliance_member=st.booleans(),
    employer_size=st.sampled_from(EmployerSize),
    age=st.integers(0, 120),
    children_ages=st.lists(st.integers(0, 30), max_size=3).map(tuple),
    dependent_parent=st.booleans(),
    isee=amounts,
    residence_cap=st.sampled_from([*CAPS, "20100"]),
)
FIELDS = [field.name for field in dataclasses.fields(BeneficiaryProfile)]
blanked_fields = st.sets(st.sampled_from(FIELDS))


def blank(profile: BeneficiaryProfile, fields: set[str]) -> BeneficiaryProfile:
    return dataclasses.replace(profile, **dict.fromkeys(fields))


profiles = st.builds(blank, complete_profiles, blanked_fields)
