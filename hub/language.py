"""Content negotiation of the text language (RFC 9110 section 12.5.4, Accept-Language)."""

from __future__ import annotations

from hub.media import q_value
from models.enums import Language


def negotiate(accept_language: str | None, default: Language = Language.IT) -> Language:
    """The supported language the client prefers most, else `default` (Italian)."""
    if not accept_language:
        return default
    best: tuple[float, Language] | None = None
    for position, item in enumerate(accept_language.split(",")):
        tag, _, params = item.strip().partition(";")
        quality = _quality(params)
        primary = tag.strip().lower().split("-")[0]
        if quality <= 0 or primary not in Language._value2member_map_:
            continue
        candidate = (quality - position * 1e-6, Language(primary))
        if best is None or candidate[0] > best[0]:
            best = candidate
    return best[1] if best else default


def _quality(params: str) -> float:
    return q_value(params.split(";")) or 0.0
