"""Redaction: what the hub shows and logs, without credentials or the server's file paths.

URLs lose their userinfo (`http://user:secret@host/` -> `http://***@host/`) and the values
of secret-looking parameters (`?token=***`, in a query, a fragment or free text); absolute
paths become relative to a directory they were declared from (the sources file's), or
else their file name. Source URLs, sync errors and quarantine reasons are redacted when
they are stored and again when they are read; log records by hub.logs.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from os import PathLike
from urllib.parse import unquote_plus

MASK = "***"
# A summarised error (a run's error, a quarantine reason) keeps at most this many characters.
MAX_SUMMARY_CHARS = 2_000

# Parameter names whose value is a credential, whatever their case and separators:
# `token`, `access_token`, `client_secret`, `api_key`, `X-Amz-Signature`, `sig`, `auth`, ...
_CREDENTIAL_NAME = (
    r"(?i:[a-z0-9._-]*(?:token|secret|passw(?:or)?d|pwd|key|signature|credentials?)"
    r"|auth|authorization|sig|pass|pw|jwt|session(?:[._-]?id)?)"
)
# A URL; a `file:` URL is left to the paths below, its path being one of the server's.
_URL = r"(?<![A-Za-z0-9+.-])(?!file:)[A-Za-z][A-Za-z0-9+.-]*://[^\s\"'<>`]+"
# A `name=value` pair outside a URL (a DSN's `password=…`, an answer echoing a parameter).
_PAIR = rf"(?<![\w.-])(?P<name>{_CREDENTIAL_NAME})=[^\s&\"'<>,;)\]]+"
# A character of a file or directory name as it appears in a message: not a separator, a
# space, nor the punctuation around a path ("cannot read /x/y: …", "'/x/y'", "(/x/y)").
_NAME_CHAR = r"[^\s/\"'<>:;,()\[\]{}|`\\]"
_NAME = rf"{_NAME_CHAR}+"
# Where an absolute path may start: not inside a word, a relative path or a URL.
_STARTS = r"(?:(?<![\w.~/\\-])|(?<=file://))"
# An absolute path of two names or more ("/graphql", one name, is a route, not a file).
# Unquoted, a name ends at a space (where else would it end?); quoted, as a traceback's
# `File "/x y/z.py"` or a repr's `'/x y/z'`, it ends at the quote.
_PATH = rf"{_STARTS}/(?:{_NAME}/)+{_NAME}"
_QUOTED_PATH = r"(?<=(?P<quote>[\"']))/(?:[^\"'\n/]+/)+[^\"'\n/]+(?=(?P=quote))"
# What ends a sentence rather than a URL, and brackets a URL closes only if it opened them.
_TRAILING = ".,;:!?"
_CLOSING = {")": "(", "]": "[", "}": "{"}


def redact(text: str, directories: Iterable[str | PathLike[str]] = ()) -> str:
    """`text` without credentials, its absolute paths relative to the first of
    `directories` holding them (absolute themselves), else reduced to their file name."""
    return _pattern(_directories(directories)).sub(_replace, text)


def summarise(
    text: str,
    directories: Iterable[str | PathLike[str]] = (),
    *,
    limit: int = MAX_SUMMARY_CHARS,
) -> str:
    """An error as it is stored and shown: redacted, then bounded to `limit` characters."""
    # Bounded after redaction: a cut through a URL could hide its credentials from it.
    shown = redact(text, directories)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def _directories(directories: Iterable[str | PathLike[str]]) -> tuple[str, ...]:
    found = (str(directory).rstrip("/") for directory in directories)
    # The root holds every path: relative to it, a path would be shown whole.
    return tuple(sorted({d for d in found if d.startswith("/")}, key=len, reverse=True))


@functools.lru_cache(maxsize=64)
def _pattern(directories: tuple[str, ...]) -> re.Pattern[str]:
    """URLs, secret pairs, then the declared directories (longest first), other paths."""
    known = "|".join(re.escape(directory) for directory in directories) or "(?!)"
    return re.compile(
        rf"(?P<url>{_URL})|{_PAIR}"
        rf"|{_STARTS}(?P<directory>{known})(?:(?P<separator>/)|(?!{_NAME_CHAR}))"
        rf"|(?P<quoted>{_QUOTED_PATH})|(?P<path>{_PATH})"
    )


def _replace(match: re.Match[str]) -> str:
    if match["url"] is not None:
        return _url_in_text(match["url"])
    if match["name"] is not None:
        return f"{match['name']}={MASK}"
    if match["directory"] is not None:
        return "" if match["separator"] else "."
    return (match["quoted"] or match["path"]).rpartition("/")[2]


def _url_in_text(url: str) -> str:
    """A URL found in a text, the punctuation after it left to the text."""
    end = len(url)
    while end > 0:
        last = url[end - 1]
        opening = _CLOSING.get(last)
        if last in _TRAILING or (
            opening is not None and url.count(opening, 0, end) < url.count(last, 0, end)
        ):
            end -= 1
        else:
            break
    return _url(url[:end]) + url[end:]


def _url(url: str) -> str:
    """RFC 3986 section 3: the userinfo is what the authority holds before its last `@`."""
    scheme, _, rest = url.partition("://")
    end = min((at for at in map(rest.find, "/?#") if at >= 0), default=len(rest))
    authority, rest = rest[:end], rest[end:]
    if "@" in authority:
        authority = f"{MASK}@{authority.rpartition('@')[2]}"
    rest, hash_mark, fragment = rest.partition("#")
    path, question_mark, query = rest.partition("?")
    if query:
        query = _parameters(query)
    if "=" in fragment:  # OAuth's implicit grant puts `access_token` there
        fragment = _parameters(fragment)
    return f"{scheme}://{authority}{path}{question_mark}{query}{hash_mark}{fragment}"


def _parameters(query: str) -> str:
    return "&".join(_parameter(parameter) for parameter in query.split("&"))


def _parameter(parameter: str) -> str:
    name, equals, value = parameter.partition("=")
    secret = re.fullmatch(_CREDENTIAL_NAME, unquote_plus(name)) is not None
    return f"{name}={MASK}" if equals and value and secret else parameter
