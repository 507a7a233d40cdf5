"""The eligibility-rule language: who may use an offering, as a tree of conditions on a
beneficiary profile.

A rule is stored as JSON, keys in camelCase as in the GraphQL API; every object has
exactly one key. Combinators:

    {"all": [rule, ...]}                 every sub-rule holds (non-empty list)
    {"any": [rule, ...]}                 at least one sub-rule holds (non-empty list)
    {"not": rule}                        the sub-rule does not hold

Conditions (the leaves):

    {"category": ["FREELANCER", ...]}    the beneficiary's category is one of these:
                                         FREELANCER, SME_EMPLOYEE, ALLIANCE_EMPLOYEE, RESIDENT
    {"employerInDistrict": true}         the employer is (false: is not) located in the
                                         Isola-Garibaldi district
    {"employerAllianceMember": true}     the employer is (false: is not) an alliance member
    {"employerSize": ["MICRO", ...]}     the employer's size is one of MICRO, SMALL, MEDIUM, LARGE
    {"age": {"min": 18, "max": 35}}      the age in years is within the bounds (integers 0..120)
    {"childAge": {"min": 0, "max": 3}}   at least one child's age is within the bounds (0..30)
    {"dependentParent": true}            cares (false: does not care) for a dependent parent
    {"isee": {"max": 30000}}             the household's ISEE in euro is within the bounds
                                         (0..1,000,000, to the cent)
    {"residenceCap": ["20159", ...]}     the residence CAP (5 digits) is one of these

Bounds are inclusive and take "min" and/or "max" (at least one, min <= max). Lists must not
be empty; duplicates are dropped. A rule is at most MAX_DEPTH objects deep (the root is
level 1) and has at most MAX_NODES objects. `parse_rule` validates a rule and names the
JSON path of the first problem, e.g. ``rule.all[1].age: 'min' must not exceed 'max'``;
`rule_json` writes the canonical text (sorted keys, sorted list values), so that equal
rules have equal text.

`evaluate` uses Kleene's three-valued logic: a condition is UNKNOWN when the profile does
not state the field it reads, and UNKNOWN propagates unless the other operands decide (a
FAILED operand decides "all", a PASSED one decides "any"). Every condition is evaluated,
so there is one reason per condition, in tree order, saying what the rule needs (negated
under an odd number of "not"s) and whether the profile meets it.
"""

from __future__ import annotations

import enum
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, NamedTuple, Self, TypeAlias, TypeVar

import orjson

from models.enums import Language

MAX_DEPTH = 12
MAX_NODES = 200
# No welfare threshold comes near it; it keeps amounts exact through JSON numbers.
MAX_ISEE = Decimal(1_000_000)
ROOT = "rule"

JSONValue: TypeAlias = "dict[str, JSONValue] | list[JSONValue] | str | int | float | bool | None"

_E = TypeVar("_E", bound=enum.StrEnum)
_N = TypeVar("_N", int, Decimal)

_CAP = re.compile(r"[0-9]{5}")
_CENT = Decimal("0.01")


class BeneficiaryCategory(enum.StrEnum):
    """Who a beneficiary is, as the alliance's offerings tell them apart."""

    FREELANCER = "FREELANCER"
    SME_EMPLOYEE = "SME_EMPLOYEE"
    ALLIANCE_EMPLOYEE = "ALLIANCE_EMPLOYEE"
    RESIDENT = "RESIDENT"


class EmployerSize(enum.StrEnum):
    """Size of an employer (EU recommendation 2003/361)."""

    MICRO = "MICRO"
    SMALL = "SMALL"
    MEDIUM = "MEDIUM"
    LARGE = "LARGE"


class Outcome(enum.StrEnum):
    """How one condition went for a profile."""

    PASSED = "PASSED"
    FAILED = "FAILED"
    UNKNOWN = "UNKNOWN"


class Verdict(enum.StrEnum):
    """How a whole rule went for a profile."""

    ELIGIBLE = "ELIGIBLE"
    NOT_ELIGIBLE = "NOT_ELIGIBLE"
    UNKNOWN = "UNKNOWN"


class RuleError(ValueError):
    """A rule that does not follow the language; the message starts with the JSON path."""


@dataclass(frozen=True, repr=False)
class BeneficiaryProfile:
    """What a beneficiary chose to tell; None means the profile does not say."""

    category: BeneficiaryCategory | None = None
    employer_vat: str | None = None
    employer_in_district: bool | None = None
    employer_alliance_member: bool | None = None
    employer_size: EmployerSize | None = None
    age: int | None = None
    children_ages: tuple[int, ...] | None = None  # () means no children
    dependent_parent: bool | None = None
    isee: Decimal | None = None
    residence_cap: str | None = None

    def __repr__(self) -> str:
        # Personal data (age, income, family) must never reach logs or tracebacks.
        return "BeneficiaryProfile(<redacted>)"


class Bilingual(NamedTuple):
    """The same text in Italian and in English."""

    it: str
    en: str

    def text(self, lang: Language) -> str:
        """The text in the given language."""
        return self.it if lang is Language.IT else self.en


@dataclass(frozen=True)
class Reason:
    """One condition of a rule: what it needs, whether the profile met it, in words."""

    condition: str
    outcome: Outcome
    text_it: str
    text_en: str


@dataclass(frozen=True)
class Evaluation:
    """The verdict of a rule for a profile, with one reason per condition."""

    verdict: Verdict
    reasons: tuple[Reason, ...]


# --- The tree --------------------------------------------------------------------------


class Leaf(ABC):
    """A condition on one field of the profile."""

    key: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_data(cls, value: object, path: str) -> Self:
        """The condition from its JSON value; RuleError naming `path` when invalid."""

    @abstractmethod
    def to_data(self) -> JSONValue:
        """The canonical JSON value of the condition."""

    @abstractmethod
    def test(self, profile: BeneficiaryProfile) -> bool | None:
        """Whether the profile meets the condition; None when the profile does not say."""

    @abstractmethod
    def label(self, negated: bool) -> Bilingual:
        """What the condition (or its negation) requires, starting in lower case."""

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:  # noqa: ARG002
        """What the profile says about the condition's field, when worth repeating."""
        # Yes/no conditions: the answer already repeats the profile.
        return None


@dataclass(frozen=True)
class All:
    """Every sub-rule holds."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one sub-rule holds."""

    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Not:
    """The sub-rule does not hold."""

    rule: Rule


Rule: TypeAlias = "All | AnyOf | Not | Leaf"


# --- Leaves on a yes/no field ----------------------------------------------------------


@dataclass(frozen=True)
class _Flag(Leaf):
    """A condition that a yes/no field of the profile has `value`."""

    value: bool
    # The condition's wording when it needs True, and when it needs False.
    texts: ClassVar[dict[bool, Bilingual]]

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        if not isinstance(value, bool):
            raise _expected(path, "true or false", value)
        return cls(value)

    def to_data(self) -> JSONValue:
        return self.value

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        known = self.read(profile)
        return None if known is None else known == self.value

    def label(self, negated: bool) -> Bilingual:
        return self.texts[self.value != negated]

    @abstractmethod
    def read(self, profile: BeneficiaryProfile) -> bool | None:
        """The field the condition reads."""


@dataclass(frozen=True)
class EmployerInDistrict(_Flag):
    """The employer is (value False: is not) located in the Isola-Garibaldi district."""

    key: ClassVar[str] = "employerInDistrict"
    texts: ClassVar[dict[bool, Bilingual]] = {
        True: Bilingual(
            "datore di lavoro con sede nel distretto Isola-Garibaldi",
            "employer based in the Isola-Garibaldi district",
        ),
        False: Bilingual(
            "datore di lavoro con sede fuori dal distretto Isola-Garibaldi",
            "employer based outside the Isola-Garibaldi district",
        ),
    }

    def read(self, profile: BeneficiaryProfile) -> bool | None:
        return profile.employer_in_district


@dataclass(frozen=True)
class EmployerAllianceMember(_Flag):
    """The employer is (value False: is not) a member of the alliance."""

    key: ClassVar[str] = "employerAllianceMember"
    texts: ClassVar[dict[bool, Bilingual]] = {
        True: Bilingual("datore di lavoro membro dell'alleanza", "employer is an alliance member"),
        False: Bilingual(
            "datore di lavoro non membro dell'alleanza", "employer is not an alliance member"
        ),
    }

    def read(self, profile: BeneficiaryProfile) -> bool | None:
        return profile.employer_alliance_member


@dataclass(frozen=True)
class DependentParent(_Flag):
    """The beneficiary cares (value False: does not care) for a dependent elderly parent."""

    key: ClassVar[str] = "dependentParent"
    texts: ClassVar[dict[bool, Bilingual]] = {
        True: Bilingual(
            "assiste un genitore anziano non autosufficiente",
            "cares for a dependent elderly parent",
        ),
        False: Bilingual(
            "non assiste un genitore anziano non autosufficiente",
            "does not care for a dependent elderly parent",
        ),
    }

    def read(self, profile: BeneficiaryProfile) -> bool | None:
        return profile.dependent_parent


# --- Leaves on a field with a few values -----------------------------------------------

CATEGORY_LABELS: dict[BeneficiaryCategory, Bilingual] = {
    BeneficiaryCategory.FREELANCER: Bilingual(
        "lavoratore autonomo con partita IVA", "freelancer with a VAT number"
    ),
    BeneficiaryCategory.SME_EMPLOYEE: Bilingual(
        "dipendente di una PMI del distretto", "employee of a district SME"
    ),
    BeneficiaryCategory.ALLIANCE_EMPLOYEE: Bilingual(
        "dipendente di un membro dell'alleanza", "employee of an alliance member"
    ),
    BeneficiaryCategory.RESIDENT: Bilingual("residente nel distretto", "district resident"),
}

# Adjectives, so that a list reads "micro, piccola o media impresa".
SIZE_LABELS: dict[EmployerSize, Bilingual] = {
    EmployerSize.MICRO: Bilingual("micro", "micro"),
    EmployerSize.SMALL: Bilingual("piccola", "small"),
    EmployerSize.MEDIUM: Bilingual("media", "medium-sized"),
    EmployerSize.LARGE: Bilingual("grande", "large"),
}


@dataclass(frozen=True)
class CategoryIn(Leaf):
    """The beneficiary's category is one of `categories`."""

    categories: frozenset[BeneficiaryCategory]
    key: ClassVar[str] = "category"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(_enum_set(BeneficiaryCategory, value, path))

    def to_data(self) -> JSONValue:
        return [category.value for category in sorted(self.categories)]

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        return None if profile.category is None else profile.category in self.categories

    def label(self, negated: bool) -> Bilingual:
        labels = [CATEGORY_LABELS[c] for c in BeneficiaryCategory if c in self.categories]
        it = [label.it for label in labels]
        en = [label.en for label in labels]
        if negated:
            return Bilingual(_neither_it(it), _neither_en(en))
        return Bilingual(_join(it, "o"), _join(en, "or"))

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        return None if profile.category is None else CATEGORY_LABELS[profile.category]


@dataclass(frozen=True)
class EmployerSizeIn(Leaf):
    """The employer's size is one of `sizes`."""

    sizes: frozenset[EmployerSize]
    key: ClassVar[str] = "employerSize"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(_enum_set(EmployerSize, value, path))

    def to_data(self) -> JSONValue:
        return [size.value for size in sorted(self.sizes)]

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        return None if profile.employer_size is None else profile.employer_size in self.sizes

    def label(self, negated: bool) -> Bilingual:
        labels = [SIZE_LABELS[size] for size in EmployerSize if size in self.sizes]
        it = [label.it for label in labels]
        en = _join([label.en for label in labels], "or")
        if negated:
            return Bilingual(
                f"datore di lavoro {_neither_it(it)} impresa", f"employer is not a {en} business"
            )
        return Bilingual(
            f"datore di lavoro {_join(it, 'o')} impresa", f"employer is a {en} business"
        )

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        if profile.employer_size is None:
            return None
        size = SIZE_LABELS[profile.employer_size]
        return Bilingual(f"{size.it} impresa", f"{size.en} business")


@dataclass(frozen=True)
class ResidenceCapIn(Leaf):
    """The beneficiary's residence CAP (postal code) is one of `caps`."""

    caps: frozenset[str]
    key: ClassVar[str] = "residenceCap"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(frozenset(_cap(item, item_path) for item_path, item in _items(value, path)))

    def to_data(self) -> JSONValue:
        return [*sorted(self.caps)]

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        return None if profile.residence_cap is None else profile.residence_cap in self.caps

    def label(self, negated: bool) -> Bilingual:
        caps = sorted(self.caps)
        if negated:
            plural = "s" if len(caps) > 1 else ""
            return Bilingual(
                f"residenza in un CAP diverso da {_join(caps, 'e')}",
                f"lives outside postcode{plural} {_join(caps, 'and')}",
            )
        return Bilingual(
            f"residenza nel CAP {_join(caps, 'o')}", f"lives in postcode {_join(caps, 'or')}"
        )

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        cap = profile.residence_cap
        return None if cap is None else Bilingual(f"CAP {cap}", f"postcode {cap}")


# --- Leaves on a number within bounds --------------------------------------------------


class _RangeTexts(NamedTuple):
    """How a bounded condition reads, for each shape of bounds, and negated.

    Templates take {lo} and {hi} (the bounds with their unit) and {lo_bare} (the lower
    bound without it, for "tra 18 e 35 anni")."""

    between: Bilingual
    at_least: Bilingual
    at_most: Bilingual
    exactly: Bilingual
    not_between: Bilingual
    below: Bilingual
    above: Bilingual
    not_exactly: Bilingual


_AGE_TEXTS = _RangeTexts(
    between=Bilingual("età tra {lo_bare} e {hi}", "aged {lo} to {hi}"),
    at_least=Bilingual("età di almeno {lo}", "aged {lo} or over"),
    at_most=Bilingual("età fino a {hi}", "aged {hi} or under"),
    exactly=Bilingual("età di {lo}", "aged {lo}"),
    not_between=Bilingual("età non compresa tra {lo_bare} e {hi}", "not aged {lo} to {hi}"),
    below=Bilingual("età inferiore a {lo}", "aged under {lo}"),
    above=Bilingual("età superiore a {hi}", "aged over {hi}"),
    not_exactly=Bilingual("età diversa da {lo}", "not aged {lo}"),
)

_CHILD_AGE_TEXTS = _RangeTexts(
    between=Bilingual("almeno un figlio tra {lo_bare} e {hi}", "has a child aged {lo} to {hi}"),
    at_least=Bilingual("almeno un figlio di {lo} o più", "has a child aged {lo} or over"),
    at_most=Bilingual("almeno un figlio fino a {hi}", "has a child aged {hi} or under"),
    exactly=Bilingual("almeno un figlio di {lo}", "has a child aged {lo}"),
    not_between=Bilingual("nessun figlio tra {lo_bare} e {hi}", "has no child aged {lo} to {hi}"),
    below=Bilingual("nessun figlio di {lo} o più", "has no child aged {lo} or over"),
    above=Bilingual("nessun figlio fino a {hi}", "has no child aged {hi} or under"),
    not_exactly=Bilingual("nessun figlio di {lo}", "has no child aged {lo}"),
)

_ISEE_TEXTS = _RangeTexts(
    between=Bilingual("ISEE tra {lo} e {hi}", "ISEE between {lo} and {hi}"),
    at_least=Bilingual("ISEE di almeno {lo}", "ISEE of at least {lo}"),
    at_most=Bilingual("ISEE fino a {hi}", "ISEE up to {hi}"),
    exactly=Bilingual("ISEE di {lo}", "ISEE of {lo}"),
    not_between=Bilingual("ISEE non compreso tra {lo} e {hi}", "ISEE not between {lo} and {hi}"),
    below=Bilingual("ISEE inferiore a {lo}", "ISEE under {lo}"),
    above=Bilingual("ISEE superiore a {hi}", "ISEE over {hi}"),
    not_exactly=Bilingual("ISEE diverso da {lo}", "ISEE other than {lo}"),
)


@dataclass(frozen=True)
class AgeBetween(Leaf):
    """The beneficiary's age in years is within the inclusive bounds."""

    minimum: int | None = None
    maximum: int | None = None
    key: ClassVar[str] = "age"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(*_bounds(value, path, _integer_between(0, 120)))

    def to_data(self) -> JSONValue:
        return _bounds_data(self.minimum, self.maximum)

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        age = profile.age
        return None if age is None else _within(age, self.minimum, self.maximum)

    def label(self, negated: bool) -> Bilingual:
        return _range_label(_AGE_TEXTS, self.minimum, self.maximum, negated, _years)

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        return None if profile.age is None else _years(profile.age)


@dataclass(frozen=True)
class ChildAgeBetween(Leaf):
    """At least one of the beneficiary's children is aged within the inclusive bounds."""

    minimum: int | None = None
    maximum: int | None = None
    key: ClassVar[str] = "childAge"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(*_bounds(value, path, _integer_between(0, 30)))

    def to_data(self) -> JSONValue:
        return _bounds_data(self.minimum, self.maximum)

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        ages = profile.children_ages
        if ages is None:
            return None
        return any(_within(age, self.minimum, self.maximum) for age in ages)

    def label(self, negated: bool) -> Bilingual:
        return _range_label(_CHILD_AGE_TEXTS, self.minimum, self.maximum, negated, _years)

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        ages = profile.children_ages
        return None if ages is None else _children(ages)


@dataclass(frozen=True)
class IseeBetween(Leaf):
    """The household's ISEE in euro is within the inclusive bounds."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None
    key: ClassVar[str] = "isee"

    @classmethod
    def from_data(cls, value: object, path: str) -> Self:
        return cls(*_bounds(value, path, _euro_amount))

    def to_data(self) -> JSONValue:
        return _bounds_data(_json_number(self.minimum), _json_number(self.maximum))

    def test(self, profile: BeneficiaryProfile) -> bool | None:
        isee = profile.isee
        return None if isee is None else _within(isee, self.minimum, self.maximum)

    def label(self, negated: bool) -> Bilingual:
        return _range_label(_ISEE_TEXTS, self.minimum, self.maximum, negated, _euro)

    def observed(self, profile: BeneficiaryProfile) -> Bilingual | None:
        return None if profile.isee is None else _euro(profile.isee)


_LEAF_TYPES: dict[str, type[Leaf]] = {
    leaf.key: leaf
    for leaf in (
        CategoryIn,
        EmployerInDistrict,
        EmployerAllianceMember,
        EmployerSizeIn,
        AgeBetween,
        ChildAgeBetween,
        DependentParent,
        IseeBetween,
        ResidenceCapIn,
    )
}
_KEYS = ("all", "any", "not", *_LEAF_TYPES)


# --- Reading and writing ---------------------------------------------------------------


def parse_rule(data: object) -> Rule:
    """The rule from JSON text or decoded JSON; RuleError naming the path when invalid."""
    if isinstance(data, str | bytes):
        data = _load(data)
    return _Parser().parse(data, ROOT, depth=1)


def rule_data(rule: Rule) -> dict[str, JSONValue]:
    """The canonical JSON object of a rule, as `parse_rule` reads it back."""
    if isinstance(rule, Leaf):
        return {rule.key: rule.to_data()}
    if isinstance(rule, Not):
        return {"not": rule_data(rule.rule)}
    key = "all" if isinstance(rule, All) else "any"
    return {key: [rule_data(child) for child in rule.rules]}


def rule_json(rule: Rule) -> str:
    """The canonical compact JSON text of a rule: equal rules, equal text."""
    return orjson.dumps(rule_data(rule), option=orjson.OPT_SORT_KEYS).decode()


def conditions(rule: Rule) -> Iterator[Leaf]:
    """The leaves of a rule, in tree order."""
    if isinstance(rule, Leaf):
        yield rule
    elif isinstance(rule, Not):
        yield from conditions(rule.rule)
    else:
        for child in rule.rules:
            yield from conditions(child)


def _load(text: str | bytes) -> object:
    try:
        data: object = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise RuleError(f"{ROOT}: invalid JSON ({error})") from error
    return data


@dataclass
class _Parser:
    """Walks decoded JSON, counting objects so that an oversized rule fails early."""

    nodes: int = 0

    def parse(self, data: object, path: str, depth: int) -> Rule:
        self._count(path, depth)
        key, value = _only_entry(data, path)
        path = f"{path}.{key}"
        if key in ("all", "any"):
            rules = tuple(self.parse(item, at, depth + 1) for at, item in _items(value, path))
            return All(rules) if key == "all" else AnyOf(rules)
        if key == "not":
            return Not(self.parse(value, path, depth + 1))
        return _LEAF_TYPES[key].from_data(value, path)

    def _count(self, path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise RuleError(f"{path}: nested deeper than {MAX_DEPTH} levels")
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise RuleError(f"{path}: the rule has more than {MAX_NODES} nodes")


def _only_entry(data: object, path: str) -> tuple[str, object]:
    if not isinstance(data, dict):
        raise _expected(path, "an object", data)
    if len(data) != 1:
        keys = f" ({', '.join(_show(key) for key in data)})" if data else ""
        raise RuleError(f"{path}: expected exactly one key, got {len(data)}{keys}")
    ((key, value),) = data.items()
    if key not in _KEYS:
        raise RuleError(f"{path}: unknown key {_show(key)} (expected one of {', '.join(_KEYS)})")
    return key, value


def _items(value: object, path: str) -> Iterator[tuple[str, object]]:
    """The entries of a non-empty JSON list, each with its path."""
    if not isinstance(value, list):
        raise _expected(path, "a list", value)
    if not value:
        raise RuleError(f"{path}: must not be empty")
    for index, item in enumerate(value):
        yield f"{path}[{index}]", item


def _enum_set(enum_type: type[_E], value: object, path: str) -> frozenset[_E]:
    return frozenset(_enum_member(enum_type, item, at) for at, item in _items(value, path))


def _enum_member(enum_type: type[_E], value: object, path: str) -> _E:
    if isinstance(value, str) and value in enum_type.__members__:
        return enum_type[value]
    raise _expected(path, f"one of {', '.join(enum_type)}", value)


def _cap(value: object, path: str) -> str:
    if isinstance(value, str) and _CAP.fullmatch(value):
        return value
    raise _expected(path, "a CAP of 5 digits", value)


def _bounds(
    value: object, path: str, number: Callable[[object, str], _N]
) -> tuple[_N | None, _N | None]:
    if not isinstance(value, dict):
        raise _expected(path, "an object with 'min' and/or 'max'", value)
    unknown = [key for key in value if key not in ("min", "max")]
    if unknown:
        raise RuleError(f"{path}: unknown key {_show(unknown[0])} (expected 'min' and/or 'max')")
    if not value:
        raise RuleError(f"{path}: expected 'min' and/or 'max'")
    low = number(value["min"], f"{path}.min") if "min" in value else None
    high = number(value["max"], f"{path}.max") if "max" in value else None
    if low is not None and high is not None and low > high:
        raise RuleError(f"{path}: 'min' must not exceed 'max'")
    return low, high


def _integer_between(low: int, high: int) -> Callable[[object, str], int]:
    def parse(value: object, path: str) -> int:
        # bool is an int in Python, never in a rule.
        if isinstance(value, bool) or not isinstance(value, int):
            raise _expected(path, "an integer", value)
        if not low <= value <= high:
            raise RuleError(f"{path}: must be between {low} and {high}, got {_show(value)}")
        return value

    return parse


def _euro_amount(value: object, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _expected(path, "a number", value)
    # repr gives the shortest decimal that reads back as the same float: 0.1, not 0.1000...
    amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise _expected(path, "a finite number", value)
    if not 0 <= amount <= MAX_ISEE:
        raise RuleError(f"{path}: must be between 0 and {MAX_ISEE}, got {_show(value)}")
    if amount != amount.quantize(_CENT):
        raise RuleError(f"{path}: must be in euro to the cent, got {_show(value)}")
    return amount


def _bounds_data(low: float | None, high: float | None) -> JSONValue:
    data: dict[str, JSONValue] = {}
    if low is not None:
        data["min"] = low
    if high is not None:
        data["max"] = high
    return data


def _json_number(amount: Decimal | None) -> int | float | None:
    """An amount as a JSON number; exact, since amounts are bounded and to the cent."""
    if amount is None:
        return None
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _expected(path: str, what: str, value: object) -> RuleError:
    return RuleError(f"{path}: expected {what}, got {_show(value)}")


def _show(value: object) -> str:
    """A short rendering of a JSON value for an error message."""
    if isinstance(value, bool) or value is None:
        return orjson.dumps(value).decode()
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    # Python refuses to print integers of thousands of digits.
    if isinstance(value, int) and value.bit_length() > 64:
        return "a very large integer"
    if isinstance(value, str | int | float | Decimal):
        text = repr(value) if isinstance(value, str) else str(value)
        return text if len(text) <= 40 else f"{text[:37]}..."
    return type(value).__name__


# --- Evaluation ------------------------------------------------------------------------

_OUTCOMES: dict[bool | None, Outcome] = {
    True: Outcome.PASSED,
    False: Outcome.FAILED,
    None: Outcome.UNKNOWN,
}
_NEGATIONS = {
    Outcome.PASSED: Outcome.FAILED,
    Outcome.FAILED: Outcome.PASSED,
    Outcome.UNKNOWN: Outcome.UNKNOWN,
}
_VERDICTS = {
    Outcome.PASSED: Verdict.ELIGIBLE,
    Outcome.FAILED: Verdict.NOT_ELIGIBLE,
    Outcome.UNKNOWN: Verdict.UNKNOWN,
}
_OUTCOME_OF = {verdict: outcome for outcome, verdict in _VERDICTS.items()}
_ANSWERS = {
    Outcome.PASSED: Bilingual("sì", "yes"),
    Outcome.FAILED: Bilingual("no", "no"),
    Outcome.UNKNOWN: Bilingual("non indicato", "not stated"),
}


def evaluate(rule: Rule | None, profile: BeneficiaryProfile) -> Evaluation:
    """The verdict of a rule for a profile (no rule: eligible), with a reason per condition."""
    if rule is None:
        return Evaluation(Verdict.ELIGIBLE, ())
    reasons: list[Reason] = []
    outcome = _evaluate(rule, profile, False, reasons)
    return Evaluation(_VERDICTS[outcome], tuple(reasons))


def _evaluate(
    rule: Rule, profile: BeneficiaryProfile, negated: bool, reasons: list[Reason]
) -> Outcome:
    """The rule's outcome; appends a reason per leaf, phrased as the (negated) need."""
    if isinstance(rule, Leaf):
        outcome = _OUTCOMES[rule.test(profile)]
        reasons.append(_reason(rule, profile, negated, _NEGATIONS[outcome] if negated else outcome))
        return outcome
    if isinstance(rule, Not):
        return _NEGATIONS[_evaluate(rule.rule, profile, not negated, reasons)]
    # A list, not a generator: every child is evaluated so that every reason is reported.
    outcomes = [_evaluate(child, profile, negated, reasons) for child in rule.rules]
    return _all(outcomes) if isinstance(rule, All) else _any(outcomes)


def all_of(verdicts: Iterable[Verdict]) -> Verdict:
    """The verdict of rules that must all hold, from each rule's verdict (the same
    three-valued conjunction as `all`)."""
    outcomes = [_OUTCOME_OF[verdict] for verdict in verdicts]
    return _VERDICTS[_all(outcomes)]


def _all(outcomes: Sequence[Outcome]) -> Outcome:
    if Outcome.FAILED in outcomes:
        return Outcome.FAILED
    return Outcome.UNKNOWN if Outcome.UNKNOWN in outcomes else Outcome.PASSED


def _any(outcomes: Sequence[Outcome]) -> Outcome:
    if Outcome.PASSED in outcomes:
        return Outcome.PASSED
    return Outcome.UNKNOWN if Outcome.UNKNOWN in outcomes else Outcome.FAILED


def _reason(leaf: Leaf, profile: BeneficiaryProfile, negated: bool, outcome: Outcome) -> Reason:
    label = leaf.label(negated)
    answer = _ANSWERS[outcome]
    seen = leaf.observed(profile)
    return Reason(
        condition=leaf.key,
        outcome=outcome,
        text_it=_sentence(label.it, answer.it, seen.it if seen else None),
        text_en=_sentence(label.en, answer.en, seen.en if seen else None),
    )


def _sentence(label: str, answer: str, seen: str | None) -> str:
    """The reason's wording: "<Condition>: <answer> (<what the profile says>)"."""
    text = f"{_capitalized(label)}: {answer}"
    return text if seen is None else f"{text} ({seen})"


# --- Summaries -------------------------------------------------------------------------

_ALL_WORDS = Bilingual("tutte", "all of")
_ANY_WORDS = Bilingual("almeno una tra", "any of")


def describe(rule: Rule, lang: str) -> str:
    """A one-line summary of a rule in Italian ("it") or English ("en")."""
    return _capitalized(_describe(rule, Language(lang), negated=False, nested=False))


def _describe(rule: Rule, lang: Language, negated: bool, nested: bool) -> str:
    if isinstance(rule, Leaf):
        return rule.label(negated).text(lang)
    if isinstance(rule, Not):
        return _describe(rule.rule, lang, not negated, nested)
    if len(rule.rules) == 1:
        return _describe(rule.rules[0], lang, negated, nested)
    # Negation moves inwards by De Morgan's laws, so a summary never says "not (...)".
    words = _ALL_WORDS if isinstance(rule, All) != negated else _ANY_WORDS
    parts = "; ".join(_describe(child, lang, negated, nested=True) for child in rule.rules)
    return f"{words.text(lang)} ({parts})" if nested else f"{words.text(lang)}: {parts}"


# --- Wording helpers -------------------------------------------------------------------


def _capitalized(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(words: Sequence[str], conjunction: str) -> str:
    """The words as "a, b or c", with the given conjunction."""
    if len(words) == 1:
        return words[0]
    return f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def _neither_it(words: Sequence[str]) -> str:
    if len(words) == 1:
        return f"non {words[0]}"
    return " ".join(f"né {word}" for word in words)


def _neither_en(words: Sequence[str]) -> str:
    if len(words) == 1:
        return f"not {words[0]}"
    return f"neither {_join(words, 'nor')}"


def _within(value: _N, low: _N | None, high: _N | None) -> bool:
    return (low is None or low <= value) and (high is None or value <= high)


def _range_label(
    texts: _RangeTexts,
    low: _N | None,
    high: _N | None,
    negated: bool,
    show: Callable[[_N], Bilingual],
) -> Bilingual:
    if low is None:
        template = texts.above if negated else texts.at_most
    elif high is None:
        template = texts.below if negated else texts.at_least
    elif low == high:
        template = texts.not_exactly if negated else texts.exactly
    else:
        template = texts.not_between if negated else texts.between
    lo = show(low) if low is not None else Bilingual("", "")
    hi = show(high) if high is not None else Bilingual("", "")
    return Bilingual(
        template.it.format(lo=lo.it, hi=hi.it, lo_bare=low),
        template.en.format(lo=lo.en, hi=hi.en, lo_bare=low),
    )


def _years(age: int) -> Bilingual:
    return Bilingual("1 anno" if age == 1 else f"{age} anni", str(age))


def _children(ages: tuple[int, ...]) -> Bilingual:
    if not ages:
        return Bilingual("nessun figlio", "no children")
    if len(ages) == 1:
        return Bilingual(f"un figlio di {_years(ages[0]).it}", f"one child aged {ages[0]}")
    numbers = [str(age) for age in sorted(ages)]
    return Bilingual(
        f"figli di {_join(numbers, 'e')} anni", f"children aged {_join(numbers, 'and')}"
    )


def _euro(amount: Decimal) -> Bilingual:
    """30.000 € in Italian, €30,000 in English; cents only when there are some."""
    places = 0 if amount == amount.to_integral_value() else 2
    english = f"{amount:,.{places}f}"
    italian = english.translate(str.maketrans(",.", ".,"))
    return Bilingual(f"{italian} €", f"€{english}")
