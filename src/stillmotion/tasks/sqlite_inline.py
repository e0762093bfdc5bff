"""SQLite on the event loop's own thread: each statement is a direct call, not a thread hop.

aiosqlite runs every connection in a thread of its own and hands each call to it through a
queue (cursor, execute, fetch, close, commit: 4-5 hand-overs a statement), and each hand-over
is a GIL switch plus a wake-up of the event loop that, on a busy machine, waits for the
scheduler. A poll took 5 of them and a create 21, while the statements themselves take
microseconds: an indexed read, or a WAL append that is not synced at commit.

`connect` returns the connection interface SQLAlchemy's aiosqlite dialect drives, implemented on
the standard library's `sqlite3` connection directly. Its coroutines never suspend, so a
transaction runs from BEGIN to COMMIT without yielding to the event loop, and two transactions
of this process can never interleave: in-process writers never meet on SQLite's lock, so the
busy handler never sleeps on the event loop's thread for one of them. (Every transaction in
`tasks/` and `webhooks/` awaits nothing but its own statements. Should one ever await something
else while holding SQLite's write lock, a second writer would sleep in the busy handler on the
loop's thread while the first could not go on: the repository's write lock, taken before a write
transaction begins, makes its writers wait in the event loop instead.)

What this trades: a statement's own run time is spent on the event loop (the hot statements are
indexed; housekeeping deletes in pages), and so is the busy handler's wait when *another process*
holds the write lock (the CLI's keys and credits commands: milliseconds).
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect


class InlineCursor:
    """aiosqlite's cursor interface over a `sqlite3.Cursor`."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(self, sql: str, parameters: Sequence[Any] | dict[str, Any] | None = None) -> InlineCursor:
        if parameters is None:
            self._cursor.execute(sql)
        else:
            self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any] | dict[str, Any]]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class InlineConnection:
    """aiosqlite's connection interface over a `sqlite3.Connection`, called on the caller's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection: sqlite3.Connection | None = connection
        """Named as aiosqlite names it: SQLAlchemy skips commit and rollback once it is None."""

    @property
    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # what aiosqlite says; SQLAlchemy maps it to a disconnect
        return self._connection

    @property
    def isolation_level(self) -> str | None:
        return self._open.isolation_level

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._open.cursor())

    async def commit(self) -> None:
        self._open.commit()

    async def rollback(self) -> None:
        self._open.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._open.create_function(*args, **kwargs)

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """SQLAlchemy's forced close (a connection invalidated outside the event loop)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def connector(path: str) -> Any:
    """The `async_creator` for `create_async_engine`: a new connection to the database file at `path`.

    `check_same_thread=False`: connections are used on the event loop's thread, but the pool may
    close one from another (garbage collection at exit)."""

    async def connect() -> InlineConnection:
        return InlineConnection(sqlite3.connect(path, check_same_thread=False))

    return connect


_GIVEN = object()
"""A placeholder whose value each call gives."""


class CompiledSelect:
    """One SELECT compiled once and run on a connection of its own, straight through `sqlite3`:
    the poll's read. Measured on the poll's statement (task columns, queue position, delivery):
    ~50 µs of CPU (the bare SQL ~21 µs), against ~130 µs through SQLAlchemy's Connection.execute
    on a held connection and ~230 µs more for the pool checkout and the async adapter's greenlet
    (docs/benchmarks.md).

    SQLAlchemy still writes the SQL (compiled for this dialect) and converts what comes back (each
    column type's own result processor: datetimes, booleans, JSON), so a row reads as the same
    values by the same names. Bound values go to sqlite3 as they are: only strings and integers,
    which need no conversion. WAL lets this connection read beside the writers; `query_only` makes
    sure it never writes."""

    def __init__(self, statement: Select[Any], dialect: Dialect, path: str) -> None:
        compiled = statement.compile(dialect=dialect)
        self._sql = str(compiled)
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
        self._row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._processors = [column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns]
        self._path = path
        self._connection: sqlite3.Connection | None = None

    def first(self, **values: str | int) -> Any | None:
        """The first row for these values of the statement's bound parameters, or None."""
        if self._connection is None:
            self._connection = sqlite3.connect(self._path, check_same_thread=False)
            self._connection.execute("PRAGMA query_only=ON")
        bound = [values[name] if held is _GIVEN else held for name, held in self._parameters]
        found = self._connection.execute(self._sql, bound).fetchone()
        if found is None:
            return None
        return self._row._make(
            value if process is None or value is None else process(value)
            for process, value in zip(self._processors, found, strict=True)
        )

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
