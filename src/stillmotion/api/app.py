"""The application factory: wires settings, store, storage, engines and executor to the routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from stillmotion import __version__
from stillmotion.api import routes_control, routes_files, routes_openai, routes_service, routes_tasks
from stillmotion.api.admission import warm_up
from stillmotion.api.body_limit import BodyLimitMiddleware
from stillmotion.api.errors import install_error_handlers
from stillmotion.api.rate_limits import AccountRateLimiter
from stillmotion.config import Settings, get_settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.executors.local import LocalExecutor
from stillmotion.pipeline.run import TaskRunner
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.db import create_engine, create_sessionmaker
from stillmotion.tasks.housekeeping import Housekeeper
from stillmotion.tasks.repository import TaskRepository
from stillmotion.webhooks import DeliveryStore, WebhookDispatcher

DESCRIPTION = """Turns a still image and an optional prompt into a short MP4.

Speaks the image2video API of the hosted service: create a task, poll it, get a
webhook, download the video. Every answer is `{"code", "message", "data"}`.
Authenticate with `Authorization: Bearer <JWT or API key>`.
"""


def _openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """FastAPI documents a 422 body we never send: validation answers 400/1000 in the envelope."""
    if app.openapi_schema is None:
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema


def _retention(settings: Settings) -> timedelta | None:
    hours = settings.video_retention_hours
    return timedelta(hours=hours) if hours is not None else None


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = create_engine(settings)
        sessions = create_sessionmaker(db)
        state = app.state
        state.settings = settings
        state.db = db
        state.accounts = AccountStore(sessions)
        state.storage = LocalStorage(settings)
        state.tasks = TaskRepository(sessions, video_url=state.storage.video_url, retention=_retention(settings))
        state.deliveries = DeliveryStore(sessions)
        state.rate_limiter = AccountRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage)
        state.engines = EngineRegistry(settings)
        await asyncio.to_thread(warm_up, settings)
        # Weights can take minutes to load: /readyz says when they are in.
        state.engines_loading = asyncio.create_task(asyncio.to_thread(state.engines.load_all))
        runner = TaskRunner(settings, state.tasks, state.storage, state.engines)
        state.executor = LocalExecutor(
            runner, settings.workers, settings.max_attempts, sweep_seconds=settings.lease_seconds / 2
        )
        background = [
            state.executor,
            WebhookDispatcher(state.deliveries, state.accounts, settings),
            Housekeeper(state.tasks, state.storage, settings.housekeeping_seconds),
        ]
        for service in background:
            await service.start()
        state.executor_running = True
        try:
            yield
        finally:
            state.executor_running = False
            for service in reversed(background):
                await service.stop()
            await db.dispose()

    app = FastAPI(
        title="stillmotion",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.openapi = lambda: _openapi_without_422(app)  # type: ignore[method-assign]
    app.include_router(routes_tasks.router)
    app.include_router(routes_control.router)
    app.include_router(routes_files.router)
    app.include_router(routes_service.router)
    app.include_router(routes_openai.router)
    return app
