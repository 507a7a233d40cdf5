"""schema.org markup connector: services, offers, courses and events described in JSON-LD
(JSON-LD 1.1, https://www.w3.org/TR/json-ld11/, with the schema.org vocabulary,
https://schema.org/docs/documents.html), read from a JSON-LD file or from every
`<script type="application/ld+json">` block of an HTML page (JSON-LD 1.1 "Embedding JSON-LD
in HTML Documents"; the block's text is read as it is, without HTML character references).

The document is flattened as JSON-LD does (JSON-LD 1.1 "Embedding", and the flattening
algorithm of JSON-LD 1.1 Processing Algorithms and API): a node declared several times
under one `@id`, in one block or in several, is one node whose values add up, and an
embedded node is the same as an `@id` reference to it. Terms are compact schema.org terms
(`name`, `Service`; `schema:name` and `https://schema.org/name` read the same; `type` and
`id` are `@type` and `@id`, as the schema.org context aliases them).
Remote contexts are not fetched and no other vocabulary is expanded.

What becomes what:
- **providers**: organisations declared at the top of a block (or in its `@graph`), and
  whatever node an offering names as its provider. An organisation is a node of one of
  ORGANIZATION_TYPES (Organization, LocalBusiness, MedicalClinic, ChildCare, ...) or any
  node with a `name` and a `vatID`/`taxID`. `name` (else `legalName`), `vatID` (else
  `taxID`), `email`, `telephone`, `url` (resolved against the page's address),
  `description`. An organisation with an `address` or `geo`, or with a `location`, also
  gives a location: its premises.
- **offerings**: nodes of OFFERING_TYPES (Service, Course, Event, Product, medical
  procedures, educational programmes, financial products, and their subtypes), the
  `itemOffered` of an Offer, and an Offer that neither prices another node nor offers an
  item; a Service without a name whose `hasOfferCatalog` lists services is their catalogue,
  not an offering. Provider: `provider`, `organizer`, `brand`, `offeredBy` or `seller` (a
  node or an `@id` reference), else the organisation whose `makesOffer`, `hasOfferCatalog`
  or `availableService` lists it or the `offeredBy`/`seller` of its offers, else (for the
  services of a Service's catalogue) that Service's provider, else its `serviceOperator`,
  else the `provider` option. `name`/`description`: values tagged `{"@value", "@language"}`
  go by their tag; plain strings are in the node's `inLanguage` (when it has one), else the
  block context's `@language`, else the `language` option; `it` becomes
  `title_it`/`description_it` and `en` becomes `title_en`/`description_en`. `offers` (its
  own, its course instances', and Offers whose `itemOffered` it is) -> cost options: `price`
  (else `priceSpecification.price`, else an AggregateOffer's `lowPrice`) in cents, `0` is
  free; `priceCurrency` (default EUR); the offer's `name` (else its text `category`) is the
  label; an offer with no price, name nor description gives none; `eligibleCustomerType` is
  ignored. The offers' `validFrom` and `validThrough` -> the first and last day it is valid
  (the Europe/Rome day of a date-time), open at an end where one of its offers is.
  `category` and `serviceType` terms -> categories (see options; a catalogue's service
  without terms has its Service's). `url` (else an offer's `url`), resolved against the
  page's address -> booking URL; `email`; `availableLanguage` (its own and its channels') ->
  languages. `location`, `areaServed`, `availableChannel.serviceLocation`,
  `hasCourseInstance.location` and `offers.availableAtOrFrom` -> locations; with none, an
  offering that is not online takes its provider's premises. Online: a VirtualLocation,
  `OnlineEventAttendanceMode`, `courseMode` online (its own or a course instance's), or
  service channels with a `serviceUrl` and no `serviceLocation`. `startDate`/`endDate` (of
  the node and of its course instances) -> schedules, local times in Europe/Rome, a date
  alone is all day; `audience.suggestedMinAge`/`suggestedMaxAge` or `typicalAgeRange`
  "6-10", "18-" or "18+" -> ages; `audience` `name` (else `audienceType`) -> eligibility
  description; `eventStatus` EventCancelled/EventPostponed -> withdrawn/suspended;
  `dateModified` -> last modified.
- **locations**: a Place (or a PostalAddress or GeoCoordinates given as a place) with a
  `streetAddress`, `postalCode` (a CAP), `addressLocality`, `addressRegion` (a two-letter
  province) and `geo` latitude/longitude; an address whose `addressCountry` is not Italy has
  no CAP nor province (its postal code and region are not Italian codes). A text `location`
  is a street address. A place with neither address nor coordinates (a City in `areaServed`)
  is an area, not a site, and is left out. Places are read when an offering or an
  organisation names them.

External ids are `@id`s as written. A blank node id (`_:b0`) is not stable across reads, so
such a node counts as having none (and it is local to its block: pages are put together
from independent snippets); then, with h() the first 16 hex digits of a SHA-256 of folded
text (models.text.fold), providers get `vat:<partita IVA>`, else `org:h(name)`; locations
`address:h(street, CAP, city)`, else `geo:<lat>,<lon>`; offerings `offering:h(Italian name,
provider id)`. Two different offerings with one id yield the first and a Problem.

Options, the keys of the source's `[[source]]` table:
- `categories` (`[source.categories]` table): source term -> hub category code, or a list
  of codes. Terms match case-, accent- and punctuation-insensitively; a term that is itself
  a hub code maps to itself; other terms are left out.
- `category`: the code of an offering none of whose terms maps (else it has no category,
  and the sync engine quarantines it).
- `language` (default "it"): the language of plain strings when nothing else says.
- `alliance_member` (default false): the source's organisations are alliance members.
- `provider` (table, connectors.options): the organisation behind the page, `{id, name,
  vat_number, ...}`: the provider of offerings whose markup names none (events without an
  `organizer` on the member's own page).
- `provider_identity` (list, connectors.mapping): what identifies an organisation, in order
  of preference: `@id`, `identifier`, `vatID`, `taxID`, `url`, `name`, `legalName`, `email`,
  or a list of them composed; an organisation with none of them is a Problem. Without it,
  organisations are identified as described above.

Faults: a document that is not JSON (nor HTML), is not an object or an array, holds no
JSON-LD (an HTML page without a JSON-LD block, JSON without `@context`, `@graph` or `@type`),
or none of whose blocks can be read raises FetchError. A block that cannot be read is a
Problem and the other blocks still load; what it held is unknown, so that read is not a
complete snapshot and withdraws nothing. An offering without a name, an Italian name or a
resolvable provider, or with a value it cannot read (a price, a date) is a Problem.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from email.message import Message
from html.parser import HTMLParser
from typing import ClassVar, TypeVar
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import orjson
from stdnum.it import iva

from connectors.config import ConfigError, SourceConfig
from connectors.fetch import Document, Fetcher, FetchError, Validators
from connectors.mapping import Classifier, Field, identify, identity_order
from connectors.options import fixed_provider
from connectors.records import (
    Checkpoint,
    CostOptionRecord,
    Item,
    LocationRecord,
    OfferingRecord,
    Problem,
    ProviderRecord,
    ScheduleRecord,
)
from connectors.values import euro_cents
from models.enums import DeliveryMode, OfferingStatus
from models.text import fold

ROME = ZoneInfo("Europe/Rome")

ORGANIZATION_TYPES = frozenset(
    {
        "Organization", "Corporation", "NGO", "GovernmentOrganization", "LocalBusiness",
        "SportsOrganization", "SportsClub", "SportsTeam", "EducationalOrganization",
        "School", "Preschool", "ElementarySchool", "MiddleSchool", "HighSchool",
        "CollegeOrUniversity", "ChildCare", "MedicalOrganization", "MedicalBusiness",
        "MedicalClinic", "Physician", "Dentist", "Hospital", "Pharmacy", "DiagnosticLab",
        "Optician", "Physiotherapy", "VeterinaryCare", "SportsActivityLocation",
        "ExerciseGym", "HealthClub", "PublicSwimmingPool", "HealthAndBeautyBusiness",
        "DaySpa", "BeautySalon", "HairSalon", "ProfessionalService", "EmploymentAgency",
        "LegalService", "Attorney", "Notary", "AccountingService", "FinancialService",
        "EntertainmentBusiness", "ArtGallery", "Library", "FoodEstablishment", "Restaurant",
        "CafeOrCoffeeShop", "DryCleaningOrLaundry", "Store", "ResearchOrganization",
        "PerformingGroup", "WorkersUnion", "OnlineBusiness",
    }
)  # fmt: skip
OFFER_TYPES = frozenset({"Offer", "AggregateOffer"})
OFFERING_TYPES = frozenset(
    {
        "Service", "GovernmentService", "FoodService", "TaxiService", "FinancialProduct",
        "BankAccount", "DepositAccount", "LoanOrCredit", "MortgageLoan", "PaymentCard",
        "CreditCard", "PaymentService", "InvestmentOrDeposit", "CurrencyConversionService",
        "Course", "EducationalOccupationalProgram", "WorkBasedProgram", "Product", "Event",
        "BusinessEvent", "ChildrensEvent", "ComedyEvent",
        "DanceEvent", "EducationEvent", "EventSeries", "ExhibitionEvent", "Festival",
        "FoodEvent", "Hackathon", "LiteraryEvent", "MusicEvent", "SaleEvent",
        "ScreeningEvent", "SocialEvent", "SportsEvent", "TheaterEvent", "VisualArtsEvent",
        "MedicalProcedure", "DiagnosticProcedure", "TherapeuticProcedure", "MedicalTest",
        "MedicalTherapy", "PhysicalTherapy", "PsychologicalTreatment",
    }
)  # fmt: skip

# Properties naming an offering's provider, and those by which an organisation lists what
# it offers (followed through catalogues, list items and offers).
_PROVIDER_PROPERTIES = ("provider", "organizer", "brand", "offeredBy", "seller")
_SELLER_PROPERTIES = ("offeredBy", "seller")
# What may identify an organisation (the `provider_identity` option).
IDENTITY_FIELDS = ("@id", "identifier", "vatID", "taxID", "url", "name", "legalName", "email")
_LISTING_PROPERTIES = (
    "makesOffer", "hasOfferCatalog", "availableService", "itemListElement", "item", "itemOffered",
)  # fmt: skip

_SCHEMA_PREFIXES = ("https://schema.org/", "http://schema.org/", "schema:")
_ALIASES = {"type": "@type", "id": "@id"}  # as the schema.org context defines them
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
_LANGUAGE_NAMES = {
    "italian": "it", "italiano": "it", "english": "en", "inglese": "en", "french": "fr",
    "francese": "fr", "spanish": "es", "spagnolo": "es", "german": "de", "tedesco": "de",
    "portuguese": "pt", "portoghese": "pt", "arabic": "ar", "arabo": "ar", "chinese": "zh",
    "cinese": "zh", "russian": "ru", "russo": "ru", "ukrainian": "uk", "ucraino": "uk",
    "romanian": "ro", "rumeno": "ro", "albanian": "sq", "albanese": "sq",
}  # fmt: skip
_PROVINCE = re.compile(r"[A-Z]{2}")
_AGE_RANGE = re.compile(r"\s*(\d+)\s*(?:-\s*(\d*)|\+)\s*")
# How an address says it is in Italy, folded (ISO 3166 alpha-2 and alpha-3, names).
_ITALY = frozenset({"it", "ita", "italia", "italy"})
_HTTP = ("http://", "https://")
_EVENT_STATUS = {
    "EventCancelled": OfferingStatus.WITHDRAWN,
    "EventPostponed": OfferingStatus.SUSPENDED,
}

_R = TypeVar("_R")
_Record = TypeVar("_Record", ProviderRecord, LocationRecord)


class _Unreadable(ValueError):
    """A value of a node that cannot be read as what its property holds."""


class _Unidentified(ValueError):
    """An organisation that has none of the fields `provider_identity` names."""


class JsonLdMarkup:
    """Reads the schema.org markup of one page or file: a complete snapshot."""

    kind: ClassVar[str] = "jsonld"

    def __init__(self, source: SourceConfig, fetcher: Fetcher, state: Mapping[str, object]) -> None:
        self.source = source
        self.fetcher = fetcher
        self.validators = Validators.from_state(state)
        self.options = _Options.of(source)
        self.classifier = self.options.classifier
        self._partial = False

    @property
    def complete_snapshot(self) -> bool:
        """True unless a JSON-LD block could not be read: what it held is unknown."""
        return not self._partial

    async def records(self) -> AsyncIterator[Item]:
        """Providers, then locations, then offerings; problems where they arise.

        A document served with an ETag or Last-Modified is fetched conditionally next time.
        """
        document = await self.fetcher.read(self.source, self.validators)
        blocks, problems = read_blocks(document)
        self._partial = bool(problems)
        for problem in problems:
            yield problem
        graph = _Graph()
        for number, block in blocks:
            graph.add(block, number)
        for item in _Reader(graph, self.options, document.url).items():
            yield item
        yield Checkpoint(document.validators.state())


# --- Options --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Options:
    classifier: Classifier
    language: str
    alliance_member: bool
    provider: ProviderRecord | None = None
    # None: organisations are identified as the module docstring says.
    provider_identity: tuple[Field, ...] | None = None

    @classmethod
    def of(cls, source: SourceConfig) -> _Options:
        """The connector's options from the source's TOML table; ConfigError if invalid."""
        options = source.options
        identity = options.get("provider_identity")
        try:
            classifier = Classifier.of(options)
            provider = fixed_provider(options.get("provider"))
            order = (
                None
                if identity is None
                else identity_order(identity, "option 'provider_identity'", IDENTITY_FIELDS)
            )
        except ConfigError as error:
            raise ConfigError(f"source {source.name!r}: {error}") from None
        language = options.get("language", "it")
        if not isinstance(language, str) or _language_code(language) is None:
            raise ConfigError(f"source {source.name!r}: 'language' must be a language code")
        member = options.get("alliance_member", False)
        if not isinstance(member, bool):
            raise ConfigError(f"source {source.name!r}: 'alliance_member' must be true or false")
        return cls(classifier, _language_code(language) or "it", member, provider, order)


# --- Reading the document --------------------------------------------------------------


def read_blocks(document: Document) -> tuple[list[tuple[int, object]], list[Problem]]:
    """The JSON-LD blocks of a document (numbered from 1) and a Problem for each block that
    cannot be read; FetchError when the document holds no readable JSON-LD."""
    text = document.text()
    if _is_html(document.content_type, text):
        return _page_blocks(text, document.url)
    return [(1, _json_document(text, document.url))], []


def _is_html(content_type: str | None, text: str) -> bool:
    """HTML or JSON, by the declared media type, else by the first non-space character."""
    if content_type:
        header = Message()
        header["content-type"] = content_type
        media = header.get_content_type()
        if "html" in media:
            return True
        if "json" in media:
            return False
    return text.lstrip().startswith("<")


def _json_document(text: str, url: str) -> object:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise FetchError(f"{url} is not valid JSON: {error}") from None
    if not isinstance(data, dict | list):
        raise FetchError(f"{url}: a JSON-LD document is an object or an array")
    if not _is_jsonld(data):
        raise FetchError(f"{url} holds no JSON-LD: no @context, @graph or @type")
    return data


def _is_jsonld(data: object) -> bool:
    if isinstance(data, list):
        return any(_is_jsonld(item) for item in data)
    return isinstance(data, dict) and bool({"@context", "@graph", "@type"} & data.keys())


def _page_blocks(text: str, url: str) -> tuple[list[tuple[int, object]], list[Problem]]:
    parser = _ScriptBlocks()
    parser.feed(text)
    parser.close()
    if not parser.blocks:
        raise FetchError(f'{url} has no JSON-LD: no <script type="application/ld+json"> block')
    blocks: list[tuple[int, object]] = []
    problems: list[Problem] = []
    for number, block in enumerate(parser.blocks, 1):
        try:
            data = orjson.loads(block)
        except orjson.JSONDecodeError as error:
            reason = f"JSON-LD block {number} of the page is not valid JSON: {error}"
            problems.append(Problem("jsonld-block", None, reason))
            continue
        if not isinstance(data, dict | list):
            reason = f"JSON-LD block {number} of the page is not an object or an array"
            problems.append(Problem("jsonld-block", None, reason))
            continue
        blocks.append((number, data))
    if not blocks:
        reasons = "; ".join(problem.reason for problem in problems)
        raise FetchError(f"{url}: no JSON-LD block can be read ({reasons})")
    return blocks, problems


class _ScriptBlocks(HTMLParser):
    """Collects the text of `<script type="application/ld+json">` elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kind = dict(attrs).get("type") or ""
        if tag == "script" and kind.split(";")[0].strip().lower() == "application/ld+json":
            self._open = []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._open is not None:
            self.blocks.append("".join(self._open))
            self._open = None

    def close(self) -> None:
        """Finish, keeping a block the page left unclosed (it is usually cut short)."""
        super().close()
        if self._open is not None:
            self.blocks.append("".join(self._open))
            self._open = None


# --- The flattened graph ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Ref:
    """A reference to a node of the graph: what an embedded node becomes once flattened."""

    key: str


@dataclass(frozen=True, slots=True)
class _Tagged:
    """A language-tagged string (a value object with `@language`)."""

    text: str
    language: str


_Value = str | int | float | _Ref | _Tagged


@dataclass(slots=True)
class _Node:
    """One node of the document, its values from every declaration gathered."""

    key: str
    external_id: str | None
    language: str | None
    props: dict[str, list[_Value]] = field(default_factory=dict)
    top_level: bool = False

    def values(self, *names: str) -> list[_Value]:
        return [value for name in names for value in self.props.get(name, ())]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(v for v in self.props.get("@type", ()) if isinstance(v, str))


class _Graph:
    """The nodes of a document, flattened: every node once, under its key."""

    def __init__(self) -> None:
        self.nodes: dict[str, _Node] = {}
        self._generated = 0

    def add(self, block: object, number: int) -> None:
        """Flatten one JSON-LD block into the graph."""
        self._values(block, number, None, top=True)

    def node(self, value: _Value) -> _Node | None:
        """The node a value refers to: a reference, or a string that is a node's `@id`."""
        if isinstance(value, _Ref):
            return self.nodes[value.key]
        if isinstance(value, str) and not value.startswith("_:"):
            return self.nodes.get(value.strip())
        return None

    def _values(self, data: object, block: int, language: str | None, *, top: bool) -> list[_Value]:
        if isinstance(data, list):
            return [v for item in data for v in self._values(item, block, language, top=top)]
        if isinstance(data, dict):
            return self._object(data, block, language, top=top)
        if isinstance(data, str | int | float):
            return [data]
        return []  # null is no value

    def _object(
        self, data: dict[str, object], block: int, language: str | None, *, top: bool
    ) -> list[_Value]:
        data = {_ALIASES.get(key, key): value for key, value in data.items()}
        if "@value" in data:
            return _literal(data)
        for keyword in ("@list", "@set"):
            if keyword in data:
                return self._values(data[keyword], block, language, top=top)
        language = _context_language(data.get("@context")) or language
        self._values(data.get("@graph"), block, language, top=True)
        properties = {k: v for k, v in data.items() if k not in {"@context", "@graph"}}
        if "@graph" in data and set(properties) <= {"@id"}:
            return []  # only a container of top-level nodes
        return [self._node(properties, block, language, top=top)]

    def _node(
        self, data: dict[str, object], block: int, language: str | None, *, top: bool
    ) -> _Ref:
        key, external_id = self._identity(data.get("@id"), block)
        node = self.nodes.setdefault(key, _Node(key, external_id, language))
        node.top_level = node.top_level or top
        for name, value in data.items():
            if name == "@id":
                continue
            values = node.props.setdefault(_term(name), [])
            for item in self._values(value, block, language, top=False):
                term = _term(item) if name == "@type" and isinstance(item, str) else item
                if term not in values:
                    values.append(term)
        return _Ref(key)

    def _identity(self, value: object, block: int) -> tuple[str, str | None]:
        """A node's key and external id; blank node ids are scoped to their block."""
        if isinstance(value, str) and value.strip():
            identifier = value.strip()
            if not identifier.startswith("_:"):
                return identifier, identifier
            return f"_:{block}:{identifier[2:]}", None
        self._generated += 1
        return f"_:{block} {self._generated}", None


def _term(name: str) -> str:
    for prefix in _SCHEMA_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _literal(data: dict[str, object]) -> list[_Value]:
    value, language = data.get("@value"), data.get("@language")
    if isinstance(value, str) and isinstance(language, str) and _language_code(language):
        return [_Tagged(value, _language_code(language) or language)]
    if isinstance(value, str | int | float):
        return [value]
    return []


def _context_language(context: object) -> str | None:
    """The default language a block's `@context` declares (JSON-LD 1.1 section 4.2.4)."""
    for entry in context if isinstance(context, list) else [context]:
        if isinstance(entry, dict) and isinstance(entry.get("@language"), str):
            return _language_code(entry["@language"])
    return None


def _language_code(text: str) -> str | None:
    """The ISO 639 code of a BCP 47 tag ("it-IT" -> "it") or of a common language name."""
    text = text.strip()
    if _LANGUAGE_TAG.fullmatch(text):
        return re.split(r"[-_]", text)[0].lower()
    return _LANGUAGE_NAMES.get(fold(text))


# --- From nodes to records -------------------------------------------------------------


class _Reader:
    """Turns a document's graph into records, in dependency order."""

    def __init__(self, graph: _Graph, options: _Options, url: str) -> None:
        self.graph = graph
        self.options = options
        # The address relative URLs are resolved against (a local file's path is none).
        self.base = url if url.startswith(_HTTP) else None
        self.priced: defaultdict[str, list[_Node]] = defaultdict(list)
        self.prices: set[str] = set()
        self.listed_by: dict[str, _Node] = {}
        # The Service whose `hasOfferCatalog` lists a node: the node is one of its variants.
        self.catalogued_by: dict[str, _Node] = {}
        self.catalogues: set[str] = set()  # the Services whose catalogue lists something
        self.providing: set[str] = set()
        self.locations: dict[str, LocationRecord] = {}
        self.location_problems: dict[str, Problem] = {}
        self._index()

    def items(self) -> Iterator[Item]:
        """Providers, then locations, then offerings, and the problems of each."""
        offerings = [self._read_offering(node) for node in self._offering_nodes()]
        providers = [self._read_provider(node) for node in self._provider_nodes()]
        if self.options.provider is not None:
            providers.insert(0, self.options.provider)
        yield from _merged(providers)
        yield from self.location_problems.values()
        yield from self.locations.values()
        yield from _unique(offerings)

    def _index(self) -> None:
        """Which Offers price which nodes, which organisation lists (or sells) which offer,
        and which Service's catalogue lists which."""
        for node in self.graph.nodes.values():
            for offer in self._nodes(node.values("offers")):
                self.prices.add(offer.key)
                sellers = self._nodes(offer.values(*_SELLER_PROPERTIES))
                if sellers:
                    self.listed_by.setdefault(node.key, sellers[0])
            if node.types & OFFER_TYPES:
                self._index_offer(node)
            if self._is_organization(node):
                for listed in self._listed(node):
                    self.listed_by.setdefault(listed.key, node)
            elif node.values("hasOfferCatalog"):
                for listed in self._listed(node):
                    self.catalogued_by.setdefault(listed.key, node)
                    self.catalogues.add(node.key)

    def _index_offer(self, offer: _Node) -> None:
        sellers = self._nodes(offer.values(*_SELLER_PROPERTIES))
        for item in self._nodes(offer.values("itemOffered")):
            self.prices.add(offer.key)
            self.priced[item.key].append(offer)
            if sellers:
                self.listed_by.setdefault(item.key, sellers[0])

    def _listed(self, organization: _Node) -> list[_Node]:
        """What an organisation offers through its catalogues, offers and services."""
        found: dict[str, _Node] = {}
        pending = [organization]
        while pending:
            node = pending.pop()
            for target in self._nodes(node.values(*_LISTING_PROPERTIES)):
                if target.key not in found and target is not organization:
                    found[target.key] = target
                    pending.append(target)
        return list(found.values())

    def _nodes(self, values: Iterable[_Value]) -> list[_Node]:
        return [node for value in values if (node := self.graph.node(value)) is not None]

    def _is_organization(self, node: _Node) -> bool:
        return bool(node.types & ORGANIZATION_TYPES) or bool(
            node.values("name") and node.values("vatID", "taxID")
        )

    # --- providers

    def _provider_nodes(self) -> list[_Node]:
        return [
            node
            for node in self.graph.nodes.values()
            if node.key in self.providing or (node.top_level and self._is_organization(node))
        ]

    def _read_provider(self, node: _Node) -> ProviderRecord | Problem:
        external_id = node.external_id
        try:
            external_id = self._provider_id(node)
            record = self._provider(node, external_id)
        except _Unidentified as error:
            return Problem("provider", external_id, str(error))
        except ValueError as error:
            return Problem("provider", external_id, f"{_label(node)}: {error}")
        for place in self._premises(node, external_id):
            self._add_location(place)
        return record

    def _provider(self, node: _Node, external_id: str) -> ProviderRecord:
        name = self._name(node)
        if name is None:
            raise ValueError("the organisation has no name")
        return ProviderRecord(
            external_id=external_id,
            name=name,
            vat_number=self._vat(node),
            alliance_member=self.options.alliance_member,
            description=self._text(node, "description", "it"),
            website=self._url(self._first(node, "url")),
            email=_mailbox(self._first(node, "email")),
            phone=self._first(node, "telephone"),
        )

    def _provider_id(self, node: _Node) -> str:
        if self.options.provider_identity is not None:
            return self._identity(node, self.options.provider_identity)
        if node.external_id:
            return node.external_id
        vat = self._vat(node)
        if vat:
            return f"vat:{iva.compact(vat)}"
        return _derived("org", fold(self._name(node) or ""))

    def _identity(self, node: _Node, order: tuple[Field, ...]) -> str:
        """An organisation's id by the `provider_identity` option: its first field present."""
        named = {name for names in order for name in names}
        found = identify({name: self._identity_field(node, name) for name in named}, order)
        if found is None:
            wanted = " or ".join("+".join(f"'{name}'" for name in names) for names in order)
            raise _Unidentified(
                f"{_label(node)} has no {wanted} (the fields of the option 'provider_identity')"
            )
        return found

    def _identity_field(self, node: _Node, name: str) -> str | None:
        if name == "@id":
            return node.external_id
        if name in {"name", "legalName"}:
            return self._text(node, name, "it") or self._any_text(node, name)
        if name == "email":
            return _mailbox(self._first(node, "email"))
        if name == "url":
            return self._url(self._first(node, "url"))
        return self._any_text(node, name)  # an identifier's PropertyValue identifies nothing

    def _vat(self, node: _Node) -> str | None:
        return self._single(node, "vatID") or self._single(node, "taxID")

    def _name(self, node: _Node) -> str | None:
        """An organisation's or a place's name: Italian, else in any language."""
        names = self._text(node, "name", "it") or self._any_text(node, "name")
        return names or self._any_text(node, "legalName")

    def _premises(self, organization: _Node, provider_id: str) -> list[LocationRecord]:
        """The places of an organisation: itself when it has an address, and its `location`."""
        candidates = [organization, *self._nodes(organization.values("location"))]
        places = []
        for node in candidates:
            record = self._place_or_problem(node)
            if record is not None:
                places.append(replace(record, provider_external_id=provider_id))
        return places

    # --- locations

    def _add_location(self, record: LocationRecord) -> None:
        known = self.locations.get(record.external_id)
        self.locations[record.external_id] = _fill(known, record) if known else record

    def _place_or_problem(self, node: _Node) -> LocationRecord | None:
        try:
            return self._place(node)
        except ValueError as error:
            problem = Problem("location", node.external_id, f"{_label(node)}: {error}")
            self.location_problems.setdefault(node.key, problem)
            return None

    def _place(self, node: _Node) -> LocationRecord | None:
        """The site a Place, PostalAddress or GeoCoordinates node describes; None for an area."""
        address = node if "PostalAddress" in node.types else self._node(node, "address")
        geo = node if "GeoCoordinates" in node.types else self._node(node, "geo") or node
        street = (
            self._single(address, "streetAddress") if address else self._single(node, "address")
        )
        italian = address is None or self._in_italy(address)
        cap = self._single(address, "postalCode") if address and italian else None
        city = self._single(address, "addressLocality") if address else None
        region = (self._single(address, "addressRegion") or "").upper() if address else ""
        region = region if italian else ""
        latitude = _degrees(self._single(geo, "latitude"))
        longitude = _degrees(self._single(geo, "longitude"))
        if not (street or cap) and latitude is None and longitude is None:
            return None
        external_id = node.external_id or (address.external_id if address else None)
        if external_id is None and (street or cap):
            external_id = _derived("address", fold(street or ""), cap or "", fold(city or ""))
        return LocationRecord(
            external_id=external_id or f"geo:{latitude},{longitude}",
            name=None if node is address else self._name(node),
            address=street,
            cap=cap,
            city=city,
            province=region if _PROVINCE.fullmatch(region) else None,
            latitude=latitude,
            longitude=longitude,
        )

    def _in_italy(self, address: _Node) -> bool:
        """Whether an address is in Italy: its `addressCountry` (a code, a name or a Country
        node) says so, or it does not say."""
        countries = set()
        for value in address.values("addressCountry"):
            if isinstance(value, _Ref):
                text = self._any_text(self.graph.nodes[value.key], "name")
            else:
                text = value.text if isinstance(value, _Tagged) else str(value)
            if text and fold(text):
                countries.add(fold(text))
        return countries <= _ITALY

    # --- offerings

    def _offering_nodes(self) -> list[_Node]:
        return [node for node in self.graph.nodes.values() if self._is_offering(node)]

    def _is_offering(self, node: _Node) -> bool:
        if node.key in self.prices:
            return False
        if node.key in self.catalogues and not node.values("name"):
            return False  # the heading of a catalogue of services, not one of them
        if node.types & (OFFER_TYPES | OFFERING_TYPES):
            return True
        return node.key in self.priced and not self._is_organization(node)

    def _read_offering(self, node: _Node) -> OfferingRecord | Problem:
        try:
            provider = self._provider_of(node)
            if isinstance(provider, ProviderRecord):
                provider_id = provider.external_id
            else:
                provider_id = self._provider_id(provider)
            title_it = self._title(node)
        except _Unidentified as error:
            return Problem("offering", node.external_id, f"{_label(node)}: its provider {error}")
        except ValueError as error:
            return Problem("offering", node.external_id, f"{_label(node)}: {error}")
        if isinstance(provider, _Node):
            self.providing.add(provider.key)
        external_id = node.external_id or _derived("offering", fold(title_it), provider_id)
        try:
            return self._offering(node, external_id, provider, provider_id, title_it)
        except ValueError as error:
            return Problem("offering", external_id, f"{_label(node)}: {error}")

    def _provider_of(self, node: _Node) -> _Node | ProviderRecord:
        """The organisation behind an offering (or behind the Service whose catalogue lists
        it), else the source's `provider` option."""
        for candidate in (node, *self._catalogues(node)):
            provider = self._named_provider(candidate)
            if provider is not None:
                return provider
        if self.options.provider is not None:
            return self.options.provider
        raise ValueError(
            "it names no provider (provider, organizer, brand, offeredBy, seller or"
            " serviceOperator), no organisation lists it, and the source has no option"
            " 'provider'"
        )

    def _named_provider(self, node: _Node) -> _Node | None:
        named = node.values(*_PROVIDER_PROPERTIES)
        for value in named:
            provider = self.graph.node(value)
            if provider is not None and provider.values("name", "legalName"):
                return provider
        if named:
            raise ValueError(f"its provider {_describe(named[0])} is not described in the document")
        if node.key in self.listed_by:
            return self.listed_by[node.key]
        # GovernmentService: "the operating organization, if different from the provider".
        operators = self._nodes(node.values("serviceOperator"))
        return next((o for o in operators if o.values("name", "legalName")), None)

    def _catalogues(self, node: _Node) -> Iterator[_Node]:
        """The Services whose catalogue lists a node, the nearest first."""
        seen = {node.key}
        parent = self.catalogued_by.get(node.key)
        while parent is not None and parent.key not in seen:
            seen.add(parent.key)
            yield parent
            parent = self.catalogued_by.get(parent.key)

    def _title(self, node: _Node) -> str:
        title = self._text(node, "name", "it")
        if title:
            return title
        others = sorted({v.language for v in node.values("name") if isinstance(v, _Tagged)})
        if others or node.values("name"):
            found = ", ".join(others) or self._language(node)
            raise ValueError(f"it has no Italian name (only: {found})")
        raise ValueError("it has no name")

    def _offering(
        self,
        node: _Node,
        external_id: str,
        provider: _Node | ProviderRecord,
        provider_id: str,
        title_it: str,
    ) -> OfferingRecord:
        offers = self._offers(node)
        locations, online = self._locations(node, offers)
        sited = any(is_site for _, is_site in self._place_values(node, offers))
        if not locations and not online and not sited and isinstance(provider, _Node):
            locations = tuple(place.external_id for place in self._premises(provider, provider_id))
        online = online and not locations
        min_age, max_age = self._ages(node)
        valid_from, valid_until = self._validity(offers)
        booking_url = self._first(node, "url") or _first(self._first(o, "url") for o in offers)
        return OfferingRecord(
            external_id=external_id,
            provider_external_id=provider_id,
            title_it=title_it,
            title_en=self._text(node, "name", "en"),
            description_it=self._text(node, "description", "it"),
            description_en=self._text(node, "description", "en"),
            categories=self._categories(node),
            delivery_mode=DeliveryMode.ONLINE if online else DeliveryMode.IN_PERSON,
            status=self._status(node),
            languages=self._languages(node),
            cost_options=self._costs(node, offers),
            valid_from=valid_from,
            valid_until=valid_until,
            booking_url=self._url(booking_url),
            email=_mailbox(self._first(node, "email")),
            location_external_ids=locations,
            schedules=self._schedules(node),
            min_age=min_age,
            max_age=max_age,
            eligibility_description=self._audience(node),
            last_modified=_moment(self._single(node, "dateModified"))[0],
        )

    def _offers(self, node: _Node) -> list[_Node]:
        """An offering's Offers: itself when it is one, its own and its course instances'
        `offers`, and the Offers whose `itemOffered` it is."""
        offers = [node] if node.types & OFFER_TYPES else []
        for holder in (node, *self._nodes(node.values("hasCourseInstance"))):
            for value in holder.values("offers"):
                offer = self.graph.node(value)
                if offer is None:
                    raise ValueError(f"its offers hold {value!r}, not an Offer")
                offers.append(offer)
        offers += self.priced.get(node.key, [])
        return list({offer.key: offer for offer in offers}.values())

    def _validity(self, offers: list[_Node]) -> tuple[date | None, date | None]:
        """The first and last day an offering can be had: from its earliest offer's
        `validFrom` to its latest offer's `validThrough`, open at an end where any offer is."""
        starts = [_day(self._single(offer, "validFrom"), "validFrom") for offer in offers]
        ends = [_day(self._single(offer, "validThrough"), "validThrough") for offer in offers]
        first = min(filter(None, starts)) if offers and all(starts) else None
        last = max(filter(None, ends)) if offers and all(ends) else None
        return first, last

    def _costs(self, node: _Node, offers: list[_Node]) -> tuple[CostOptionRecord, ...]:
        """The prices of an offering's offers; an Offer that says nothing of one (no price,
        name or description) only says the item is offered, and gives none."""
        costs = (self._cost(offer, node) for offer in offers)
        told = (c for c in costs if c.amount_cents is not None or c.label or c.description)
        return tuple(dict.fromkeys(told))

    def _cost(self, offer: _Node, offering: _Node) -> CostOptionRecord:
        specification = self._node(offer, "priceSpecification")
        price = self._single(offer, "price")
        if price is None and specification is not None:
            price = self._single(specification, "price")
        price = price if price is not None else self._single(offer, "lowPrice")
        currency = self._single(offer, "priceCurrency")
        if currency is None and specification is not None:
            currency = self._single(specification, "priceCurrency")
        label = self._text(offer, "name", "it") or self._any_text(offer, "category")
        return CostOptionRecord(
            label=None if offer is offering else label,
            amount_cents=None if price is None else _cents(price),
            currency=(currency or "EUR").upper(),
            description=None if offer is offering else self._text(offer, "description", "it"),
        )

    def _locations(self, node: _Node, offers: list[_Node]) -> tuple[tuple[str, ...], bool]:
        """The offering's sites, and whether it is online."""
        ids: list[str] = []
        virtual = False
        for value, is_site in self._place_values(node, offers):
            place = self.graph.node(value)
            if place is not None and "VirtualLocation" in place.types:
                virtual = True
            elif (site := self._site(place, value, is_site)) is not None:
                ids.append(site)
        return tuple(dict.fromkeys(ids)), virtual or self._online(node)

    def _site(self, place: _Node | None, value: _Value, is_site: bool) -> str | None:
        """The id of the location a place value names, the location recorded on the way."""
        if place is not None:
            record = self._place_or_problem(place)
            if record is None:  # an unreadable place is linked once it is fixed
                return place.external_id if place.key in self.location_problems else None
        elif is_site and isinstance(value, str) and value.strip():
            street = value.strip()
            record = LocationRecord(_derived("address", fold(street), "", ""), address=street)
        else:
            return None
        self._add_location(record)
        return record.external_id

    def _place_values(self, node: _Node, offers: list[_Node]) -> Iterator[tuple[_Value, bool]]:
        """Values naming where an offering happens, and whether each names a site (a text
        is then an address) rather than an area served."""
        yield from ((value, True) for value in node.values("location"))
        yield from ((value, False) for value in node.values("areaServed"))
        for channel in self._nodes(node.values("availableChannel")):
            yield from ((value, True) for value in channel.values("serviceLocation"))
        for instance in self._nodes(node.values("hasCourseInstance")):
            yield from ((value, True) for value in instance.values("location"))
        for offer in offers:
            yield from ((value, True) for value in offer.values("availableAtOrFrom"))

    def _online(self, node: _Node) -> bool:
        modes = {_term(mode) for mode in self._all(node, "eventAttendanceMode")}
        instances = self._nodes(node.values("hasCourseInstance"))
        course_modes = {fold(m) for n in (node, *instances) for m in self._all(n, "courseMode")}
        channels = self._nodes(node.values("availableChannel"))
        remote = bool(channels) and all(
            c.values("serviceUrl") and not c.values("serviceLocation") for c in channels
        )
        return "OnlineEventAttendanceMode" in modes or "online" in course_modes or remote

    def _categories(self, node: _Node) -> tuple[str, ...]:
        return self.options.classifier.classify(self._terms(node))

    def _terms(self, node: _Node) -> list[tuple[str, ...]]:
        """The category terms of a node, each in its forms: a text, or a term node's codes,
        names and id; a catalogue's service without any has its Service's."""
        for holder in (node, *self._catalogues(node)):
            terms = self._own_terms(holder)
            if terms:
                return terms
        return []

    def _own_terms(self, node: _Node) -> list[tuple[str, ...]]:
        terms: list[tuple[str, ...]] = []
        for value in node.values("category", "serviceType"):
            term = self.graph.node(value) if isinstance(value, _Ref) else None
            if term is None:
                forms = [value.text if isinstance(value, _Tagged) else str(value)]
            else:
                forms = self._all(term, "codeValue") + self._all(term, "termCode")
                forms += self._all(term, "name")
                forms += [term.external_id] if term.external_id else []
            stripped = tuple(form.strip() for form in forms if form.strip())
            if stripped:
                terms.append(stripped)
        return terms

    def _languages(self, node: _Node) -> tuple[str, ...]:
        """The languages of an offering and of its service channels."""
        holders = (node, *self._nodes(node.values("availableChannel")))
        values = (value for holder in holders for value in holder.values("availableLanguage"))
        codes = (self._language_of(value) for value in values)
        return tuple(dict.fromkeys(code for code in codes if code))

    def _status(self, node: _Node) -> OfferingStatus:
        statuses = [_EVENT_STATUS.get(_term(s)) for s in self._all(node, "eventStatus")]
        return next((status for status in statuses if status), OfferingStatus.ACTIVE)

    def _ages(self, node: _Node) -> tuple[int | None, int | None]:
        low = high = None
        for audience in self._nodes(node.values("audience")):
            low = low if low is not None else _age(self._single(audience, "suggestedMinAge"))
            high = high if high is not None else _age(self._single(audience, "suggestedMaxAge"))
        age_range = self._single(node, "typicalAgeRange")
        if low is None and high is None and age_range:
            match = _AGE_RANGE.fullmatch(age_range)
            if match is None:
                raise ValueError(
                    f"typicalAgeRange {age_range!r} is not like '6-10', '18-' or '18+'"
                )
            low, high = int(match[1]), int(match[2]) if match[2] else None
        return low, high

    def _audience(self, node: _Node) -> str | None:
        """Who the offering is for, in the source's words: its audiences' Italian `name`
        (else `audienceType`)."""
        audiences = self._nodes(node.values("audience"))
        texts = (
            self._text(a, "name", "it") or self._text(a, "audienceType", "it") for a in audiences
        )
        return "; ".join(dict.fromkeys(text for text in texts if text)) or None

    def _schedules(self, node: _Node) -> tuple[ScheduleRecord, ...]:
        occasions = [node, *self._nodes(node.values("hasCourseInstance"))]
        schedules = (self._schedule(occasion) for occasion in occasions)
        return tuple(schedule for schedule in schedules if schedule)

    def _schedule(self, node: _Node) -> ScheduleRecord | None:
        start, all_day = _moment(self._single(node, "startDate"))
        if start is None:
            return None
        end, _ = _moment(self._single(node, "endDate"))
        if all_day and end is not None:
            end += timedelta(days=1)  # schema.org's last day is inclusive, RFC 5545's DTEND not
        return ScheduleRecord(start=start, end=end, all_day=all_day)

    # --- values

    def _node(self, node: _Node, name: str) -> _Node | None:
        found = self._nodes(node.values(name))
        return found[0] if found else None

    def _all(self, node: _Node, name: str) -> list[str]:
        """The distinct plain values of a property; a node that is only an IRI is its IRI."""
        found: list[str] = []
        for value in node.values(name):
            if isinstance(value, _Ref):
                target = self.graph.nodes[value.key]
                if target.props or target.external_id is None:
                    raise ValueError(f"'{name}' is a node, not a value")
                text = target.external_id
            else:
                text = value.text if isinstance(value, _Tagged) else str(value)
            if text.strip() and text.strip() not in found:
                found.append(text.strip())
        return found

    def _first(self, node: _Node, name: str) -> str | None:
        """The first value of a property that may have several (telephone, url)."""
        found = self._all(node, name)
        return found[0] if found else None

    def _url(self, value: str | None) -> str | None:
        """A URL resolved against the page's address: the schema.org context types `url` as an
        IRI, and JSON-LD 1.1 resolves a relative IRI against the document's ("Base IRI")."""
        return urljoin(self.base, value) if value and self.base else value

    def _single(self, node: _Node, name: str) -> str | None:
        """The value of a property that has at most one (a price, a date)."""
        found = self._all(node, name)
        if len(found) > 1:
            raise ValueError(f"'{name}' has several values: {found[0]!r} and {found[1]!r}")
        return found[0] if found else None

    def _text(self, node: _Node, name: str, language: str) -> str | None:
        """A property's text in one language; several different ones are an error."""
        default = self._language(node)
        found: list[str] = []
        for value in node.values(name):
            if isinstance(value, _Ref):
                raise _Unreadable(f"'{name}' is a node, not text")
            tagged = value.language if isinstance(value, _Tagged) else default
            text = (value.text if isinstance(value, _Tagged) else str(value)).strip()
            if tagged == language and text and text not in found:
                found.append(text)
        if len(found) > 1:
            raise ValueError(
                f"'{name}' has several {language!r} values: {found[0]!r}, {found[1]!r}"
            )
        return found[0] if found else None

    def _any_text(self, node: _Node, name: str) -> str | None:
        texts = [v for v in node.values(name) if not isinstance(v, _Ref)]
        return _first(str(v.text if isinstance(v, _Tagged) else v).strip() for v in texts)

    def _language(self, node: _Node) -> str:
        """The language of a node's plain strings: its one `inLanguage`, else its block's."""
        declared = {self._language_of(value) for value in node.values("inLanguage")}
        declared.discard(None)
        if len(declared) == 1:
            return str(declared.pop())
        return node.language or self.options.language

    def _language_of(self, value: _Value) -> str | None:
        """A language code from a tag, a name or a Language node."""
        if isinstance(value, _Ref):
            language = self.graph.nodes[value.key]
            texts = language.values("alternateName", "name")
            codes = (self._language_of(text) for text in texts if not isinstance(text, _Ref))
            return _first(codes)
        return _language_code(value.text if isinstance(value, _Tagged) else str(value))


# --- Helpers ---------------------------------------------------------------------------


def _merged(items: Iterable[ProviderRecord | Problem]) -> Iterator[Item]:
    """One record per external id, the later ones filling what the first leaves empty."""
    records: dict[str, ProviderRecord] = {}
    for item in items:
        if isinstance(item, Problem):
            yield item
        else:
            known = records.get(item.external_id)
            records[item.external_id] = _fill(known, item) if known else item
    yield from records.values()


def _unique(items: Iterable[OfferingRecord | Problem]) -> Iterator[Item]:
    """The offerings, each id once: a different offering under a taken id is a Problem."""
    taken: dict[str, OfferingRecord] = {}
    for item in items:
        if isinstance(item, OfferingRecord) and item.external_id in taken:
            if taken[item.external_id] != item:
                reason = (
                    f"another offering has the id {item.external_id!r} (same name and provider)"
                )
                yield Problem("offering", item.external_id, reason)
            continue
        if isinstance(item, OfferingRecord):
            taken[item.external_id] = item
        yield item


def _fill(record: _Record, other: _Record) -> _Record:
    """`record` with its empty fields taken from `other` (the same thing, declared twice)."""
    missing = {
        f.name: getattr(other, f.name)
        for f in fields(record)
        if getattr(record, f.name) is None and getattr(other, f.name) is not None
    }
    return replace(record, **missing) if missing else record


def _first(values: Iterable[_R | None]) -> _R | None:
    return next((value for value in values if value), None)


def _derived(prefix: str, *parts: str) -> str:
    """A stable id made from a node's identifying texts."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return f"{prefix}:{digest[:16]}"


def _label(node: _Node) -> str:
    """How a node is named in a problem's reason."""
    kind = min(node.types) if node.types else "node"
    if node.external_id:
        return f"{kind} {node.external_id}"
    names = [v.text if isinstance(v, _Tagged) else v for v in node.values("name")]
    texts = [str(name) for name in names if not isinstance(name, _Ref)]
    return f"{kind} {texts[0]!r}" if texts else f"{kind} without @id"


def _describe(value: _Value) -> str:
    if isinstance(value, _Ref):
        return repr(value.key) if not value.key.startswith("_:") else "(an embedded node)"
    return repr(value.text if isinstance(value, _Tagged) else value)


def _mailbox(value: str | None) -> str | None:
    """An e-mail address, without the `mailto:` a URL-valued `email` has."""
    if value is None:
        return None
    return value.removeprefix("mailto:").strip() or None


def _day(value: str | None, name: str) -> date | None:
    """The Europe/Rome calendar day of an ISO 8601 date or date-time (local times being
    Rome's)."""
    try:
        moment, _ = _moment(value)
    except ValueError as error:
        raise ValueError(f"{name} {error}") from None
    return None if moment is None else moment.astimezone(ROME).date()


def _degrees(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"coordinate {value!r} is not a number") from None


def _cents(price: str) -> int:
    """A schema.org price (a number with a '.' decimal separator) in cents."""
    cents = euro_cents(price)
    if cents is None:
        raise ValueError(f"price {price!r} is not a number")
    return cents


def _age(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(Decimal(value))
    except (InvalidOperation, ValueError):
        raise ValueError(f"age {value!r} is not a number") from None


def _moment(value: str | None) -> tuple[datetime | None, bool]:
    """An ISO 8601 date or date-time as an aware datetime (local times in Europe/Rome), and
    whether it was a date alone."""
    if value is None:
        return None, False
    try:
        day_only = len(value) == 10
        if day_only:
            moment = datetime.combine(date.fromisoformat(value), time(), ROME)
        else:
            moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date or date-time") from None
    # A year from datetime's limits, so that time zones and a day more or less still compute.
    if not 1 < moment.year < 9999:
        raise ValueError(f"{value!r} is out of the range of dates")
    return (moment if moment.tzinfo else moment.replace(tzinfo=ROME)), day_only
