"""api/errors.py and the field checks of api/schemas.py, case by case, with exact sentences.

How validation errors become one 400/1000 sentence, what a body that could not be read means,
which face answers, what the framework's own 404/405 and an unexpected exception answer. The
handlers are driven through a small app of their own (install_error_handlers on routes that
raise each kind of error) and through the real app without its lifespan (no worker, no store):
nothing here renders."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Query
from fastapi.testclient import TestClient
from starlette.exceptions import HTTPException as StarletteHTTPException

from stillmotion.api.app import create_app
from stillmotion.api.errors import BODY_NOT_JSON, _parse_failure, error_response, install_error_handlers, invalid_field
from stillmotion.api.openai_videos import validated
from stillmotion.api.schemas import TaskView
from stillmotion.config import Settings
from stillmotion.errors import BodyTooLarge, InvalidField, RateLimited, StillmotionError

URL = "https://example.com/a.jpg"


@pytest.mark.parametrize(
    ("errors", "message", "field"),
    [
        ([{"type": "json_invalid", "loc": ("body", 7)}], BODY_NOT_JSON, None),
        ([{"type": "json_type", "loc": ("body", "x")}], BODY_NOT_JSON, None),
        ([{"type": "model_attributes_type", "loc": ("body",)}], BODY_NOT_JSON, None),
        ([{"type": "missing", "loc": ("body", "model_name")}], "Please provide model_name.", "model_name"),
        ([{"type": "missing", "loc": ("body", "image_url")}], "Please provide image_url.", "image_url"),
        ([{"type": "missing", "loc": ("body", "duration")}], "Please provide duration (1 to 6 seconds).", "duration"),
        ([{"type": "missing", "loc": ("body", "file")}], "Please provide the image as the multipart/form-data field named file.", "file"),
        ([{"type": "missing", "loc": ("body", "prompt")}], "Prompt must be a string of at most 10000 characters.", "prompt"),
        ([{"type": "int_type", "loc": ("body", "duration")}], "Duration must be between 1 and 6 seconds.", "duration"),
        ([{"type": "int_parsing", "loc": ("query", "limit")}], "limit must be an integer between 1 and 100.", "limit"),
        ([{"type": "enum", "loc": ("query", "status")}],
         "status must be one of TASK_PENDING, TASK_PROCESSING, TASK_SUCCEEDED, TASK_FAILED.", "status"),
        ([{"type": "value_error", "loc": ("query", "cursor")}], "cursor must be a next_cursor value from a previous page.", "cursor"),
        ([{"type": "value_error", "loc": ("body", "file")}], "file must be the image, sent as the multipart/form-data field named file.", "file"),
        ([{"type": "string_type", "loc": ("body", "colour")}], "colour is invalid.", "colour"),
        ([{"type": "string_type", "loc": ("body", 0, "seed")}], "Seed must be an integer between 0 and 10000000.", "seed"),
        ([{"type": "int_type", "loc": ("body", 0)}, {"type": "missing", "loc": ("body", "fps")}], "fps must be 24 or 30.", "fps"),
        ([{"type": "int_type", "loc": ("seed",)}, {"type": "missing", "loc": ("body", "resolution")}],
         "Please provide resolution (720p or 1080p).", "resolution"),
        ([{"loc": ("body", "cfg_scale")}], "cfg_scale must be a number between 1.0 and 15.0.", "cfg_scale"),
        # A body that is not a JSON object is named before any field error that follows it.
        ([{"type": "json_invalid", "loc": ("body", 7)}, {"type": "missing", "loc": ("body", "model_name")}], BODY_NOT_JSON, None),
        ([{"type": "json_type", "loc": ("body", 0)}, {"type": "missing", "loc": ("body", "model_name")}], BODY_NOT_JSON, None),
        ([{"type": "model_attributes_type", "loc": ("body",)}, {"type": "missing", "loc": ("body", "image_url")}],
         BODY_NOT_JSON, None),
        ([{"type": "missing"}], BODY_NOT_JSON, None),
        ([], BODY_NOT_JSON, None),
    ],
)  # fmt: skip
def test_validation_errors_become_the_first_fields_rule(errors: list[dict[str, Any]], message: str, field: str | None) -> None:
    refused = invalid_field(errors)
    assert (type(refused), refused.message, refused.field, refused.code) == (InvalidField, message, field, 1000)


BASE = {"model_name": "bach-1.0-preview", "image_url": URL, "resolution": "720p", "duration": 4}
IMAGE_RULE = "image_url must be an http or https URL of at most 2048 characters."
CALLBACK_RULE = "callback_url must be an http or https URL of at most 500 characters, with a port (if any) in 1..65535."


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"image_url": "ftp://example.com/a.jpg"}, IMAGE_RULE),
        ({"image_url": "http://"}, IMAGE_RULE),
        ({"image_url": "https://"}, IMAGE_RULE),
        ({"image_url": "data:text/plain;base64,AA"}, IMAGE_RULE),
        ({"image_url": "data:image"}, IMAGE_RULE),
        ({"image_url": "example.com/http://a.jpg"}, IMAGE_RULE),
        ({"image_url": "http://e.com/" + "a" * 2036}, IMAGE_RULE),
        ({"callback_url": "https://example.com:0/h"}, CALLBACK_RULE),
        ({"callback_url": "https://example.com:65536/h"}, CALLBACK_RULE),
        ({"callback_url": "data:image/png;base64,AA"}, CALLBACK_RULE),
        ({"callback_url": "https://"}, CALLBACK_RULE),
        ({"callback_url": "https://e.com/" + "a" * 487}, CALLBACK_RULE),
        ({"callback_url": "mailto:x@example.com"}, CALLBACK_RULE),
        ({"fps": 25}, "fps must be 24 or 30."),
        ({"fps": True}, "fps must be 24 or 30."),
        ({"fps": 30.0}, "fps must be 24 or 30."),
    ],
)  # fmt: skip
def test_a_url_or_fps_that_breaks_its_rule_is_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidField) as refused:
        validated({**BASE, **change})
    assert (refused.value.message, refused.value.field) == (message, next(iter(change)))


@pytest.mark.parametrize(
    "change",
    [
        {"image_url": "data:image/png;base64,AA"}, {"image_url": "DATA:IMAGE/PNG;base64,AA"},
        {"image_url": "HTTP://EXAMPLE.COM/A.JPG"}, {"image_url": "http://x"},
        {"image_url": "http://e.com/" + "a" * 2035},  # 2048 characters
        {"image_url": "http://[::1"},  # only screened here; the image rules judge the address at create
        {"callback_url": "https://example.com:65535/h"}, {"callback_url": "HTTPS://example.com/h"},
        {"callback_url": "https://e.com/" + "a" * 486},  # 500 characters
        {"callback_url": None}, {"fps": 24}, {"fps": 30},
    ],
)  # fmt: skip
def test_a_url_or_fps_within_its_rule_is_taken(change: dict[str, Any]) -> None:
    request = validated({**BASE, **change})
    name, value = next(iter(change.items()))
    assert getattr(request, name) == value


def _view(video_url: str | None) -> TaskView:
    return TaskView(task_id="t", status="TASK_PENDING", message="m", video_url=video_url, progress=0, created_at=1,
                    updated_at=2, completed_at=None, seed=3, enhanced_prompt=None, failure_code=None)  # fmt: skip


def test_a_task_view_shows_video_url_only_when_there_is_one() -> None:
    assert "video_url" not in _view(None).to_json()
    assert _view("http://v/1.mp4").to_json() == {
        "task_id": "t", "status": "TASK_PENDING", "message": "m", "video_url": "http://v/1.mp4", "progress": 0,
        "created_at": 1, "updated_at": 2, "completed_at": None, "seed": 3, "enhanced_prompt": None, "failure_code": None,
    }  # fmt: skip


def _raised(status: int, cause: BaseException | None, detail: str = "There was an error parsing the body") -> StarletteHTTPException:
    exc = StarletteHTTPException(status, detail)
    exc.__cause__ = cause
    return exc


def test_a_body_parse_failure_keeps_our_own_error() -> None:
    ours = InvalidField("prompt contains a character the database cannot store.", field="prompt")
    assert _parse_failure(_raised(400, ours)) is ours
    too_large = BodyTooLarge()
    assert _parse_failure(_raised(400, too_large)) is too_large


@pytest.mark.parametrize(
    ("status", "cause", "detail", "kind", "message"),
    [
        (413, None, "x", BodyTooLarge, "Request body too large."),
        (413, ValueError("x"), "x", BodyTooLarge, "Request body too large."),
        (400, UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "x", InvalidField,
         "Request body is not valid UTF-8."),
        (400, RecursionError(), "x", InvalidField, BODY_NOT_JSON),
        (400, None, "Missing boundary in multipart.", InvalidField,
         "Request body could not be parsed: Missing boundary in multipart."),
    ],
)  # fmt: skip
def test_a_body_parse_failure_means(status: int, cause: BaseException | None, detail: str, kind: type, message: str) -> None:
    failure = _parse_failure(_raised(status, cause, detail))
    assert (type(failure), failure.message) == (kind, message)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/vdr/models", b'{"code":1303,"message":"slow down","data":null}'),
        ("/v1", b'{"code":1303,"message":"slow down","data":null}'),
        ("/v1/videos", b'{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}'),
    ],
)  # fmt: skip
def test_each_face_answers_in_its_shape(path: str, body: bytes) -> None:
    response = error_response(RateLimited("slow down", retry_after=9), path)
    assert (response.status_code, response.body, response.headers["retry-after"]) == (429, body, "9")
    plain = error_response(StillmotionError("boom"), path)
    assert plain.status_code == 500 and "retry-after" not in plain.headers


def test_the_default_path_is_the_main_face() -> None:
    assert error_response(InvalidField("x")).body == b'{"code":1000,"message":"x","data":null}'


def _handled_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/teapot")
    async def teapot() -> None:
        raise StarletteHTTPException(418, "I'm a teapot")

    @app.get("/gone")
    async def gone() -> None:
        raise StarletteHTTPException(404, "custom detail", headers={"X-Why": "gone"})

    @app.get("/busy")
    async def busy() -> None:
        raise RateLimited(retry_after=3)

    @app.get("/v1/busy")
    async def busy_v1() -> None:
        raise RateLimited(retry_after=3)

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("secret detail")

    @app.get("/v1/broken")
    async def broken_v1() -> None:
        raise RuntimeError("secret detail")

    @app.get("/page")
    async def page(limit: int = Query()) -> dict[str, int]:
        return {"limit": limit}

    @app.post("/page")
    async def post_page() -> None: ...

    @app.put("/other")
    async def other() -> None: ...

    return app


@pytest.fixture(scope="module")
def handled() -> Iterator[TestClient]:
    with TestClient(_handled_app(), raise_server_exceptions=False) as client:
        yield client


def test_our_errors_are_answered_with_their_code_and_retry_after(handled: TestClient) -> None:
    main, v1 = handled.get("/busy"), handled.get("/v1/busy")
    assert (main.status_code, main.json(), main.headers["retry-after"]) == (
        429, {"code": 1303, "message": "Rate limit exceeded.", "data": None}, "3")
    assert (v1.status_code, v1.json()["error"]["code"], v1.headers["retry-after"]) == (429, "rate_limit_exceeded", "3")


def test_a_framework_not_found_keeps_its_headers_and_says_not_found(handled: TestClient) -> None:
    response = handled.get("/gone")
    assert (response.status_code, response.json(), response.headers["x-why"]) == (
        404, {"code": 1200, "message": "Not found.", "data": None}, "gone")
    assert "allow" not in response.headers


def test_a_query_that_breaks_its_rule_is_1000(handled: TestClient) -> None:
    response = handled.get("/page", params={"limit": "x"})
    assert (response.status_code, response.json()) == (
        400, {"code": 1000, "message": "limit must be an integer between 1 and 100.", "data": None})
    assert handled.get("/page", params={"limit": "5"}).json() == {"limit": 5}


def test_a_wrong_method_names_every_method_served_there(handled: TestClient) -> None:
    response = handled.delete("/page")
    assert (response.status_code, response.json(), response.headers["allow"]) == (
        405, {"code": 1200, "message": "Method not allowed.", "data": None}, "GET, POST")
    assert handled.get("/other").headers["allow"] == "PUT"


@pytest.mark.parametrize("path", ["/teapot", "/broken"])
def test_anything_unexpected_is_5000_with_a_request_id(handled: TestClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="stillmotion.api"):
        response = handled.get(path, headers={"X-Request-ID": "req-42"})
    assert (response.status_code, response.json(), response.headers["x-request-id"]) == (
        500, {"code": 5000, "message": "Internal error (request id req-42).", "data": None}, "req-42")
    assert [record.getMessage() for record in caplog.records] == [f"unhandled error, request_id=req-42 path={path}"]
    assert caplog.records[0].exc_info is not None
    fresh = handled.get(path)
    request_id = fresh.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id) and fresh.json()["message"] == f"Internal error (request id {request_id})."


@pytest.fixture
def bare(tmp_path: Path) -> TestClient:
    """The real app without its lifespan: routing, middleware and handlers, no store or worker.
    Built for each test, so that mutation testing sees create_app called by each."""
    settings = Settings(data_dir=tmp_path, max_body_bytes=100)
    return TestClient(create_app(settings), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("method", "path", "status", "body", "allow"),
    [
        ("GET", "/nothing", 404, {"code": 1200, "message": "Not found.", "data": None}, None),
        ("GET", "/v1/nothing", 404,
         {"error": {"message": "Not found.", "type": "invalid_request_error", "param": None, "code": "not_found"}}, None),
        ("DELETE", "/healthz", 405, {"code": 1200, "message": "Method not allowed.", "data": None}, "GET"),
        ("PUT", "/api/vdr/videos/image2video", 405, {"code": 1200, "message": "Method not allowed.", "data": None},
         "GET, POST"),
        ("POST", "/v1/videos/abc", 405,
         {"error": {"message": "Method not allowed.", "type": "invalid_request_error", "param": None,
                    "code": "not_found"}}, "GET, DELETE"),
        ("GET", "/redoc", 404, {"code": 1200, "message": "Not found.", "data": None}, None),
    ],
)  # fmt: skip
def test_the_apps_framework_answers(bare: TestClient, method: str, path: str, status: int, body: dict[str, Any],
                                    allow: str | None) -> None:  # fmt: skip
    response = bare.request(method, path)
    assert (response.status_code, response.json(), response.headers.get("allow")) == (status, body, allow)


def test_the_apps_body_limit_is_the_settings(bare: TestClient) -> None:
    over = bare.post("/api/vdr/uploads", content=b"x" * 101)
    assert (over.status_code, over.json()["code"]) == (413, 1003)
    assert bare.post("/api/vdr/uploads", content=b"x" * 100).status_code != 413



def test_anything_unexpected_under_v1_is_answered_in_openai_shape(handled: TestClient) -> None:
    response = handled.get("/v1/broken", headers={"X-Request-ID": "req-7"})
    assert (response.status_code, response.json(), response.headers["x-request-id"]) == (500, {"error": {
        "message": "Internal error (request id req-7).", "type": "server_error", "param": None, "code": "server_error"}},
        "req-7")  # fmt: skip


UNSTORABLE = " contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)."


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/healthz?x=%00", {"code": 1000, "message": "x" + UNSTORABLE, "data": None}),
        ("/healthz?%00=1", {"code": 1000, "message": "A field or parameter name" + UNSTORABLE, "data": None}),
        ("/v1/videos/a%00b", {"error": {"message": "video_id" + UNSTORABLE, "type": "invalid_request_error",
                                        "param": None, "code": "invalid_value"}}),
    ],
)  # fmt: skip
def test_the_app_refuses_unstorable_text_on_every_route(bare: TestClient, path: str, answer: dict[str, Any]) -> None:
    response = bare.get(path)
    assert (response.status_code, response.json()) == (400, answer)


def test_a_json_body_that_is_not_an_object_is_still_read_for_unstorable_text(bare: TestClient) -> None:
    response = bare.post("/api/vdr/videos/image2video", content=b'["\\u0000"]', headers={"Content-Type": "application/json"})
    assert (response.status_code, response.json()["message"]) == (400, "A field or parameter name" + UNSTORABLE)
