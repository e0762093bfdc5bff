"""The poll's read, compiled once and run straight through the database driver.

A poll is one indexed SELECT, and most of its cost through SQLAlchemy's `Connection.execute` is
SQLAlchemy's own (cache lookup, execution context, result metadata, and on PostgreSQL a BEGIN and
a ROLLBACK around the read; docs/benchmarks.md has the figures). SQLAlchemy still writes the SQL
(compiled for the store's dialect) and converts what comes back (each column type's own result
processor: datetimes, booleans, JSON), so a row reads as the same values by the same names as a
Core read of the same statement (tests/inprocess/test_compiled_poll.py, on both databases).

- SQLite (`SqliteSelect`): a `sqlite3` connection of its own, read-only; WAL lets it read beside
  the writers.
- PostgreSQL (`PooledSelect`): a connection from the store's pool, on which asyncpg runs the
  statement itself, outside a transaction (one round trip, no BEGIN/ROLLBACK), as a prepared
  statement that asyncpg caches per connection. A connection that fails with the server's
  outage is invalidated and the caller sees `StoreUnavailable`, as on every other read.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from stillmotion.errors import StoreUnavailable
from stillmotion.tasks.db import STORE_RETRY_AFTER, cannot_reach

_GIVEN = object()
"""A placeholder whose value each call gives."""


class CompiledSelect:
    """A SELECT's SQL, its placeholders in order and its row type, made once."""

    def __init__(self, statement: Select[Any], dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Each placeholder in order: a name the caller gives, or a value the statement holds (the
        # statuses it compares with), converted once as SQLAlchemy would convert it.
        self._parameters: list[tuple[str, Any]] = []
        for name in compiled.positiontup or ():
            bind = compiled.binds[name]
            if bind.required:
                self._parameters.append((name, _GIVEN))
            else:
                convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
                value = bind.effective_value
                self._parameters.append((name, value if convert is None else convert(value)))
        columns = list(statement.selected_columns)
        self._row: Any = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._dialect = dialect
        self._types = [column.type.dialect_impl(dialect) for column in columns]
        self._processors: list[Any] | None = None

    def know_column_types(self, driver_types: Sequence[Any]) -> None:
        """Pick each column's result processor for the type the driver reports for it (as a
        cursor's description gives it: asyncpg's converters depend on the server's type)."""
        self._processors = [
            kind.result_processor(self._dialect, driver_type)
            for kind, driver_type in zip(self._types, driver_types, strict=True)
        ]

    def arguments(self, values: dict[str, str | int]) -> list[Any]:
        """The positional arguments for these values of the statement's bound parameters. Given
        values go to the driver as they are: only strings and integers, which need no conversion."""
        return [values[name] if held is _GIVEN else held for name, held in self._parameters]

    def row(self, found: Sequence[Any] | None) -> Any | None:
        """The driver's row as a named tuple of converted values, or None."""
        if found is None:
            return None
        assert self._processors is not None, "know_column_types first"
        return self._row._make(
            value if process is None or value is None else process(value)
            for process, value in zip(self._processors, found, strict=True)
        )


class SqliteSelect(CompiledSelect):
    """Run on a `sqlite3` connection of its own: ~50 µs of CPU for the poll's statement (the bare
    SQL ~21 µs), against ~130 µs through SQLAlchemy on a held connection and ~230 µs more for the
    pool checkout and the async adapter's greenlet. `query_only` makes sure it never writes."""

    def __init__(self, statement: Select[Any], dialect: Dialect, path: str) -> None:
        super().__init__(statement, dialect)
        self.know_column_types([None] * len(self._types))  # sqlite3 reports no column types
        self._path = path
        self._connection: sqlite3.Connection | None = None

    async def first(self, **values: str | int) -> Any | None:
        """The first row for these values, or None. Never suspends: the read is microseconds."""
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
            self._connection.execute("PRAGMA query_only=ON")
        return self.row(self._connection.execute(self.sql, self.arguments(values)).fetchone())

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PooledSelect(CompiledSelect):
    """Run by asyncpg on a connection of the engine's pool (its checkout still replaces a
    connection the server closed)."""

    def __init__(self, statement: Select[Any], engine: AsyncEngine) -> None:
        super().__init__(statement, engine.dialect)
        self._engine = engine

    async def first(self, **values: str | int) -> Any | None:
        """The first row for these values, or None."""
        async with self._engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            try:
                if self._processors is None:
                    prepared = await driver.prepare(self.sql)
                    self.know_column_types([attribute.type.oid for attribute in prepared.get_attributes()])
                found = await driver.fetchrow(self.sql, *self.arguments(values))
            except cannot_reach() as exc:
                await connection.invalidate()
                raise StoreUnavailable(retry_after=STORE_RETRY_AFTER) from exc
        return self.row(found)

    def close(self) -> None:
        """Nothing of its own: the engine's pool holds the connections."""
