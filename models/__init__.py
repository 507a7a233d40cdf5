"""The storage model: SQLModel tables and the database engine."""

from models.apikey import ApiKey
from models.audit import Change
from models.category import Category
from models.enums import (
    Area,
    DeliveryMode,
    Language,
    OfferingStatus,
    Role,
    RuleScope,
    SlotStatus,
    SyncStatus,
)
from models.location import Location
from models.offering import (
    CostOption,
    Offering,
    OfferingCategory,
    OfferingLanguage,
    OfferingLocation,
)
from models.provider import Provider, ProviderLink
from models.rule import EligibilityRule, RuleSet
from models.schedule import Occurrence, Schedule, Slot
from models.source import Source, SyncProblem, SyncRun, SyncTerm
from models.version import DataVersion

__all__ = [
    "ApiKey",
    "Area",
    "Category",
    "Change",
    "CostOption",
    "DataVersion",
    "DeliveryMode",
    "EligibilityRule",
    "Language",
    "Location",
    "Occurrence",
    "Offering",
    "OfferingCategory",
    "OfferingLanguage",
    "OfferingLocation",
    "OfferingStatus",
    "Provider",
    "ProviderLink",
    "Role",
    "RuleScope",
    "RuleSet",
    "Schedule",
    "Slot",
    "SlotStatus",
    "Source",
    "SyncProblem",
    "SyncRun",
    "SyncStatus",
    "SyncTerm",
]
