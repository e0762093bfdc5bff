"""What api/app.py documents and api/routes_web.py serves: the OpenAPI schema (no 422 anywhere,
the frame-size table in the description) and the browser pages with their offline assets. The
app is built without its lifespan: none of this needs the store or the worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Security
from fastapi.security import HTTPBearer
from pydantic import BaseModel
from fastapi.testclient import TestClient
from swagger_ui_bundle import swagger_ui_path

from stillmotion import __version__
from stillmotion.api.app import DESCRIPTION, _openapi_without_422, create_app, frame_size_table
from stillmotion.config import Settings
from stillmotion.web import STATIC_DIR

FRAME_SIZE_TABLE = """| resolution | 16:9 | 9:16 | 1:1 |
|---|---|---|---|
| 720p | 1280×720 | 720×1280 | 720×720 |
| 1080p | 1920×1080 | 1080×1920 | 1080×1080 |
"""


# Built for each test (a fraction of a millisecond; the schema about 0.1 s): mutation testing
# runs, for a mutant, only the tests during which the mutated function was called.
@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    return TestClient(create_app(Settings(data_dir=tmp_path)))


@pytest.fixture
def schema(client: TestClient) -> dict[str, Any]:
    return client.app.openapi()  # type: ignore[attr-defined,no-any-return]


def test_the_frame_size_table_is_specs() -> None:
    assert frame_size_table() == FRAME_SIZE_TABLE


def test_the_schema_describes_the_service(schema: dict[str, Any]) -> None:
    assert schema["info"] == {"title": "stillmotion", "version": __version__, "description": DESCRIPTION + FRAME_SIZE_TABLE}
    assert schema["info"]["description"].endswith("(a 4:3 photo gives a square video).\n\n" + FRAME_SIZE_TABLE)


def test_the_schema_documents_no_422(schema: dict[str, Any]) -> None:
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert len(operations) >= 15
    assert [operation["operationId"] for operation in operations if "422" in operation.get("responses", {})] == []
    names = set(schema["components"]["schemas"])
    assert not names & {"HTTPValidationError", "ValidationError"} and {"CreateTaskRequest", "ErrorEnvelope"} <= names


def test_the_other_responses_stay(schema: dict[str, Any]) -> None:
    create = schema["paths"]["/api/vdr/videos/image2video"]["post"]["responses"]
    assert {"200", "400", "401"} <= set(create)
    assert set(schema["paths"]["/v1/videos/{video_id}"]) == {"get", "delete"}


def test_the_schema_is_built_once(client: TestClient) -> None:
    app = client.app
    assert app.openapi() is app.openapi() is app.openapi_schema  # type: ignore[attr-defined]
    assert client.get("/openapi.json").json() == app.openapi()  # type: ignore[attr-defined]


def test_the_pages_are_not_in_the_schema(schema: dict[str, Any]) -> None:
    assert not {"/", "/docs", "/redoc", "/web", "/docs-assets"} & set(schema["paths"])


def test_the_web_page(client: TestClient) -> None:
    response = client.get("/")
    assert (response.status_code, response.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert response.content == (STATIC_DIR / "index.html").read_bytes()


def test_the_api_reference_loads_everything_from_this_server(client: TestClient) -> None:
    response = client.get("/docs")
    assert (response.status_code, response.headers["content-type"]) == (200, "text/html; charset=utf-8")
    page = response.text
    for line in ('<link type="text/css" rel="stylesheet" href="/docs-assets/swagger-ui.css">',
                 '<link rel="shortcut icon" href="/web/icon.svg">', "<title>stillmotion API</title>",
                 '<script src="/docs-assets/swagger-ui-bundle.js"></script>', "url: '/openapi.json',",
                 '"persistAuthorization": true,'):  # fmt: skip
        assert line in page, line
    assert "cdn" not in page.lower() and "http" not in page.lower()


@pytest.mark.parametrize(
    ("path", "file"),
    [
        ("/web/icon.svg", STATIC_DIR / "icon.svg"),
        ("/docs-assets/swagger-ui.css", f"{swagger_ui_path}/swagger-ui.css"),
        ("/docs-assets/swagger-ui-bundle.js", f"{swagger_ui_path}/swagger-ui-bundle.js"),
    ],
)
def test_the_pages_assets_are_served(client: TestClient, path: str, file: Any) -> None:
    response = client.get(path)
    assert (response.status_code, response.content) == (200, Path(file).read_bytes())


class _Shown(BaseModel):
    x: int


def _small_app(kind: str) -> FastAPI:
    app = FastAPI(title="small", version="1")
    if kind == "model":

        @app.get("/m", response_model=_Shown)
        async def shown() -> _Shown:
            return _Shown(x=1)

    elif kind == "security":

        @app.get("/s")
        async def secured(token: Any = Security(HTTPBearer())) -> None: ...

    return app


@pytest.mark.parametrize(
    ("kind", "components"),
    [("empty", None), ("model", {"schemas": {"_Shown"}}), ("security", {"securitySchemes": {"HTTPBearer"}})],
)
def test_an_app_without_validation_errors_keeps_its_schema(kind: str, components: dict[str, set[str]] | None) -> None:
    """No components, components without schemas, schemas without the validation errors: all as they are."""
    schema = _openapi_without_422(_small_app(kind))
    assert schema["info"] == {"title": "small", "version": "1"}
    shown = {name: set(value) for name, value in schema["components"].items()} if "components" in schema else None
    assert shown == components
