"""The pages a person opens in a browser: the web page at `/` and the API reference at `/docs`.

Both work offline: the page is plain files from the package (no build step), and Swagger UI's
script and styles come from the installed `swagger-ui-bundle` package instead of a CDN.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from stillmotion.web import STATIC_DIR

router = APIRouter(include_in_schema=False)

WEB_ASSETS = "/web"
DOCS_ASSETS = "/docs-assets"


@router.get("/")
async def web_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


@router.get("/docs")
async def api_reference() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="stillmotion API",
        swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{WEB_ASSETS}/icon.svg",
        swagger_ui_parameters={"persistAuthorization": True},
    )


def install_pages(app: FastAPI) -> None:
    """The routes above and the two asset folders they load from."""
    app.include_router(router)
    app.mount(WEB_ASSETS, StaticFiles(directory=STATIC_DIR), name="web")
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")
