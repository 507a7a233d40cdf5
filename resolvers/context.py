"""The per-request context: database sessions, language, and this request's DataLoaders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from models import (
    Category,
    CostOption,
    EligibilityRule,
    Language,
    Location,
    Offering,
    Provider,
    Schedule,
    Slot,
    Source,
    SyncProblem,
    SyncRun,
)
from resolvers import availability, eligibility, locations, offerings, providers, sources, taxonomy
from resolvers.loaders import Loader
from resolvers.pagination import Page
from resolvers.queries import Sessions


class Loaders:
    """Every DataLoader of one request; created fresh for each request, never shared."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self.offering = Loader[int, Offering | None](partial(offerings.offerings_by_id, sessions))
        self.provider = Loader[int, Provider | None](partial(providers.providers_by_id, sessions))
        self.location = Loader[int, Location | None](partial(locations.locations_by_id, sessions))
        self.category = Loader[int, Category | None](partial(taxonomy.categories_by_id, sessions))
        self.source = Loader[int, Source | None](partial(sources.sources_by_id, sessions))
        self.sync_run = Loader[int, SyncRun | None](partial(sources.sync_runs_by_id, sessions))
        self.offering_locations = Loader[int, list[Location]](
            partial(offerings.locations_of_offerings, sessions)
        )
        self.offering_categories = Loader[int, list[Category]](
            partial(offerings.categories_of_offerings, sessions)
        )
        self.offering_languages = Loader[int, list[str]](
            partial(offerings.languages_of_offerings, sessions)
        )
        self.offering_cost_options = Loader[int, list[CostOption]](
            partial(offerings.cost_options_of_offerings, sessions)
        )
        self.provider_locations = Loader[int, list[Location]](
            partial(providers.locations_of_providers, sessions)
        )
        self.category_offering_count = Loader[int, int](
            partial(taxonomy.category_offering_counts, sessions)
        )
        self.last_run = Loader[int, SyncRun | None](partial(sources.last_runs, sessions))
        self.run_problems = Loader[int, list[SyncProblem]](
            partial(sources.problems_of_runs, sessions)
        )
        self.offering_schedules = Loader[int, list[Schedule]](
            partial(availability.schedules_of_offerings, sessions)
        )
        self.offering_rules = Loader[int, list[EligibilityRule]](
            partial(eligibility.rules_of_offerings, sessions)
        )
        self.rule = Loader[int, EligibilityRule | None](partial(eligibility.rules_by_id, sessions))
        self._slots: dict[availability.SlotWindow, Loader[int, list[Slot]]] = {}
        self._provider_offerings: dict[
            offerings.ProviderOfferingsArgs, Loader[int, Page[Offering]]
        ] = {}

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
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.sessions)

    def language(self, requested: Language | None) -> Language:
        """The language of a text field: its `lang` argument, else the request's."""
        return requested or self.lang
