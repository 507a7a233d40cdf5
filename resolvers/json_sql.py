"""JSON built by the database, the same on PostgreSQL and SQLite.

The compiled path asks the database for the response's JSON itself. The two engines spell
JSON differently (json_build_object / json_object, json_agg / json_group_array), and SQLite
loses the JSON-ness of a value across a subquery and has no base64; each helper here gives
one value, ready to be embedded in an object or an array, on either engine. Values come out
as the general executor prints them: booleans as true/false, euro amounts as "12.50",
floats as Python prints them, global IDs and cursors in the hub's base64.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by

# json_build_object takes at most 100 arguments on PostgreSQL: 50 keys.
MAX_KEYS = 50
# What this module writes into the SQL itself: names (JSON keys, type and enum names,
# orderings) and punctuation. Anything else is a bound value, which SQLAlchemy quotes when
# resolvers.compiled writes the values into the statement.
_LITERAL = re.compile(r"[-_A-Za-z0-9:.,%+ \[\]\"]*")


def name(value: str) -> sa.ColumnElement[Any]:
    """A name or punctuation, as an SQL string literal."""
    if not _LITERAL.fullmatch(value):
        raise ValueError(f"not a name: {value!r}")
    return sa.literal_column(f"'{value}'", sa.Text)


def constant(value: str) -> sa.ColumnElement[Any]:
    """A constant string (a label), as a bound value."""
    return sa.literal(value, sa.Text)


def concat(*parts: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """Strings joined with ||, on either engine."""
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.op("||")(part)
    return joined


class JsonSQL:
    """The JSON helpers of PostgreSQL (this class) and SQLite (the subclass)."""

    dialect = "postgresql"

    def object(self, pairs: Sequence[tuple[str, sa.ColumnElement[Any]]]) -> sa.ColumnElement[Any]:
        """A JSON object of (key, value) pairs, in order."""
        arguments: list[Any] = []
        for key, value in pairs:
            arguments += [name(key), value]
        return self._object(arguments)

    def _object(self, arguments: list[Any]) -> sa.ColumnElement[Any]:
        return sa.func.json_build_object(*arguments)

    def array(self, values: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
        """A JSON array of a fixed number of values."""
        return sa.func.json_build_array(*values)

    def aggregate(
        self, element: sa.ColumnElement[Any], rows: sa.Select[Any], order_by: Sequence[Any]
    ) -> sa.ColumnElement[Any]:
        """The JSON array of `element` over the rows of `rows` (a SELECT to take the FROM
        and WHERE of), in `order_by`; [] when there are none."""
        aggregated = sa.func.json_agg(aggregate_order_by(element, *order_by))
        subquery = rows.with_only_columns(aggregated).scalar_subquery()
        return sa.func.coalesce(subquery, sa.literal_column("'[]'::json"))

    def one(self, element: sa.ColumnElement[Any], rows: sa.Select[Any]) -> sa.ColumnElement[Any]:
        """`element` of the single row of `rows`, or null."""
        return rows.with_only_columns(element).limit(1).scalar_subquery()

    def scalar(self, rows: sa.Select[Any]) -> sa.ColumnElement[Any]:
        """A subquery's scalar (a count), as a JSON number."""
        return rows.scalar_subquery()

    def boolean(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return value

    def number(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """A floating-point column."""
        return value

    def raw(self, json_text: str) -> sa.ColumnElement[Any]:
        """A constant JSON value given as its text (a list of enum names, say)."""
        return sa.literal_column(f"'{json_text}'::json")

    def quote(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """The JSON text of a string value ("abc"), as text: for building cursors."""
        return sa.cast(sa.func.to_json(value), sa.Text)

    def b64(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """Base64 of a text (a global ID: short enough for PostgreSQL not to wrap it)."""
        return sa.func.encode(sa.func.convert_to(value, name("UTF8")), name("base64"))

    def b64url(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """URL-safe base64 without padding of a text (a cursor)."""
        encoded = sa.func.encode(sa.func.convert_to(value, name("UTF8")), name("base64"))
        translated = sa.func.translate(
            encoded, sa.literal_column("E'+/\\n'"), sa.literal_column("'-_'")
        )
        return sa.func.rtrim(translated, sa.literal_column("'='"))

    def pad2(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """A number from 0 to 99 as two digits."""
        return sa.func.right(concat(sa.literal_column("'0'"), sa.cast(value, sa.Text)), 2)

    def as_text(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.cast(value, sa.Text)

    def iso_utc(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        """A UTC timestamp as Python's isoformat() prints it (microseconds only when there
        are some): 2026-11-28T09:00:00+00:00. For cursors, which keep UTC so that those
        already handed out stay valid; answers write times in Rome's offset."""
        utc = sa.func.timezone(name("UTC"), value)
        seconds = sa.func.to_char(utc, sa.literal_column("'YYYY-MM-DD\"T\"HH24:MI:SS'"))
        micro = sa.cast(sa.extract("microseconds", value), sa.BigInteger) % 1_000_000
        fraction = sa.case(
            (micro == 0, name("")),
            else_=concat(name("."), sa.func.lpad(sa.cast(micro, sa.Text), 6, name("0"))),
        )
        return concat(seconds, fraction, name("+00:00"))


class SQLiteJsonSQL(JsonSQL):
    """SQLite: JSON values from subqueries are re-read with json(); arrays are ordered by
    a window (aggregates take no ORDER BY before SQLite 3.44); base64 and floats come from
    the functions models.reader registers."""

    dialect = "sqlite"

    def _object(self, arguments: list[Any]) -> sa.ColumnElement[Any]:
        return sa.func.json_object(*arguments)

    def array(self, values: Sequence[sa.ColumnElement[Any]]) -> sa.ColumnElement[Any]:
        return sa.func.json_array(*values)

    def aggregate(
        self, element: sa.ColumnElement[Any], rows: sa.Select[Any], order_by: Sequence[Any]
    ) -> sa.ColumnElement[Any]:
        ordered = sa.func.json_group_array(element).over(order_by=list(order_by), rows=(None, None))
        subquery = rows.with_only_columns(ordered).limit(1).scalar_subquery()
        return sa.func.json(sa.func.coalesce(subquery, "[]"))

    def one(self, element: sa.ColumnElement[Any], rows: sa.Select[Any]) -> sa.ColumnElement[Any]:
        return sa.func.json(rows.with_only_columns(element).limit(1).scalar_subquery())

    def boolean(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.case(
            (value.is_(None), sa.null()),
            (value, sa.func.json("true")),
            else_=sa.func.json("false"),
        )

    def number(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.json(sa.func.concilia_float(value))

    def raw(self, json_text: str) -> sa.ColumnElement[Any]:
        return sa.func.json(sa.literal_column(f"'{json_text}'"))

    def quote(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.json_quote(value)

    def b64(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.concilia_b64(value)

    def b64url(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.concilia_b64url(value)

    def pad2(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.printf(name("%02d"), value)

    def as_text(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.cast(value, sa.Text)

    def iso_utc(self, value: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # Stored by SQLAlchemy as naive UTC text, 2026-11-28 09:00:00.000000.
        seconds = sa.func.replace(sa.func.substr(value, 1, 19), name(" "), name("T"))
        micro = sa.func.substr(value, 21, 6)
        fraction = sa.case((micro == name("000000"), name("")), else_=concat(name("."), micro))
        return concat(seconds, fraction, name("+00:00"))


def json_sql(dialect: str) -> JsonSQL:
    """The helpers of an engine's dialect (`postgresql` or `sqlite`)."""
    return SQLiteJsonSQL() if dialect == "sqlite" else JsonSQL()
