"""Enumerations shared by the storage model, the connectors and the schema."""

from __future__ import annotations

import enum


class Area(enum.StrEnum):
    """The four welfare areas of the Milano Concilia 4.0 alliance."""

    HEALTH_WELLBEING = "HEALTH_WELLBEING"
    FAMILY_CARE = "FAMILY_CARE"
    LEISURE_WORK_LIFE = "LEISURE_WORK_LIFE"
    WORK_SERVICES = "WORK_SERVICES"


class DeliveryMode(enum.StrEnum):
    """Where the service reaches the beneficiary."""

    IN_PERSON = "IN_PERSON"
    ONLINE = "ONLINE"
    AT_HOME = "AT_HOME"


class OfferingStatus(enum.StrEnum):
    """Lifecycle of an offering; withdrawn offerings are kept, never deleted."""

    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    WITHDRAWN = "WITHDRAWN"


class Language(enum.StrEnum):
    """Languages the hub serves text in (ISO 639-1)."""

    IT = "it"
    EN = "en"


class SlotStatus(enum.StrEnum):
    """Whether a slot still takes place."""

    SCHEDULED = "SCHEDULED"
    CANCELLED = "CANCELLED"


class SyncStatus(enum.StrEnum):
    """Outcome of one sync run of a source."""

    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    # The process running it stopped (killed, crashed) before it finished: its lease ran out.
    DEAD = "DEAD"


class RuleScope(enum.StrEnum):
    """What an eligibility rule is attached to; offerings inherit the rules of their area
    and of their provider."""

    AREA = "AREA"
    PROVIDER = "PROVIDER"
    OFFERING = "OFFERING"


class Role(enum.StrEnum):
    """Who a request is, by the API key it carries (README, "Keys and roles"); ordered
    from least to most trusted."""

    ANONYMOUS = "anonymous"
    PARTNER = "partner"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)
