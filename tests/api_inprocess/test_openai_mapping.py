"""The OpenAI face's mapping, case by case (api/openai_videos.py, api/openai_errors.py): how `size`
and `seconds` snap, how a form is read, how a body becomes our fields, how a task becomes a
video object and how our errors become OpenAI's. Pure functions, so each case pins the exact
value in microseconds; test_lifecycle.py drives the same code through the routes."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from starlette.datastructures import FormData, Headers, UploadFile

from stillmotion.api.openai_errors import error_kind, openai_error
from stillmotion.api.openai_videos import create_fields, duration_for, form_body, resolution_for, validated, video_object
from stillmotion.errors import InvalidField, InvalidToken, RateLimited, StillmotionError, TaskNotFound
from stillmotion.tasks.models import Task

URL = "https://example.com/a.jpg"
SIZE_RULE = 'size must be "WIDTHxHEIGHT", e.g. "1280x720".'
SECONDS_RULE = "seconds must be a positive number of seconds."


@pytest.mark.parametrize(
    ("size", "resolution"),
    [
        ("1280x720", "720p"), ("720x1280", "720p"), ("1920x1080", "1080p"), ("1080x1920", "1080p"),
        (" 1920 X 1080 ", "1080p"), ("1080×1080", "1080p"), ("1280X720", "720p"), ("99999x720", "720p"),
        ("900x900", "720p"),  # a tie between 720 and 1080 goes to the first, 720p
        ("901x5000", "1080p"), ("899x5000", "720p"), ("1x1", "720p"), ("5000x4000", "1080p"),
    ],
)  # fmt: skip
def test_size_picks_the_resolution_nearest_its_short_side(size: str, resolution: str) -> None:
    assert resolution_for(size) == resolution


@pytest.mark.parametrize(
    "size", ["0x720", "1280x0", "00x00", "123456x720", "1280x720p", "x1280x720", "1280*720", "1280", "", "1280 720",
             "-1280x720", 1280, None, ["1280x720"]],
)  # fmt: skip
def test_a_size_that_is_not_width_by_height_is_refused(size: Any) -> None:
    with pytest.raises(InvalidField) as refused:
        resolution_for(size)
    assert (refused.value.message, refused.value.field) == (SIZE_RULE, "size")


@pytest.mark.parametrize(
    ("seconds", "duration"),
    [
        (1, 1), ("1", 1), (4, 4), ("6", 6), (6, 6), (1.4, 1), ("1.4", 1), (1.5, 2), (2.5, 2), (3.5, 4), (0.2, 1),
        (0.5, 1), (6.4, 6), (7, 6), ("100", 6), (1e300, 6), (" 3 ", 3),
    ],
)  # fmt: skip
def test_seconds_snap_into_one_to_six(seconds: Any, duration: int) -> None:
    assert duration_for(seconds) == duration


@pytest.mark.parametrize(
    "seconds", [0, "0", -1, "-0.5", "zero", "", None, True, False, "nan", float("nan"), "inf", "1e400", "-inf", [4], {}],
)  # fmt: skip
def test_seconds_that_are_not_a_positive_number_are_refused(seconds: Any) -> None:
    with pytest.raises(InvalidField) as refused:
        duration_for(seconds)
    assert (refused.value.message, refused.value.field) == (SECONDS_RULE, "seconds")


@pytest.mark.parametrize(
    ("body", "image_url", "fields"),
    [
        pytest.param({"input_reference": URL}, None,
                     {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 4, "image_url": URL},
                     id="defaults"),
        pytest.param({"input_reference": {"image_url": URL}, "model": "m", "size": "1920x1080", "seconds": "2.6",
                      "prompt": "p", "seed": 7}, None,
                     {"prompt": "p", "seed": 7, "model_name": "m", "resolution": "1080p", "duration": 3, "image_url": URL},
                     id="openai-keys-mapped"),
        pytest.param({"model": "", "size": None, "input_reference": URL}, None,
                     {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 4, "image_url": URL},
                     id="empty-model-and-null-size"),
        pytest.param({"model": "m", "model_name": "ours", "size": "1920x1080", "resolution": "720p", "seconds": "1",
                      "duration": 5, "image_url": URL}, None,
                     {"model_name": "ours", "resolution": "720p", "duration": 5, "image_url": URL},
                     id="our-own-fields-win"),
        pytest.param({"input_reference": "http://other.example/b.jpg"}, "http://uploaded/c.jpg",
                     {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 4,
                      "image_url": "http://uploaded/c.jpg"},
                     id="an-uploaded-file-wins"),
        pytest.param({"image_url": URL, "input_reference": None}, None,
                     {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 4, "image_url": URL},
                     id="our-image-url"),
    ],
)  # fmt: skip
def test_an_openai_body_becomes_our_fields(body: dict[str, Any], image_url: str | None, fields: dict[str, Any]) -> None:
    assert create_fields(body, image_url) == fields


@pytest.mark.parametrize(
    ("reference", "message"),
    [
        (None, "input_reference is required: an image file, or an image URL."),
        ({"file_id": "file-1"}, "input_reference.file_id is not supported: send the image file or an image_url."),
        ({"image_url": 5, "file_id": "file-1"}, "input_reference.file_id is not supported: send the image file or an image_url."),
        ({"image_url": 5}, 'input_reference must be an image file, an image URL or {"image_url": ...}.'),
        ({}, 'input_reference must be an image file, an image URL or {"image_url": ...}.'),
        (5, 'input_reference must be an image file, an image URL or {"image_url": ...}.'),
        ([URL], 'input_reference must be an image file, an image URL or {"image_url": ...}.'),
    ],
)  # fmt: skip
def test_an_unusable_input_reference_is_refused(reference: Any, message: str) -> None:
    with pytest.raises(InvalidField) as refused:
        create_fields({"input_reference": reference}, None)
    assert (refused.value.message, refused.value.field) == (message, "image_url")


def _file(name: str) -> UploadFile:
    return UploadFile(io.BytesIO(b"\xff\xd8"), filename=name, headers=Headers({"content-type": "image/jpeg"}))


def test_a_form_is_read_as_json_typed_values() -> None:
    other, reference = _file("other.jpg"), _file("photo.jpg")
    form = FormData([
        ("other", other), ("prompt", "waves"), ("seconds", "6"), ("size", "1280x720"), ("seed", "42"),
        ("enhance_prompt", "false"), ("cfg_scale", "5.5"), ("fps", "thirty"), ("duration", "[" * 100_000),
        ("input_reference", reference), ("input_reference[image_url]", URL), ("input_reference[]", "x"),
        ("my_input_reference[image_url]", "y"), ("negative_prompt", "42"), ("generate_audio", "true"),
        ("enable_moderation", "null"),
    ])  # fmt: skip
    body, upload = form_body(form)
    assert upload is reference
    assert body == {
        "prompt": "waves", "seconds": "6", "size": "1280x720", "seed": 42, "enhance_prompt": False, "cfg_scale": 5.5,
        "fps": "thirty", "duration": "[" * 100_000, "input_reference": {"image_url": URL}, "input_reference[]": "x",
        "my_input_reference[image_url]": "y", "negative_prompt": "42", "generate_audio": True,
        "enable_moderation": None,
    }  # fmt: skip


def test_a_form_without_a_reference_file_has_no_upload() -> None:
    body, upload = form_body(FormData([("file", _file("photo.jpg")), ("input_reference[image_url]", URL)]))
    assert (body, upload) == ({"input_reference": {"image_url": URL}}, None)


@pytest.mark.parametrize(
    ("change", "message", "field"),
    [
        ({"duration": 9}, "Duration must be between 1 and 6 seconds.", "duration"),
        ({"fps": 25}, "fps must be 24 or 30.", "fps"),
        ({"seed": "42"}, "Seed must be an integer between 0 and 10000000.", "seed"),
        ({"resolution": None}, "Please provide resolution (720p or 1080p).", "resolution"),
        ({"image_url": "ftp://x"}, "image_url must be an http or https URL of at most 2048 characters.", "image_url"),
    ],
)  # fmt: skip
def test_our_fields_are_validated_with_the_main_faces_messages(change: dict[str, Any], message: str, field: str) -> None:
    fields = {"model_name": "bach-1.0-preview", "image_url": URL, "resolution": "720p", "duration": 4, **change}
    fields = {name: value for name, value in fields.items() if value is not None}
    with pytest.raises(InvalidField) as refused:
        validated(fields)
    assert (refused.value.message, refused.value.field) == (message, field)


def test_valid_fields_pass_through() -> None:
    request = validated({"model_name": "m", "image_url": URL, "resolution": "1080p", "duration": 2, "seed": 3})
    assert (request.model_name, request.resolution, request.duration, request.seed, request.fps) == ("m", "1080p", 2, 3, 30)


def _task(status: str, **values: Any) -> Task:
    return Task(id="t-1", model_name="bach-1.0-preview", status=status, prompt="waves", duration=3,
                message="a message", **values)  # fmt: skip


_DETAIL = {"progress": 40, "created_at": 100, "completed_at": None}


@pytest.mark.parametrize(
    ("status", "shown"),
    [("TASK_PENDING", "queued"), ("TASK_PROCESSING", "in_progress"), ("TASK_SUCCEEDED", "completed")],
)
def test_a_task_is_shown_as_a_video(status: str, shown: str) -> None:
    detail = {**_DETAIL, "expires_at": 900, "seed": 5, "queue_position": 0, "notes": [], "enhanced_prompt": None,
              "failure_code": None, "cancelled": False, "video_deleted": None, "ignored": 1}  # fmt: skip
    assert video_object(_task(status, plan={"size": "1280x720"}), detail) == {
        "id": "t-1", "object": "video", "model": "bach-1.0-preview", "status": shown, "progress": 40, "created_at": 100,
        "completed_at": None, "expires_at": 900, "error": None, "prompt": "waves", "seconds": "3", "size": "1280x720",
        "remixed_from_video_id": None, "seed": 5, "queue_position": 0, "notes": [], "cancelled": False,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("failure_code", "code"),
    [(1001, "invalid_image"), (1002, "moderation_blocked"), (5002, "engine_error"), (5003, "cancelled"),
     (5004, "timed_out"), (5005, "storage_error"), (5006, "motion_not_rendered"), (5999, "5999"), (None, "None")],
)  # fmt: skip
def test_a_failed_task_carries_its_error(failure_code: int | None, code: str) -> None:
    detail = {**_DETAIL, "failure_code": failure_code, "enhanced_prompt": "waves, slow push in", "video_deleted": True}
    video = video_object(_task("TASK_FAILED", failure_code=failure_code), detail)
    assert (video["status"], video["error"], video["size"], video["expires_at"]) == (
        "failed", {"code": code, "message": "a message"}, None, None)
    extras = {"enhanced_prompt": "waves, slow push in", "video_deleted": True}
    assert {name: video[name] for name in ("failure_code", "enhanced_prompt", "video_deleted") if name in video} == (
        extras if failure_code is None else {**extras, "failure_code": failure_code})


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (1000, ("invalid_request_error", "invalid_value")), (1001, ("invalid_request_error", "invalid_image")),
        (1002, ("invalid_request_error", "moderation_blocked")), (1003, ("invalid_request_error", "request_too_large")),
        (1100, ("authentication_error", "missing_authorization")), (1101, ("authentication_error", "invalid_api_key")),
        (1200, ("invalid_request_error", "not_found")), (1201, ("invalid_request_error", "video_not_cancellable")),
        (1202, ("invalid_request_error", "idempotency_key_reused")), (1302, ("insufficient_quota", "insufficient_quota")),
        (1303, ("rate_limit_error", "rate_limit_exceeded")), (5000, ("server_error", "server_error")),
        (5001, ("server_error", "service_unavailable")), (5005, ("server_error", "storage_error")),
        (4999, ("invalid_request_error", "4999")), (5002, ("server_error", "5002")), (1300, ("invalid_request_error", "1300")),
    ],
)  # fmt: skip
def test_our_codes_map_to_openai_kinds(code: int, kind: tuple[str, str]) -> None:
    assert error_kind(code) == kind


@pytest.mark.parametrize(
    ("exc", "status", "error"),
    [
        (InvalidField("bad seconds", field="duration"), 400,
         {"message": "bad seconds", "type": "invalid_request_error", "param": "seconds", "code": "invalid_value"}),
        (InvalidField("bad image", field="image_url"), 400,
         {"message": "bad image", "type": "invalid_request_error", "param": "input_reference", "code": "invalid_value"}),
        (InvalidField("bad model", field="model_name"), 400,
         {"message": "bad model", "type": "invalid_request_error", "param": "model", "code": "invalid_value"}),
        (InvalidField("bad size", field="resolution"), 400,
         {"message": "bad size", "type": "invalid_request_error", "param": "size", "code": "invalid_value"}),
        (InvalidField("bad seed", field="seed"), 400,
         {"message": "bad seed", "type": "invalid_request_error", "param": "seed", "code": "invalid_value"}),
        (InvalidField("no field"), 400,
         {"message": "no field", "type": "invalid_request_error", "param": None, "code": "invalid_value"}),
        (InvalidToken("Token has expired."), 401,
         {"message": "Token has expired.", "type": "authentication_error", "param": None, "code": "invalid_api_key"}),
        (TaskNotFound("No video."), 404,
         {"message": "No video.", "type": "invalid_request_error", "param": None, "code": "not_found"}),
        (StillmotionError(), 500,
         {"message": "Internal error.", "type": "server_error", "param": None, "code": "server_error"}),
    ],
)  # fmt: skip
def test_our_errors_answer_in_openai_shape(exc: StillmotionError, status: int, error: dict[str, Any]) -> None:
    response = openai_error(exc)
    assert (response.status_code, response.body) == (status, _json({"error": error}))
    assert "retry-after" not in response.headers


def test_an_openai_error_keeps_its_headers() -> None:
    response = openai_error(RateLimited(retry_after=7), {"Retry-After": "7"})
    assert (response.status_code, response.headers["retry-after"]) == (429, "7")


def _json(body: dict[str, Any]) -> bytes:
    return JSONResponse(body).body
