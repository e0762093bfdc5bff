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
from collections.abc import Iterable, Sequence
from typing import Any



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
