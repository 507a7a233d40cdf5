"""Counting the SQL statements an engine executes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine


class StatementLog:
    """The statements executed while the `count_statements` block ran."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __len__(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(engine: AsyncEngine) -> Iterator[StatementLog]:
    """Record every statement sent to the database (SQLAlchemy `before_cursor_execute`)."""
    log = StatementLog()

    def record(*args: Any) -> None:
        log.statements.append(str(args[2]))

    sa.event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield log
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", record)
