"""Source declarations: the TOML file that lists the feeds the hub syncs."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_HTTP = ("http://", "https://")


class ConfigError(ValueError):
    """The sources file is missing or does not describe valid sources."""


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One declared source: a unique name, a connector kind and where to read it."""

    name: str
    kind: str
    url: str
    description: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def is_remote(self) -> bool:
        return self.url.startswith(_HTTP)


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
    sources = [_source(table, path.parent, index) for index, table in enumerate(tables, 1)]
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
    url = table["url"]
    if not url.startswith(_HTTP):
        url = str((base / url.removeprefix("file://")).resolve())
    options = {k: v for k, v in table.items() if k not in {"name", "kind", "url", "description"}}
    description = table.get("description")
    return SourceConfig(
        name=table["name"],
        kind=table["kind"],
        url=url,
        description=description if isinstance(description, str) else None,
        options=options,
    )
