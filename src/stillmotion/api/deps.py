"""The API's services as typed route dependencies: `tasks: TasksDep` instead of `request.app.state`.

Each is read from the one `ApiServices` the application's lifespan built, so a route's signature
says exactly what it uses, and a test or another role can build the same services itself.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine

from stillmotion.api.services import ApiServices
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog
from stillmotion.executors.base import Executor
from stillmotion.storage import Storage
from stillmotion.tasks.repository import TaskRepository


def services(request: Request) -> ApiServices:
    return cast(ApiServices, request.app.state.services)


async def _settings(request: Request) -> Settings:
    return services(request).settings


async def _database(request: Request) -> AsyncEngine:
    return services(request).store.db


async def _tasks(request: Request) -> TaskRepository:
    return services(request).store.tasks


async def _storage(request: Request) -> Storage:
    return services(request).storage


async def _executor(request: Request) -> Executor:
    return services(request).executor


async def _models(request: Request) -> ModelCatalog:
    return services(request).models


SettingsDep = Annotated[Settings, Depends(_settings)]
DatabaseDep = Annotated[AsyncEngine, Depends(_database)]
TasksDep = Annotated[TaskRepository, Depends(_tasks)]
StorageDep = Annotated[Storage, Depends(_storage)]
ExecutorDep = Annotated[Executor, Depends(_executor)]
ModelsDep = Annotated[ModelCatalog, Depends(_models)]
