"""Liveness, readiness and the model list."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from stillmotion.api.errors import error_response
from stillmotion.api.routes_tasks import success
from stillmotion.api.schemas import Envelope, ModelList
from stillmotion.errors import NotReady
from stillmotion.metrics import QUEUE_DEPTH

router = APIRouter()


@router.get("/healthz", tags=["service"])
async def healthz() -> JSONResponse:
    """The process answers. Says nothing about its dependencies (that is /readyz)."""
    return success({"status": "ok"})


@router.get("/readyz", tags=["service"])
async def readyz(request: Request) -> JSONResponse:
    """Ready to take tasks: the database answers, the executor runs, every model loaded."""
    state = request.app.state
    problems: list[str] = []
    try:
        async with state.db.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        problems.append("database unreachable")
    if not state.executor_running:
        problems.append("executor not running")
    if not state.engines.loaded:
        problems.append("models still loading")
    problems.extend(state.engines.problems)
    if problems:
        return error_response(NotReady("Not ready: " + "; ".join(problems) + ".", retry_after=5))
    return success({"status": "ready"})


@router.get("/metrics", tags=["service"], response_class=PlainTextResponse)
async def metrics(request: Request) -> PlainTextResponse:
    """Prometheus metrics: tasks created and finished by outcome, render time, queue depth."""
    QUEUE_DEPTH.set(len(request.app.state.executor.queued))
    return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/vdr/models", tags=["extensions"], response_model=Envelope[ModelList])
async def list_models(request: Request) -> JSONResponse:
    """Extension: the model names this server serves, and their engines."""
    engines = request.app.state.engines
    return success({"models": [engines.describe(name) for name in engines.model_names]})
