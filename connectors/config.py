"""Source declarations: the TOML file that lists the feeds the hub syncs."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from models.redaction import redact, summarise
from models.source import REGISTRY

_HTTP = ("http://", "https://")
# Options of the table that are about when a source is synced, not how it is read.
SCHEDULE_KEYS = ("every", "jitter", "timeout")
# "30s", "15m", "2h", "1d", or units combined largest first: "1h30m", "1d12h".
_DURATION = re.compile(r"(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_UNITS = ("days", "hours", "minutes", "seconds")


class ConfigError(ValueError):
    """The sources file is missing or does not describe valid sources."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One declared source: a unique name, a connector kind and where to read it."""

    name: str
    kind: str
    # Where it is read: an http(s) URL, or a path resolved against the sources file.
    url: str
    description: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    # The url as the operator wrote it (a relative path stays relative), and the directory
    # of the sources file that declared it: what operators are shown, and relative to what.
    declared_url: str | None = None
    directory: Path | None = None
    # How often the scheduler syncs it (None: only by hand), the most it adds to each due
    # time at random, and the longest one sync may take (None: the scheduler's default).
    every: timedelta | None = None
    jitter: timedelta = timedelta(0)
    timeout: timedelta | None = None

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(_HTTP)

    @property
    def shown_url(self) -> str:
        """The url as declared, without credentials or server paths (models.redaction)."""
        return self.redact(self.declared_url or self.url)

    def redact(self, text: str) -> str:
        """`text` (a message about this source) without credentials, its paths relative to
        the sources file."""
        return redact(text, self._directories())

    def summarise(self, error: str) -> str:
        """An error or a quarantine reason as it is stored: redacted and bounded."""
        return summarise(error, self._directories())

    def _directories(self) -> tuple[Path, ...]:
        return () if self.directory is None else (self.directory,)


def read_tables(path: Path, name: str, what: str) -> list[Any]:
    """The `[[name]]` tables of a TOML file (`what` names the file in errors)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{what} file not found: {path}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"cannot read {what} file {path}: {error}") from None
    tables = document.get(name, [])
    if not isinstance(tables, list):
        raise ConfigError(f"{path}: {name!r} must be an array of tables ([[{name}]])")
    return tables


def load_sources(path: Path) -> list[SourceConfig]:
    """Read `[[source]]` tables from a TOML file; relative paths are resolved against it."""
    tables = read_tables(path, "source", "sources")
    base = path.parent.resolve()
    sources = [_source(table, base, index) for index, table in enumerate(tables, 1)]
    names = [source.name for source in sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"{path}: duplicate source names: {', '.join(duplicates)}")
    return sources


def _source(table: Any, base: Path, index: int) -> SourceConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"source #{index} is not a table")
    missing = [key for key in ("name", "kind", "url") if not isinstance(table.get(key), str)]
    if missing:
        raise ConfigError(f"source #{index} lacks string field(s): {', '.join(missing)}")
    if table["name"] == REGISTRY:
        raise ConfigError(
            f"source #{index}: the name {REGISTRY!r} is the hub's own registry's; choose another"
        )
    url = declared = table["url"]
    if not url.startswith(_HTTP):
        url = str((base / url.removeprefix("file://")).resolve())
    fixed = {"name", "kind", "url", "description", *SCHEDULE_KEYS}
    options = {k: v for k, v in table.items() if k not in fixed}
    description = table.get("description")
    every, jitter, timeout = (_duration(table, key) for key in SCHEDULE_KEYS)
    if every is None and jitter is not None:
        raise ConfigError(f"source {table['name']!r}: 'jitter' needs 'every'")
    return SourceConfig(
        name=table["name"],
        kind=table["kind"],
        url=url,
        description=description if isinstance(description, str) else None,
        options=options,
        declared_url=declared,
        directory=base,
        every=every,
        jitter=jitter or timedelta(0),
        timeout=timeout,
    )


def parse_duration(text: str) -> timedelta | None:
    """A duration written as "30s", "15m", "2h", "1d" or combined largest unit first
    ("1h30m"); None when `text` is not one, or is zero."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or not any(match.groups()):
        return None
    given = zip(_UNITS, match.groups(), strict=True)
    amounts = {unit: int(value) for unit, value in given if value}
    duration = timedelta(**amounts)
    return duration if duration > timedelta(0) else None


def format_duration(duration: timedelta) -> str:
    """A duration as the sources file writes it: "1h30m", "45s"."""
    seconds = int(duration.total_seconds())
    parts = []
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        amount, seconds = divmod(seconds, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"


def _duration(table: dict[str, Any], key: str) -> timedelta | None:
    value = table.get(key)
    if value is None:
        return None
    duration = parse_duration(value) if isinstance(value, str) else None
    if duration is None:
        raise ConfigError(
            f'source {table["name"]!r}: {key!r} must be a duration such as "30s", "15m",'
            f' "2h", "1d" or "1h30m", not {value!r}'
        )
    return duration
