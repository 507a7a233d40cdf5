"""The per-request context: database sessions, language, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, partial

from models import (
    Category,
    CostOption,
    EligibilityRule,
    Language,
    Location,
    Offering,
    Provider,
    Role,
    Schedule,
    Slot,
    Source,
    SyncProblem,
    SyncRun,
    SyncTerm,
)
from models.audit import Actor
from models.types import local_today
from resolvers import availability, eligibility, locations, offerings, providers, sources, taxonomy
from resolvers.loaders import Loader
from resolvers.pagination import Page
from resolvers.queries import Sessions


class Loaders:
    """Every DataLoader of one request; created fresh for each request, never shared.
    Each is made on first use: a request pays only for the loaders its fields need."""

    def __init__(self, sessions: Sessions, today: date) -> None:
        self._sessions = sessions
        self._today = today
        self._slots: dict[availability.SlotWindow, Loader[int, list[Slot]]] = {}
        self._provider_offerings: dict[
            offerings.ProviderOfferingsArgs, Loader[int, Page[Offering]]
        ] = {}

    @cached_property
    def offering(self) -> Loader[int, Offering | None]:
        return Loader(partial(offerings.offerings_by_id, self._sessions))

    @cached_property
    def provider(self) -> Loader[int, Provider | None]:
        return Loader(partial(providers.providers_by_id, self._sessions))

    @cached_property
    def provider_by_vat_number(self) -> Loader[str, Provider | None]:
        return Loader(partial(providers.providers_by_vat_number, self._sessions))

    @cached_property
    def location(self) -> Loader[int, Location | None]:
        return Loader(partial(locations.locations_by_id, self._sessions))

    @cached_property
    def category(self) -> Loader[int, Category | None]:
        return Loader(partial(taxonomy.categories_by_id, self._sessions))

    @cached_property
    def source(self) -> Loader[int, Source | None]:
        return Loader(partial(sources.sources_by_id, self._sessions))

    @cached_property
    def sync_run(self) -> Loader[int, SyncRun | None]:
        return Loader(partial(sources.sync_runs_by_id, self._sessions))

    @cached_property
    def offering_locations(self) -> Loader[int, list[Location]]:
        return Loader(partial(offerings.locations_of_offerings, self._sessions))

    @cached_property
    def offering_categories(self) -> Loader[int, list[Category]]:
        return Loader(partial(offerings.categories_of_offerings, self._sessions))

    @cached_property
    def offering_languages(self) -> Loader[int, list[str]]:
        return Loader(partial(offerings.languages_of_offerings, self._sessions))

    @cached_property
    def offering_cost_options(self) -> Loader[int, list[CostOption]]:
        return Loader(partial(offerings.cost_options_of_offerings, self._sessions))

    @cached_property
    def provider_locations(self) -> Loader[int, list[Location]]:
        return Loader(partial(providers.locations_of_providers, self._sessions))

    @cached_property
    def category_offering_count(self) -> Loader[int, int]:
        return Loader(partial(taxonomy.category_offering_counts, self._sessions, self._today))

    @cached_property
    def offering_edits(self) -> Loader[int, sources.Edits | None]:
        return Loader(partial(sources.edits_by_id, self._sessions, Offering))

    @cached_property
    def location_edits(self) -> Loader[int, sources.Edits | None]:
        return Loader(partial(sources.edits_by_id, self._sessions, Location))

    @cached_property
    def last_run(self) -> Loader[int, SyncRun | None]:
        return Loader(partial(sources.last_runs, self._sessions))

    @cached_property
    def run_problems(self) -> Loader[int, list[SyncProblem]]:
        return Loader(partial(sources.problems_of_runs, self._sessions))

    @cached_property
    def provider_sources(self) -> Loader[int, list[Source]]:
        return Loader(partial(sources.sources_of_providers, self._sessions))

    @cached_property
    def run_terms(self) -> Loader[int, list[SyncTerm]]:
        return Loader(partial(sources.terms_of_runs, self._sessions))

    @cached_property
    def offering_schedules(self) -> Loader[int, list[Schedule]]:
        return Loader(partial(availability.schedules_of_offerings, self._sessions))

    @cached_property
    def offering_rules(self) -> Loader[int, list[EligibilityRule]]:
        return Loader(partial(eligibility.rules_of_offerings, self._sessions))

    @cached_property
    def rule(self) -> Loader[int, EligibilityRule | None]:
        return Loader(partial(eligibility.rules_by_id, self._sessions))

    def provider_offerings(
        self, args: offerings.ProviderOfferingsArgs
    ) -> Loader[int, Page[Offering]]:
        """The loader of `Provider.offerings` pages for one set of arguments."""
        loader = self._provider_offerings.get(args)
        if loader is None:
            loader = Loader(partial(offerings.offerings_of_providers, self._sessions, args))
            self._provider_offerings[args] = loader
        return loader

    def slots(self, key: availability.SlotWindow) -> Loader[int, list[Slot]]:
        """The loader of offerings' slots in one window."""
        loader = self._slots.get(key)
        if loader is None:
            loader = Loader(partial(availability.slots_of_offerings, self._sessions, key))
            self._slots[key] = loader
        return loader


@dataclass
class Context:
    """What every resolver of one request can use."""

    sessions: Sessions
    lang: Language = Language.IT
    # Refreshes remaining places from the sources that offer it; None: stored values only.
    live: availability.LiveAvailability | None = None
    # The day the request sees (Milan's): what is current is decided by it.
    today: date = field(default_factory=local_today)
    # Who asks (hub.access decided what the document may select): the role, the provider
    # an editor's key writes for, and how the audit trail names it (None: cannot write).
    role: Role = Role.ANONYMOUS
    editor_of: int | None = None
    actor: Actor | None = None
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.sessions, self.today)

    def language(self, requested: Language | None) -> Language:
        """The language of a text field: its `lang` argument, else the request's."""
        return requested or self.lang
