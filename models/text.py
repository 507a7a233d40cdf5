"""Text folding shared by indexing (sync) and searching (resolvers)."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and punctuation: "Caffè-Letterario" -> "caffe letterario"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped).strip()


def search_document(*parts: str | None) -> str:
    """The indexed search text: folded words with a leading space, so that
    `LIKE '% word%'` matches the start of any word."""
    words = " ".join(fold(part) for part in parts if part)
    return f" {words} " if words else " "


def search_terms(query: str) -> list[str]:
    """The folded words of a user's search query, duplicates removed, order kept."""
    return list(dict.fromkeys(fold(query).split()))
