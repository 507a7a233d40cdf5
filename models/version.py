"""The data version: a number that moves whenever the catalogue changes.

Cached responses are keyed by it (hub.caching), so a change makes every earlier response
unreachable at once. It moves in the transaction that makes the change, from one place
every writer goes through: the sessions of models.db.session_factory notice the rows a
transaction inserts, updates or deletes, and bump the version just before it commits. A
new writer (the sync engine, the registry import, mutations to come) needs no call of its
own to keep cached answers honest.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction
from sqlmodel import Field, SQLModel

from models.types import table_of

_CHANGED = "concilia_changed"


class DataVersion(SQLModel, table=True):
    """The single row holding the current data version."""

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=sa.BigInteger)


_TABLE = table_of(DataVersion)
READ = sa.select(_TABLE.c.version).where(_TABLE.c.id == 1)


class VersionedSession(Session):
    """A session that bumps the data version when its transaction changed rows."""


@event.listens_for(VersionedSession, "do_orm_execute")
def _statement_changes(state: ORMExecuteState) -> None:
    if (state.is_insert or state.is_update or state.is_delete) and not _is_version(state):
        state.session.info[_CHANGED] = True


@event.listens_for(VersionedSession, "after_flush")
def _flush_changes(session: Session, _: UOWTransaction) -> None:
    if session.new or session.dirty or session.deleted:
        session.info[_CHANGED] = True


@event.listens_for(VersionedSession, "before_commit")
def _bump(session: Session) -> None:
    # Objects added or changed since the last flush are flushed by the commit itself,
    # after this event: they count as changes too.
    pending = bool(session.new or session.dirty or session.deleted)
    if session.info.pop(_CHANGED, False) or pending:
        session.execute(sa.update(_TABLE).values(version=_TABLE.c.version + 1))


@event.listens_for(VersionedSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_CHANGED, None)


def _is_version(state: ORMExecuteState) -> bool:
    table: Any = getattr(state.statement, "table", None)
    return table is _TABLE


def seed(connection: sa.Connection) -> None:
    """Create the version row where it is missing (database creation)."""
    if connection.execute(READ).first() is None:
        connection.execute(sa.insert(_TABLE).values(id=1, version=0))
