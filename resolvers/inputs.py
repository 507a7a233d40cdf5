"""Checks of the values clients send, shared by the resolvers.

Each raises BadUserInput with a short message, and none lets a value reach SQL that the
database would refuse (a NUL byte, an integer past its range, a year past 9999): a client's
mistake is a BAD_USER_INPUT, never an internal error.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from models.text import search_terms
from resolvers.errors import BadUserInput

# The largest value of an INTEGER column on every engine the hub runs on (PostgreSQL's
# `integer`): primary keys, prices in cents.
MAX_INTEGER = 2**31 - 1
# A search takes a few words; each is a prefix matched with LIKE, so both are bounded.
MAX_SEARCH_WORDS = 20
MAX_SEARCH_WORD_LENGTH = 64
MAX_SEARCH_LENGTH = 1_000
# Times a client may ask about; schedules are expanded within a year of them.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)

_LANGUAGE = re.compile(r"[a-z]{2,3}")
_VAT = re.compile(r"[0-9]{11}")


def shown(value: str, limit: int = 40) -> str:
    """A client's value as an error message may quote it: short, and printable."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 5]}…{text[-3:]}"


def search_words(text: str, argument: str = "text") -> list[str]:
    """The folded words of a search, within the bounds of a search."""
    if len(text) > MAX_SEARCH_LENGTH:
        raise BadUserInput(f"`{argument}` must be at most {MAX_SEARCH_LENGTH} characters")
    words = search_terms(text)
    if len(words) > MAX_SEARCH_WORDS:
        raise BadUserInput(f"`{argument}` must have at most {MAX_SEARCH_WORDS} words")
    if any(len(word) > MAX_SEARCH_WORD_LENGTH for word in words):
        raise BadUserInput(
            f"`{argument}`: words must be at most {MAX_SEARCH_WORD_LENGTH} characters long"
        )
    return words


def language_code(value: str) -> str:
    """An ISO 639 language code, lower-cased (`it`, `en`, `ara`)."""
    code = value.strip().lower()
    if not _LANGUAGE.fullmatch(code):
        raise BadUserInput("`language` must be an ISO 639-1 code such as 'it' or 'en'")
    return code


def vat_number(value: str) -> str:
    """A partita IVA as stored: 11 digits."""
    digits = value.strip()
    if not _VAT.fullmatch(digits):
        raise BadUserInput("`vatNumber` must be the 11 digits of a partita IVA")
    return digits


def utc_moment(value: datetime, argument: str) -> datetime:
    """A time a client sent, in UTC: it needs an offset, and a year the hub can reckon with."""
    if value.tzinfo is None:
        raise BadUserInput(f"`{argument}` needs a UTC offset, e.g. 2026-11-28T10:00:00+01:00")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = LATEST
    if not EARLIEST <= utc < LATEST:
        raise BadUserInput(f"`{argument}` must be between {EARLIEST.year} and {LATEST.year - 1}")
    return utc
