"""Liveness, readiness and the model list."""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from stillmotion.api.deps import DatabaseDep, ExecutorDep, ModelsDep
from stillmotion.api.errors import error_response
from stillmotion.api.routes_tasks import success
from stillmotion.api.schemas import Envelope, ModelList
from stillmotion.errors import NotReady
from stillmotion.executors.base import QueueUnavailable
from stillmotion.metrics import QUEUE_DEPTH

router = APIRouter()


@router.get("/healthz", tags=["service"])
async def healthz() -> JSONResponse:
    """The process answers. Says nothing about its dependencies (that is /readyz)."""
    return success({"status": "ok"})


@router.get("/readyz", tags=["service"])
async def readyz(db: DatabaseDep, executor: ExecutorDep, models: ModelsDep) -> JSONResponse:
    """Ready to take tasks: the database and the task queue answer, and (embedded mode) every
    model with weights is loaded. The motion engine has none: its code is imported by its first
    render. An API replica in distributed mode loads no models."""
    problems: list[str] = []
    try:
        async with db.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        problems.append("database unreachable")
    try:
        await executor.queue_depth()
    except QueueUnavailable:
        problems.append("task queue unreachable")
    if not models.loaded:
        problems.append("models still loading")
    problems.extend(models.problems)
    if problems:
        return error_response(NotReady("Not ready: " + "; ".join(problems) + ".", retry_after=5))
    return success({"status": "ready"})


@router.get("/metrics", tags=["service"], response_class=PlainTextResponse)
async def metrics(executor: ExecutorDep) -> PlainTextResponse:
    """Prometheus metrics: tasks created and finished by outcome, render time, queue depth."""
    with suppress(QueueUnavailable):  # the gauge keeps its last value; /readyz reports the outage
        QUEUE_DEPTH.set(await executor.queue_depth())
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/vdr/models", tags=["extensions"], response_model=Envelope[ModelList])
async def list_models(models: ModelsDep) -> JSONResponse:
    """Extension: the model names this server serves, and their engines."""
    return success({"models": [models.describe(name) for name in models.model_names]})
