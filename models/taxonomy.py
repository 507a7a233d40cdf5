"""The controlled taxonomy of offering categories: each category belongs to one area.

The taxonomy is owned by the hub (agreed by the alliance); it is seeded into the
`category` table by `models.db.init_db` and connectors map source terms onto its codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.enums import Area, Language


@dataclass(frozen=True, slots=True)
class AreaInfo:
    """Labels of a welfare area in the hub's languages."""

    area: Area
    label_it: str
    label_en: str

    def label(self, lang: Language) -> str:
        return self.label_en if lang is Language.EN else self.label_it


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    """One category of the controlled taxonomy."""

    code: str
    area: Area
    label_it: str
    label_en: str


AREAS: tuple[AreaInfo, ...] = (
    AreaInfo(Area.HEALTH_WELLBEING, "Salute e benessere psico-fisico", "Health and wellbeing"),
    AreaInfo(
        Area.FAMILY_CARE,
        "Assistenza famigliare (figli e genitori)",
        "Family care (children and parents)",
    ),
    AreaInfo(
        Area.LEISURE_WORK_LIFE,
        "Tempo libero e conciliazione vita-lavoro",
        "Leisure and work-life balance",
    ),
    AreaInfo(Area.WORK_SERVICES, "Servizi per il lavoro", "Work services"),
)

AREA_INFO: dict[Area, AreaInfo] = {info.area: info for info in AREAS}

_H, _F, _L, _W = (
    Area.HEALTH_WELLBEING,
    Area.FAMILY_CARE,
    Area.LEISURE_WORK_LIFE,
    Area.WORK_SERVICES,
)

CATEGORIES: tuple[CategoryInfo, ...] = (
    CategoryInfo("health-checkup", _H, "Prevenzione e check-up", "Check-ups and prevention"),
    CategoryInfo("physiotherapy", _H, "Fisioterapia e riabilitazione", "Physiotherapy"),
    CategoryInfo("psychological-support", _H, "Supporto psicologico", "Psychological support"),
    CategoryInfo("fitness-sport", _H, "Sport e fitness", "Sport and fitness"),
    CategoryInfo("mind-body", _H, "Yoga, meditazione e benessere", "Yoga, meditation, wellbeing"),
    CategoryInfo("nutrition", _H, "Nutrizione e alimentazione", "Nutrition"),
    CategoryInfo("early-childhood", _F, "Nido e prima infanzia", "Nursery and early childhood"),
    CategoryInfo("after-school", _F, "Doposcuola e pre-scuola", "Before and after school"),
    CategoryInfo("summer-camps", _F, "Centri estivi e vacanze", "Summer and holiday camps"),
    CategoryInfo("babysitting", _F, "Baby-sitting", "Babysitting"),
    CategoryInfo("elderly-care", _F, "Assistenza anziani", "Elderly care"),
    CategoryInfo("caregiver-support", _F, "Supporto ai caregiver", "Caregiver support"),
    CategoryInfo("courses", _L, "Corsi e laboratori", "Courses and workshops"),
    CategoryInfo("culture", _L, "Cultura e spettacolo", "Culture and events"),
    CategoryInfo("errands", _L, "Commissioni e maggiordomo aziendale", "Errands and concierge"),
    CategoryInfo("laundry", _L, "Lavanderia e stireria", "Laundry and ironing"),
    CategoryInfo("meals", _L, "Pasti e spesa a domicilio", "Meals and grocery delivery"),
    CategoryInfo("coworking", _W, "Coworking", "Co-working"),
    CategoryInfo("smart-working", _W, "Spazi per lo smart working", "Smart-working spaces"),
    CategoryInfo("meeting-rooms", _W, "Sale riunioni", "Meeting rooms"),
    CategoryInfo(
        "business-services", _W, "Servizi per professionisti", "Services for professionals"
    ),
    CategoryInfo(
        "career", _W, "Formazione e orientamento al lavoro", "Training and career guidance"
    ),
)

# Each area's general category: an offering a source classifies by its area alone.
GENERAL_CATEGORIES: tuple[CategoryInfo, ...] = tuple(
    CategoryInfo(
        info.area.value.lower().replace("_", "-"),
        info.area,
        f"{info.label_it} (in generale)",
        f"{info.label_en} (general)",
    )
    for info in AREAS
)
CATEGORIES += GENERAL_CATEGORIES

CATEGORY_INFO: dict[str, CategoryInfo] = {info.code: info for info in CATEGORIES}
GENERAL_CATEGORY: dict[Area, str] = {info.area: info.code for info in GENERAL_CATEGORIES}
