"""The task store as both roles open it: one database engine and the repositories over it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from stillmotion.config import Settings
from stillmotion.storage import Storage
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.db import create_engine, create_sessionmaker
from stillmotion.tasks.repository import TaskRepository
from stillmotion.webhooks.store import DeliveryStore


@dataclass(frozen=True)
class TaskStore:
    db: AsyncEngine
    accounts: AccountStore
    tasks: TaskRepository
    deliveries: DeliveryStore

    @classmethod
    def open(cls, settings: Settings, storage: Storage) -> TaskStore:
        """`storage` turns a video key into the URL that callbacks carry."""
        db = create_engine(settings)
        sessions = create_sessionmaker(db)
        hours = settings.video_retention_hours
        tasks = TaskRepository(
            sessions,
            video_url=storage.video_url,
            retention=timedelta(hours=hours) if hours is not None else None,
            queue_per_model=settings.executor == "celery",
            writes=asyncio.Lock() if db.dialect.name == "sqlite" else None,
        )
        accounts = AccountStore(sessions, cache_seconds=settings.auth_cache_seconds)
        return cls(db=db, accounts=accounts, tasks=tasks, deliveries=DeliveryStore(sessions))

    async def close(self) -> None:
        self.tasks.close()
        await self.db.dispose()
