"""The alliance's own eligibility rules: a TOML file of `[[rule]]` tables that the hub
imports into its registry (`concilia rules import`), validated before anything is written.

    [[rule]]
    key = "nido-solo-dipendenti-alleanza"      # unique, stable: the rule's name
    offering = "alleanza-isola/<external id>"   # or provider = "<source>/<external id>",
                                                # provider_vat = "<partita IVA>",
                                                # area = "FAMILY_CARE"
    description_it = "Posti riservati ai dipendenti dei membri dell'alleanza"
    description_en = "Places reserved for employees of alliance members"
    rule = { category = ["ALLIANCE_EMPLOYEE"] }  # the rule language of models.eligibility

An import replaces every registry rule with the file's (source-given rules are left
alone), in one transaction: a file with any invalid rule or unknown reference changes
nothing and reports every problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from stdnum.exceptions import ValidationError
from stdnum.it import iva

from connectors.config import ConfigError, read_tables
from models import Area, Offering, Provider, RuleScope, Source
from models.audit import IMPORT
from models.catalogue import linked_provider, replace_registry_rules
from models.eligibility import RuleError, parse_rule, rule_json
from models.rule import rule_hash

_TARGETS = ("area", "provider", "provider_vat", "offering")
_KEYS = frozenset({"key", "rule", "description_it", "description_en", *_TARGETS})


@dataclass(frozen=True, slots=True)
class RegistryRule:
    """One rule of the file, checked: its target is still a reference to resolve."""

    key: str
    scope: RuleScope
    target: str
    body: str
    description_it: str | None
    description_en: str | None


def load_rules(path: Path) -> list[RegistryRule]:
    """The rules of a registry file; ConfigError listing every problem in it."""
    tables = read_tables(path, "rule", "rules")
    rules: list[RegistryRule] = []
    problems: list[str] = []
    for number, table in enumerate(tables, 1):
        try:
            rules.append(_rule(table))
        except ConfigError as error:
            problems.append(f"rule #{number}: {error}")
    keys = [rule.key for rule in rules]
    problems += [
        f"key {key!r} is used twice" for key in sorted({k for k in keys if keys.count(k) > 1})
    ]
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return rules


def _rule(table: Any) -> RegistryRule:
    if not isinstance(table, dict):
        raise ConfigError("not a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise ConfigError(f"unknown key(s) {', '.join(unknown)}")
    key = table.get("key")
    if not isinstance(key, str) or not key.strip():
        raise ConfigError("'key' (a non-empty string) is required")
    targets = [name for name in _TARGETS if name in table]
    if len(targets) != 1:
        raise ConfigError(f"{key}: give exactly one of {', '.join(_TARGETS)}")
    scope, target = _target(targets[0], table[targets[0]], key)
    try:
        body = rule_json(parse_rule(table.get("rule")))
    except RuleError as error:
        raise ConfigError(f"{key}: {error}") from None
    texts = {name: table.get(name) for name in ("description_it", "description_en")}
    if any(value is not None and not isinstance(value, str) for value in texts.values()):
        raise ConfigError(f"{key}: descriptions must be strings")
    return RegistryRule(
        key.strip(), scope, target, body, texts["description_it"], texts["description_en"]
    )


def _target(name: str, value: object, key: str) -> tuple[RuleScope, str]:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: {name!r} must be a non-empty string")
    value = value.strip()
    if name == "area":
        if value not in Area.__members__:
            raise ConfigError(f"{key}: unknown area {value!r} (one of {', '.join(Area)})")
        return RuleScope.AREA, value
    if name == "provider_vat":
        try:
            return RuleScope.PROVIDER, "vat:" + str(iva.validate(value))
        except ValidationError:
            raise ConfigError(f"{key}: {value!r} is not a valid partita IVA") from None
    if "/" not in value:
        raise ConfigError(f"{key}: {name!r} must be '<source name>/<external id>'")
    scope = RuleScope.PROVIDER if name == "provider" else RuleScope.OFFERING
    return scope, value


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    created: int
    updated: int
    unchanged: int
    deleted: int


async def import_rules(session: AsyncSession, rules: list[RegistryRule]) -> ImportReport:
    """Make the registry's rules those of `rules`, in the caller's transaction;
    ConfigError (nothing written) when a reference does not resolve."""
    targets = {rule.key: await _resolve(session, rule) for rule in rules}
    missing = [f"{rule.key}: {_unresolved(rule)}" for rule in rules if targets[rule.key] is None]
    if missing:
        raise ConfigError("unknown references: " + "; ".join(missing))
    changes = await replace_registry_rules(
        session, [_values(rule, targets[rule.key]) for rule in rules], IMPORT
    )
    return ImportReport(changes.created, changes.updated, changes.unchanged, changes.deleted)


def _unresolved(rule: RegistryRule) -> str:
    if rule.target.startswith("vat:"):
        return f"no single provider has partita IVA {rule.target.removeprefix('vat:')}"
    return f"no {rule.scope.value.lower()} {rule.target!r}"


def _values(rule: RegistryRule, target: object) -> dict[str, Any]:
    return {
        "key": rule.key,
        "scope": rule.scope,
        "area": Area(str(target)) if rule.scope is RuleScope.AREA else None,
        "provider_id": target if rule.scope is RuleScope.PROVIDER else None,
        "offering_id": target if rule.scope is RuleScope.OFFERING else None,
        "source_id": None,
        "body": rule.body,
        "body_hash": rule_hash(rule.body),
        "description_it": rule.description_it,
        "description_en": rule.description_en,
    }


async def _resolve(session: AsyncSession, rule: RegistryRule) -> object | None:
    """The area, or the id of the provider or offering, a rule's target names."""
    if rule.scope is RuleScope.AREA:
        return rule.target
    if rule.target.startswith("vat:"):
        query = sa.select(col(Provider.id)).where(
            col(Provider.vat_number) == rule.target.removeprefix("vat:")
        )
        found = list((await session.execute(query.limit(2))).scalars())
        # One provider per partita IVA (models.catalogue), but rows stored before provider
        # identity may still repeat one: ambiguous, so the rule must name the provider.
        return found[0] if len(found) == 1 else None
    source_name, _, external_id = rule.target.partition("/")
    if rule.scope is RuleScope.PROVIDER:
        # The provider the source's organisation is part of (one per partita IVA).
        linked = await linked_provider(session, source_name, external_id)
        if linked is not None:
            return linked
    model = Provider if rule.scope is RuleScope.PROVIDER else Offering
    query = (
        sa.select(col(model.id))
        .join(Source, col(Source.id) == col(model.source_id))
        .where(col(Source.name) == source_name, col(model.external_id) == external_id)
    )
    return (await session.execute(query)).scalar_one_or_none()
