"""`/docs` works offline: Swagger UI from the installed package, and "Authorize" + "Try it out" send the key."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Browser, Route, expect

from tests.support.keyed_server import KeyedServer
from tests.web.conftest import DESKTOP, screenshot


def test_the_schema_declares_the_bearer_scheme_on_authenticated_operations(server: KeyedServer) -> None:
    schema = httpx.get(server.base_url + "/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["bearer"]["description"],
    }
    paths = schema["paths"]
    for path, method in [("/api/vdr/videos/image2video", "post"), ("/api/vdr/videos/image2video", "get"),
                         ("/api/vdr/videos/image2video/{task_id}", "get"), ("/api/vdr/uploads", "post")]:
        assert paths[path][method]["security"] == [{"bearer": []}], (path, method)
    assert "security" not in paths["/api/vdr/models"]["get"]
    assert "security" not in paths["/healthz"]["get"]


def test_docs_load_no_outside_asset_and_try_it_out_sends_the_key(browser: Browser, server: KeyedServer) -> None:
    context = browser.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    outside: list[str] = []

    def only_this_server(route: Route) -> None:
        if route.request.url.startswith(server.base_url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_this_server)
    page = context.new_page()
    page.goto(server.base_url + "/docs")
    page.get_by_role("button", name=re.compile("Authorize")).first.click()
    page.get_by_label("auth-bearer-value").fill(server.keys["alice"]["api_key"])
    page.get_by_role("button", name="Apply credentials").click()
    page.locator(".modal-ux button.btn-done").click()

    operation = page.locator("#operations-extensions-list_tasks_api_vdr_videos_image2video_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table tbody .response-col_status").first).to_have_text("200")
    expect(operation.locator(".curl-command, .request-url").first).to_be_visible()
    expect(operation.locator(".live-responses-table")).to_contain_text('"next_cursor"')
    screenshot(page, "docs-try-it-out", full_page=False)
    context.close()
    assert outside == []
