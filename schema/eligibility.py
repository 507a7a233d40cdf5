"""Eligibility: beneficiary profiles (inputs only), rules and verdicts with their reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import orjson
import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from models import EligibilityRule as RuleRow
from models.eligibility import (
    BeneficiaryCategory,
    BeneficiaryProfile,
    EmployerSize,
    Outcome,
    Reason,
    Verdict,
    describe,
    parse_rule,
)
from models.enums import RuleScope
from resolvers.eligibility import Assessment, EligibilityFilter
from resolvers.errors import BadUserInput
from schema.arguments import Lang
from schema.enums import Area, Language
from schema.info import Info

if TYPE_CHECKING:
    from schema.offering import Offering

strawberry.enum(
    BeneficiaryCategory,
    description=(
        "Who a beneficiary is: FREELANCER (partita IVA), SME_EMPLOYEE (employee of a micro, "
        "small or medium enterprise in the district), ALLIANCE_EMPLOYEE (employee of an "
        "alliance member), RESIDENT (lives in the district)."
    ),
)
strawberry.enum(
    EmployerSize,
    description="Size of the employer (EU recommendation 2003/361): MICRO, SMALL, MEDIUM, LARGE.",
)
strawberry.enum(
    Verdict,
    description=(
        "ELIGIBLE when every condition holds, NOT_ELIGIBLE when one fails, UNKNOWN when "
        "none fails but the profile does not say enough to decide."
    ),
)
strawberry.enum(
    Outcome, description="How one condition went: PASSED, FAILED, or UNKNOWN (not stated)."
)
strawberry.enum(
    RuleScope,
    description="What a rule is attached to; offerings inherit their area's and provider's rules.",
)

_MAX_CHILDREN = 20


@strawberry.input(
    description=(
        "A beneficiary, described only as far as they choose: every field may be left out, "
        "and conditions on what is left out are UNKNOWN. Used for this request only, never "
        "stored or logged."
    )
)
class BeneficiaryProfileInput:
    category: BeneficiaryCategory | None = strawberry.field(
        default=None, description="Who the beneficiary is."
    )
    employer_vat: str | None = strawberry.field(
        default=None,
        description=(
            "The employer's partita IVA: the hub then works out from its registry whether "
            "the employer is an alliance member and located in the district."
        ),
    )
    employer_in_district: bool | None = strawberry.field(
        default=None, description="Whether the employer is located in the Isola-Garibaldi district."
    )
    employer_alliance_member: bool | None = strawberry.field(
        default=None, description="Whether the employer is a member of the alliance."
    )
    employer_size: EmployerSize | None = strawberry.field(
        default=None, description="The size of the employer."
    )
    age: int | None = strawberry.field(default=None, description="Age in years.")
    children_ages: list[int] | None = strawberry.field(
        default=None, description="Ages of the children in years; [] for none."
    )
    dependent_parent: bool | None = strawberry.field(
        default=None, description="Whether they care for a dependent (elderly) parent."
    )
    isee: Decimal | None = strawberry.field(
        default=None, description="The household's ISEE in euro."
    )
    residence_cap: str | None = strawberry.field(
        default=None, description="CAP (postal code) of residence, e.g. '20159'."
    )

    def to_profile(self) -> BeneficiaryProfile:
        """The profile; BadUserInput for values no person has."""
        ages = [self.age] if self.age is not None else []
        children = self.children_ages or []
        if any(not 0 <= value <= 120 for value in ages + children):
            raise BadUserInput("ages must be between 0 and 120")
        if len(children) > _MAX_CHILDREN:
            raise BadUserInput(f"at most {_MAX_CHILDREN} children")
        if self.isee is not None and (not self.isee.is_finite() or self.isee < 0):
            raise BadUserInput("`isee` must be a non-negative amount in euro")
        cap = self.residence_cap.strip() if self.residence_cap is not None else None
        if cap is not None and not (len(cap) == 5 and cap.isdigit()):
            raise BadUserInput("`residenceCap` must be 5 digits")
        return BeneficiaryProfile(
            category=self.category,
            employer_vat=self.employer_vat.strip() if self.employer_vat else None,
            employer_in_district=self.employer_in_district,
            employer_alliance_member=self.employer_alliance_member,
            employer_size=self.employer_size,
            age=self.age,
            children_ages=tuple(self.children_ages) if self.children_ages is not None else None,
            dependent_parent=self.dependent_parent,
            isee=self.isee,
            residence_cap=cap,
        )

    def to_filter(self, include_unknown: bool) -> EligibilityFilter:
        return EligibilityFilter(self.to_profile(), include_unknown)


@strawberry.type(
    description=(
        "An eligibility rule: a tree of conditions (`all`, `any`, `not`, and leaves such as "
        "`category`, `age`, `childAge`, `isee`) attached to an area, a provider or an offering."
    )
)
class EligibilityRule(relay.Node):
    id: relay.NodeID[int]
    row: strawberry.Private[RuleRow]
    scope: RuleScope = strawberry.field(description="What the rule is attached to.")
    area: Area | None = strawberry.field(description="The area it applies to (scope AREA).")
    from_source: bool = strawberry.field(
        description="Whether a member's source gave it (else the alliance's registry)."
    )

    @strawberry.field(
        description="Moves with every change; an edit names the version it starts from."
    )
    def version(self) -> int:
        return int(self.row.version)

    @strawberry.field(description="The rule as data (the JSON format in the README).")
    def rule(self) -> JSON:
        value: JSON = orjson.loads(self.row.body)
        return value

    @strawberry.field(description="The rule in words, in the requested language.")
    def summary(self, info: Info, lang: Lang = None) -> str:
        language = info.context.language(lang)
        return describe(parse_rule(self.row.body), language.value)

    @strawberry.field(description="Why the alliance set the rule, when it says.")
    def note(self, info: Info, lang: Lang = None) -> str | None:
        english = info.context.language(lang) is Language.EN
        return (self.row.description_en if english else None) or self.row.description_it

    @classmethod
    def from_row(cls, row: RuleRow) -> EligibilityRule:
        return cls(
            id=row.id or 0,
            row=row,
            scope=row.scope,
            area=row.area,
            from_source=row.source_id is not None,
        )


@strawberry.type(description="One condition of the rules, and how it went for the profile.")
class EligibilityReason:
    reason: strawberry.Private[Reason]
    condition: str = strawberry.field(description="The condition, e.g. 'age', 'childAge'.")
    outcome: Outcome = strawberry.field(description="PASSED, FAILED or UNKNOWN.")

    @strawberry.field(description="The condition and its outcome in words.")
    def text(self, info: Info, lang: Lang = None) -> str:
        english = info.context.language(lang) is Language.EN
        return self.reason.text_en if english else self.reason.text_it

    @classmethod
    def of(cls, reason: Reason) -> EligibilityReason:
        return cls(reason=reason, condition=reason.condition, outcome=reason.outcome)


@strawberry.type(description="Whether a beneficiary may use an offering, and why.")
class Eligibility:
    assessment: strawberry.Private[Assessment]
    verdict: Verdict = strawberry.field(description="ELIGIBLE, NOT_ELIGIBLE or UNKNOWN.")
    reasons: list[EligibilityReason] = strawberry.field(
        description="Every condition of the rules below, in order, with its outcome."
    )
    rules: list[EligibilityRule] = strawberry.field(
        description="The rules that apply: the area's, the provider's, the offering's own."
    )

    @strawberry.field(description="The offering assessed.")
    def offering(self) -> Annotated[Offering, strawberry.lazy("schema.offering")]:
        from schema.offering import Offering  # noqa: PLC0415 - the two types refer to each other

        return Offering.from_row(self.assessment.offering)

    @classmethod
    def of(cls, assessment: Assessment) -> Eligibility:
        return cls(
            assessment=assessment,
            verdict=assessment.evaluation.verdict,
            reasons=[EligibilityReason.of(r) for r in assessment.evaluation.reasons],
            rules=[EligibilityRule.from_row(r) for r in assessment.rules],
        )
