"""The application factory: the API role's services (api/services.py) behind the routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.openapi.utils import get_openapi

from stillmotion import __version__
from stillmotion.api import routes_control, routes_files, routes_openai, routes_service, routes_tasks
from stillmotion.api.errors import install_error_handlers
from stillmotion.api.request_limits import RequestLimitMiddleware
from stillmotion.api.routes_web import install_pages
from stillmotion.api.services import api_services
from stillmotion.api.storable import refuse_unstorable_text
from stillmotion.config import Settings, get_settings
from stillmotion.media.framing import FRAME_SIZES

DESCRIPTION = """Turns a still image and an optional prompt into a short MP4.

Speaks the image2video API of the hosted service: create a task, poll it, get a
webhook, download the video. Every answer is `{"code", "message", "data"}`.
Authenticate with `Authorization: Bearer <JWT or API key>` ("Authorize" above takes either).

**The video's shape follows the image**: its aspect ratio is snapped to the nearest of
16:9, 9:16 and 1:1 and the image is cropped to fill it (a 4:3 photo gives a square video).

"""


def frame_size_table() -> str:
    """SPEC's output-size table, as markdown, from the sizes the encoder uses."""
    buckets = list(next(iter(FRAME_SIZES.values())))
    rows = [f"| resolution | {' | '.join(buckets)} |", "|---" * (len(buckets) + 1) + "|"]
    for resolution, sizes in FRAME_SIZES.items():
        rows.append(f"| {resolution} | " + " | ".join(f"{w}×{h}" for w, h in sizes.values()) + " |")
    return "\n".join(rows) + "\n"


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


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API role; in embedded mode (the default) its lifespan also runs the worker role."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with api_services(settings) as services:
            app.state.services = services
            yield

    app = FastAPI(
        title="stillmotion",
        version=__version__,
        description=DESCRIPTION + frame_size_table(),
        lifespan=lifespan,
        # On every route, present and future: text the database cannot hold never reaches it.
        dependencies=[Depends(refuse_unstorable_text)],
        docs_url=None,  # served by routes_web from installed assets, not a CDN
        redoc_url=None,
    )
    app.add_middleware(RequestLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    install_error_handlers(app)
    app.openapi = lambda: _openapi_without_422(app)  # type: ignore[method-assign]
    app.include_router(routes_tasks.router)
    app.include_router(routes_control.router)
    app.include_router(routes_files.router)
    app.include_router(routes_service.router)
    app.include_router(routes_openai.router)
    install_pages(app)
    return app
