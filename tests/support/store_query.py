"""Read a server's database directly, whichever store it runs on (for what the API does not show)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from stillmotion.config import Settings
from tests.support.servers import ServerProcess


def query(server: ServerProcess, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    """The rows of one SELECT against `server`'s database (SQLite file or PostgreSQL)."""
    url = Settings(data_dir=server.data_dir, database_url=server.env.get("STILLMOTION_DATABASE_URL")).resolved_database_url

    async def run() -> list[tuple[Any, ...]]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                return [tuple(row) for row in (await connection.execute(text(sql), params)).all()]
        finally:
            await engine.dispose()

    return asyncio.run(run())
