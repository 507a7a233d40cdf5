from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.config import (
    ConfigError,
    SourceConfig,
    format_duration,
    load_sources,
    parse_duration,
)
from connectors.fetch import Fetcher
from connectors.hsds import HsdsBundle
from connectors.registry import CONNECTORS, connector_for
from tests.utils.feeds import Feed


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_sources_are_read_with_relative_paths_resolved_against_the_file(tmp_path: Path) -> None:
    path = write(
        tmp_path / "conf" / "sources.toml",
        """
        [[source]]
        name = "isola"
        kind = "hsds"
        url = "feeds/isola.json"
        description = "Cooperative dell'Isola"

        [[source]]
        name = "garibaldi"
        kind = "hsds"
        url = "https://feeds.example/garibaldi.json"
        refresh_minutes = 30
        """,
    )

    assert load_sources(path) == [
        SourceConfig(
            name="isola",
            kind="hsds",
            url=str(tmp_path / "conf" / "feeds" / "isola.json"),
            description="Cooperative dell'Isola",
            declared_url="feeds/isola.json",
            directory=tmp_path / "conf",
        ),
        SourceConfig(
            name="garibaldi",
            kind="hsds",
            url="https://feeds.example/garibaldi.json",
            options={"refresh_minutes": 30},
            declared_url="https://feeds.example/garibaldi.json",
            directory=tmp_path / "conf",
        ),
    ]


def test_parent_relative_and_file_urls_are_resolved(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere" / "bundle.json"
    path = write(
        tmp_path / "conf" / "sources.toml",
        f"""
        [[source]]
        name = "up"
        kind = "hsds"
        url = "../data/bundle.json"

        [[source]]
        name = "file"
        kind = "hsds"
        url = "file://{absolute}"
        """,
    )

    urls = [source.url for source in load_sources(path)]

    assert urls == [str(tmp_path / "data" / "bundle.json"), str(absolute)]


def test_sources_are_shown_as_declared_without_credentials_or_server_paths(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere" / "bundle.json"
    path = write(
        tmp_path / "conf" / "sources.toml",
        f"""
        [[source]]
        name = "relative"
        kind = "hsds"
        url = "feeds/isola.json"

        [[source]]
        name = "up"
        kind = "hsds"
        url = "../data/bundle.json"

        [[source]]
        name = "inside"
        kind = "hsds"
        url = "{tmp_path / "conf" / "feeds" / "b.json"}"

        [[source]]
        name = "outside"
        kind = "hsds"
        url = "file://{elsewhere}"

        [[source]]
        name = "remote"
        kind = "hsds-api"
        url = "https://api:s3cret@feeds.example/hsda?api_key=k3y&page_size=50"
        """,
    )

    shown = {source.name: source.shown_url for source in load_sources(path)}

    assert shown == {
        "relative": "feeds/isola.json",
        "up": "../data/bundle.json",
        "inside": "feeds/b.json",
        "outside": "file://bundle.json",
        "remote": "https://***@feeds.example/hsda?api_key=***&page_size=50",
    }


def test_messages_about_a_source_are_redacted_relative_to_its_sources_file(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "my conf" / "sources.toml",
        '[[source]]\nname = "a"\nkind = "hsds"\nurl = "feeds/a.json"\n',
    )
    (source,) = load_sources(path)

    said = source.summarise(f"cannot read {source.url}: No such file or directory")

    assert said == "cannot read feeds/a.json: No such file or directory"


def test_remote_and_local_sources_are_told_apart(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sources.toml",
        """
        [[source]]
        name = "plain"
        kind = "hsds"
        url = "http://feeds.test/bundle.json"

        [[source]]
        name = "local"
        kind = "hsds"
        url = "bundle.json"
        """,
    )

    assert [(s.url, s.is_remote) for s in load_sources(path)] == [
        ("http://feeds.test/bundle.json", True),
        (str(tmp_path / "bundle.json"), False),
    ]


def test_file_without_sources_declares_none(tmp_path: Path) -> None:
    assert load_sources(write(tmp_path / "sources.toml", "# nothing yet\n")) == []


def test_non_text_description_is_dropped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sources.toml",
        '[[source]]\nname = "a"\nkind = "hsds"\nurl = "a.json"\ndescription = 3\n',
    )

    assert load_sources(path)[0].description is None


def test_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sources.toml",
        """
        [[source]]
        name = "isola"
        kind = "hsds"
        url = "a.json"

        [[source]]
        name = "isola"
        kind = "hsds"
        url = "b.json"
        """,
    )

    with pytest.raises(ConfigError, match=r"duplicate source names: isola$") as raised:
        load_sources(path)

    assert str(path) in str(raised.value)


def test_missing_fields_are_named(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sources.toml",
        """
        [[source]]
        name = "ok"
        kind = "hsds"
        url = "a.json"

        [[source]]
        name = "broken"
        url = 42
        """,
    )

    with pytest.raises(ConfigError, match=r"^source #2 lacks string field\(s\): kind, url$"):
        load_sources(path)


def test_source_that_is_not_a_table_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "sources.toml", 'source = ["isola"]\n')

    with pytest.raises(ConfigError, match=r"^source #1 is not a table$"):
        load_sources(path)


def test_source_key_that_is_not_an_array_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "sources.toml", '[source]\nname = "isola"\n')

    with pytest.raises(ConfigError, match=r"'source' must be an array of tables"):
        load_sources(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"

    with pytest.raises(ConfigError, match=r"^sources file not found: ") as raised:
        load_sources(path)

    assert str(raised.value) == f"sources file not found: {path}"


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "sources.toml", "[[source]\nname = \n")

    with pytest.raises(ConfigError, match=f"^cannot read sources file {re.escape(str(path))}: "):
        load_sources(path)


def test_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_bytes(b'[[source]]\nname = "caff\xe8"\n')

    with pytest.raises(ConfigError, match=f"^cannot read sources file {re.escape(str(path))}: "):
        load_sources(path)


async def test_connector_for_hsds_reads_the_source() -> None:
    config = SourceConfig(name="isola", kind="hsds", url="http://feeds.test/bundle.json")

    async with Feed().client() as client:
        connector = connector_for(config, Fetcher(client), {})

    assert isinstance(connector, HsdsBundle)
    assert connector.source is config
    assert connector.complete_snapshot is True


async def test_unknown_connector_kind_is_a_config_error() -> None:
    config = SourceConfig(name="isola", kind="rpde", url="http://feeds.test/feed")

    async with Feed().client() as client:
        with pytest.raises(ConfigError) as raised:
            connector_for(config, Fetcher(client), {})

    known = ", ".join(sorted(CONNECTORS))
    assert str(raised.value) == f"source 'isola' has unknown kind 'rpde' (known: {known})"


def test_a_schedule_is_read_as_durations(tmp_path: Path) -> None:
    path = write(
        tmp_path / "sources.toml",
        """
        [[source]]
        name = "isola"
        kind = "hsds"
        url = "isola.json"
        every = "1h30m"
        jitter = "1m"
        timeout = "45s"

        [[source]]
        name = "garibaldi"
        kind = "hsds"
        url = "garibaldi.json"
        """,
    )

    scheduled, by_hand = load_sources(path)

    assert (scheduled.every, scheduled.jitter, scheduled.timeout) == (
        timedelta(hours=1, minutes=30),
        timedelta(minutes=1),
        timedelta(seconds=45),
    )
    assert "every" not in scheduled.options  # not a connector option
    assert (by_hand.every, by_hand.jitter, by_hand.timeout) == (None, timedelta(0), None)


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("90m", timedelta(minutes=90)),
        ("15", None),
        ("m", None),
        ("", None),
        ("0s", None),
        ("30m1h", None),
        ("1.5h", None),
        ("-5m", None),
        ("15 minutes", None),
    ],
)
def test_durations(text: str, duration: timedelta | None) -> None:
    assert parse_duration(text) == duration
    if duration is not None:
        assert parse_duration(format_duration(duration)) == duration


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('every = "15 minutes"', "source 'isola': 'every' must be a duration such as"),
        ("every = 15", "source 'isola': 'every' must be a duration such as"),
        ('every = "15m"\njitter = "x"', "source 'isola': 'jitter' must be a duration"),
        ('every = "15m"\ntimeout = "0s"', "source 'isola': 'timeout' must be a duration"),
        ('jitter = "1m"', "source 'isola': 'jitter' needs 'every'"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_source(
    tmp_path: Path, line: str, message: str
) -> None:
    path = write(
        tmp_path / "sources.toml",
        f'[[source]]\nname = "isola"\nkind = "hsds"\nurl = "isola.json"\n{line}\n',
    )
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_sources(path)


def test_the_registrys_name_is_not_a_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "registry"\nkind = "csv"\nurl = "a.csv"\n')
    with pytest.raises(ConfigError, match="hub's own registry"):
        load_sources(path)
