"""A task's whole life through the API, in this process (TestClient, SQLite): create, poll,
download, list, cancel, idempotent replays, uploads, service routes. Every answer is checked
field by field, so a mutant in the API layer fails here, where mutation testing can see it
(docs/testing.md). Only the tests that need a video use the rendering app (the embedded worker
renders one-second clips with the motion engine); the others use the parked app, whose tasks
stay pending (tests/api_inprocess/apps.py)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from stillmotion.api import task_creation
from stillmotion.api.schemas import MAX_SEED
from tests.api_inprocess.apps import issue_key, running_app
from tests.support.images import encode, landscape
from tests.support.tasks import TASKS

IMAGE = encode(landscape(640, 360))
DATA_URL = "data:image/jpeg;base64," + base64.b64encode(IMAGE).decode()
PUBLIC = "http://testserver.example"
BODY = {"model_name": "bach-1.0-preview", "image_url": DATA_URL, "resolution": "720p", "duration": 1, "fps": 24,
        "enhance_prompt": False}


def _app(tmp_path_factory: pytest.TempPathFactory, parked: bool) -> Iterator[tuple[TestClient, Any]]:
    data_dir = tmp_path_factory.mktemp("parked" if parked else "lifecycle")
    with running_app(data_dir, parked=parked, public_url=PUBLIC, credits_enabled=True,
                     fetch_allow=["127.0.0.1"]) as client:  # fmt: skip
        issued = issue_key(client, "erin", 50)
        client.headers["Authorization"] = f"Bearer {issued.api_key}"
        yield client, issued


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    """The rendering app: its tasks end with a video."""
    yield from _app(tmp_path_factory, parked=False)


@pytest.fixture(scope="session")
def parked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    """The parked app: its tasks stay pending."""
    yield from _app(tmp_path_factory, parked=True)


@pytest.fixture
def client(served: tuple[TestClient, Any]) -> TestClient:
    return served[0]


@pytest.fixture
def waiting(parked: tuple[TestClient, Any]) -> TestClient:
    return parked[0]


def _ok(response: Any) -> Any:
    body = response.json()
    assert response.status_code == 200 and body["code"] == 200 and body["message"] == "Success", response.text
    return body["data"]


def _wait(client: TestClient, task_id: str, status: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        task = _ok(client.get(f"{TASKS}/{task_id}"))
        if task["status"] == status or time.monotonic() > deadline:
            assert task["status"] == status, task
            return task
        time.sleep(0.05)


@pytest.fixture(scope="session")
def finished(served: tuple[TestClient, Any]) -> dict[str, Any]:
    client = served[0]
    created = client.post(TASKS, json={**BODY, "seed": 42, "prompt": "waves roll in", "callback_url": None})
    data = _ok(created)
    assert set(data) == {"task_id", "create_at"} and isinstance(data["create_at"], int)
    assert "Idempotent-Replayed" not in created.headers
    return _wait(client, data["task_id"], "TASK_SUCCEEDED")


def test_a_finished_task_reads_back_in_full(finished: dict[str, Any]) -> None:
    task_id = finished["task_id"]
    assert finished["video_url"] == f"{PUBLIC}/files/videos/{task_id}.mp4"
    assert (finished["message"], finished["progress"], finished["seed"], finished["failure_code"]) == (
        "Video generation completed successfully", 100, 42, None)
    assert finished["created_at"] <= finished["updated_at"] and finished["completed_at"] >= finished["created_at"]
    assert isinstance(finished["notes"], list)
    for absent in ("queue_position", "expires_at", "video_deleted", "cancelled", "callback"):
        assert absent not in finished


def test_the_video_downloads(client: TestClient, finished: dict[str, Any]) -> None:
    response = client.get(f"/files/videos/{finished['task_id']}.mp4")
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    assert response.content[4:8] == b"ftyp"
    missing = client.get("/files/videos/00000000-0000-4000-8000-000000000000.mp4")
    assert missing.status_code == 404 and missing.json()["code"] == 1200


def _pending(client: TestClient, **changes: Any) -> str:
    """A task of the parked app: created, and pending until cancelled."""
    return str(_ok(client.post(TASKS, json={**BODY, **changes}))["task_id"])


def test_a_pending_task_reads_back(waiting: TestClient) -> None:
    task = _ok(waiting.get(f"{TASKS}/{_pending(waiting, seed=9)}"))
    assert (task["status"], task["message"], task["progress"], task["seed"], task["completed_at"]) == (
        "TASK_PENDING", "Task is queued.", 0, 9, None)
    assert "video_url" not in task and task["created_at"] == task["updated_at"]


def test_a_task_without_a_seed_draws_one_from_the_whole_range_a_client_may_send(
        waiting: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """The drawn seed is one a client could have sent (0 to MAX_SEED, both ends), so a user can
    replay the task with it; `seed_requested` stays False. The draw is made to take its top."""
    bounds: list[int] = []

    def highest(bound: int) -> int:
        bounds.append(bound)
        return bound - 1

    monkeypatch.setattr(task_creation.secrets, "randbelow", highest)
    task = _ok(waiting.get(f"{TASKS}/{_pending(waiting)}"))
    assert (bounds, task["seed"]) == ([MAX_SEED + 1], MAX_SEED)
    assert _ok(waiting.get(f"{TASKS}/{_pending(waiting, seed=MAX_SEED)}"))["seed"] == MAX_SEED


def test_unknown_and_foreign_tasks_are_not_found(waiting: TestClient) -> None:
    task_id = _pending(waiting)
    response = waiting.get(f"{TASKS}/no-such-task")
    assert (response.status_code, response.json()["code"], response.json()["data"]) == (404, 1200, None)
    other = issue_key(waiting, "frank", 0)
    theirs = waiting.get(f"{TASKS}/{task_id}", headers={"Authorization": f"Bearer {other.api_key}"})
    assert (theirs.status_code, theirs.json()["code"]) == (404, 1200)
    assert _ok(waiting.get(f"{TASKS}/{task_id}"))["task_id"] == task_id


def test_a_finished_task_cannot_be_cancelled(client: TestClient, finished: dict[str, Any]) -> None:
    response = client.post(f"{TASKS}/{finished['task_id']}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, 1201)
    assert response.json()["message"] == "Task has already finished; it can no longer be cancelled."
    unknown = client.post(f"{TASKS}/00000000-0000-4000-8000-000000000000/cancel")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 1200)


def test_cancel_stops_a_task_and_refunds_it(waiting: TestClient) -> None:
    task_id = _pending(waiting, duration=6)
    cancelled = _ok(waiting.post(f"{TASKS}/{task_id}/cancel"))
    assert (cancelled["status"], cancelled["failure_code"], cancelled["cancelled"]) == ("TASK_FAILED", 5003, True)
    assert cancelled["message"] == "Task was cancelled by the client." and "video_url" not in cancelled
    again = _ok(waiting.get(f"{TASKS}/{task_id}"))
    assert (again["status"], again["cancelled"]) == ("TASK_FAILED", True)
    twice = waiting.post(f"{TASKS}/{task_id}/cancel")
    assert (twice.status_code, twice.json()["code"]) == (409, 1201)


def test_an_idempotent_retry_returns_the_same_task(waiting: TestClient) -> None:
    key = {"Idempotency-Key": "retry-1"}
    first = waiting.post(TASKS, json={**BODY, "seed": 1}, headers=key)
    second = waiting.post(TASKS, json={"seed": 1, **BODY}, headers=key)
    assert _ok(first)["task_id"] == _ok(second)["task_id"]
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    conflict = waiting.post(TASKS, json={**BODY, "seed": 2}, headers=key)
    assert (conflict.status_code, conflict.json()["code"]) == (409, 1202)


def test_listing_pages_with_a_cursor(waiting: TestClient) -> None:
    pending, failed = _pending(waiting), _pending(waiting)
    _ok(waiting.post(f"{TASKS}/{failed}/cancel"))
    everything = _ok(waiting.get(f"{TASKS}?limit=100"))
    ids = [task["task_id"] for task in everything["tasks"]]
    assert everything["next_cursor"] is None and {pending, failed} <= set(ids)
    first = _ok(waiting.get(f"{TASKS}?limit=1"))
    assert [task["task_id"] for task in first["tasks"]] == ids[:1] and first["next_cursor"]
    created, last_id = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    assert last_id == ids[0]
    rest = _ok(waiting.get(f"{TASKS}?limit=100&cursor={first['next_cursor']}"))
    assert [task["task_id"] for task in rest["tasks"]] == ids[1:]
    for status, present, absent in (("TASK_PENDING", pending, failed), ("TASK_FAILED", failed, pending)):
        page = _ok(waiting.get(f"{TASKS}?status={status}&limit=100"))["tasks"]
        assert {task["status"] for task in page} == {status}
        assert present in [task["task_id"] for task in page] and absent not in [task["task_id"] for task in page]
    assert _ok(waiting.get(f"{TASKS}"))["tasks"][0]["task_id"] == ids[0]  # default page, newest first


def test_an_upload_is_served_back_and_renders(client: TestClient) -> None:
    uploaded = _ok(client.post("/api/vdr/uploads", files={"file": ("photo.jpg", IMAGE, "image/jpeg")}))
    url = uploaded["image_url"]
    assert url.startswith(f"{PUBLIC}/files/uploads/") and url.endswith(".jpg")
    served = client.get(url.removeprefix(PUBLIC))
    assert served.status_code == 200 and served.content == IMAGE and served.headers["content-type"] == "image/jpeg"
    task_id = _ok(client.post(TASKS, json={**BODY, "image_url": url}))["task_id"]
    _wait(client, task_id, "TASK_SUCCEEDED")


def test_a_signed_jwt_authenticates(waiting: TestClient, parked: tuple[TestClient, Any]) -> None:
    issued, task_id = parked[1], _pending(waiting)
    now = int(time.time())
    token = jwt.encode({"iss": issued.access_key, "exp": now + 60, "nbf": now - 5}, issued.secret_key, algorithm="HS256")
    response = waiting.get(f"{TASKS}/{task_id}", headers={"Authorization": f"Bearer {token}"})
    assert _ok(response)["task_id"] == task_id
    forged = jwt.encode({"iss": issued.access_key, "exp": now + 60}, "a wrong secret of thirty-two bytes or more", algorithm="HS256")
    refused = waiting.get(f"{TASKS}/{task_id}", headers={"Authorization": f"Bearer {forged}"})
    assert (refused.status_code, refused.json()["code"]) == (401, 1101)
    missing = waiting.get(f"{TASKS}/{task_id}", headers={"Authorization": ""})
    assert (missing.status_code, missing.json()["code"]) == (401, 1100)


def test_service_routes(client: TestClient) -> None:
    assert _ok(client.get("/healthz")) == {"status": "ok"}
    assert _ok(client.get("/readyz")) == {"status": "ready"}
    models = _ok(client.get("/api/vdr/models"))["models"]
    assert models == [{"model_name": "bach-1.0-preview", "engine": "motion", "family": None, "ready": True}]
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and "stillmotion_tasks_created_total" in metrics.text


def test_the_openai_face_creates_retrieves_lists_downloads_and_deletes(client: TestClient, finished: dict[str, Any]) -> None:
    created = client.post("/v1/videos", json={"prompt": "waves", "input_reference": {"image_url": DATA_URL},
                                               "size": "1920x1080", "seconds": "1.4", "enhance_prompt": False})  # fmt: skip
    video = created.json()
    assert created.status_code == 200, created.text
    assert (video["object"], video["model"], video["seconds"], video["prompt"], video["error"]) == (
        "video", "bach-1.0-preview", "1", "waves", None)
    assert video["status"] in ("queued", "in_progress") and video["remixed_from_video_id"] is None
    deadline = time.monotonic() + 120
    while (current := client.get(f"/v1/videos/{video['id']}")).json()["status"] != "completed":
        assert current.headers["openai-poll-after-ms"] == "500" and time.monotonic() < deadline, current.text
        time.sleep(0.05)
    done = current.json()
    assert "openai-poll-after-ms" not in current.headers
    assert (done["size"], done["progress"], done["expires_at"]) == ("1920x1080", 100, None)
    content = client.get(f"/v1/videos/{video['id']}/content")
    assert content.status_code == 200 and content.content[4:8] == b"ftyp"
    listed = client.get("/v1/videos?limit=1&order=desc").json()
    assert (listed["object"], listed["first_id"], listed["last_id"]) == ("list", video["id"], video["id"])
    assert listed["has_more"] is True and [item["id"] for item in listed["data"]] == [video["id"]]
    older = client.get(f"/v1/videos?after={video['id']}&limit=100").json()
    assert video["id"] not in [item["id"] for item in older["data"]] and older["has_more"] is False
    oldest = client.get("/v1/videos?order=asc&limit=1").json()["data"][0]["id"]
    assert oldest != video["id"]

    deleted = client.delete(f"/v1/videos/{video['id']}")
    assert deleted.json() == {"id": video["id"], "object": "video.deleted", "deleted": True}
    gone = client.get(f"/v1/videos/{video['id']}").json()
    assert gone["video_deleted"] is True and gone["status"] == "completed"
    assert client.get(f"/files/videos/{video['id']}.mp4").status_code == 404


def test_the_openai_face_answers_in_its_error_shape(waiting: TestClient) -> None:
    missing = waiting.get("/v1/videos/no-such-video")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "No video with id no-such-video.", "type": "invalid_request_error",
                                        "param": None, "code": "not_found"}}  # fmt: skip
    bad_seconds = waiting.post("/v1/videos", json={"input_reference": DATA_URL, "seconds": "zero"}).json()["error"]
    assert (bad_seconds["param"], bad_seconds["code"]) == ("seconds", "invalid_value")
    no_image = waiting.post("/v1/videos", json={"prompt": "x"}).json()["error"]
    assert (no_image["param"], no_image["message"]) == (
        "input_reference", "input_reference is required: an image file, or an image URL.")
    for query, param in (("order=sideways", "order"), ("limit=0", "limit"), ("limit=101", "limit"),
                         ("after=nope", "after")):  # fmt: skip
        answer = waiting.get(f"/v1/videos?{query}")
        assert (answer.status_code, answer.json()["error"]["param"]) == (400, param), query


def test_the_openai_face_takes_a_multipart_upload_and_cancels_by_delete(waiting: TestClient) -> None:
    created = waiting.post("/v1/videos", data={"prompt": "waves", "seconds": "6", "enhance_prompt": "false"},
                           files={"input_reference": ("photo.jpg", IMAGE, "image/jpeg")})  # fmt: skip
    video = created.json()
    assert created.status_code == 200 and (video["seconds"], video["status"]) == ("6", "queued"), created.text
    deleted = waiting.delete(f"/v1/videos/{video['id']}")
    assert deleted.json()["deleted"] is True
    failed = waiting.get(f"/v1/videos/{video['id']}").json()
    assert (failed["status"], failed["error"], failed["cancelled"]) == (
        "failed", {"code": "cancelled", "message": "Task was cancelled by the client."}, True)
    no_content = waiting.get(f"/v1/videos/{video['id']}/content")
    assert no_content.status_code == 404 and no_content.json()["error"]["message"] == (
        f"Video {video['id']} has no content: it is failed.")


def test_the_openai_face_pages_and_retrieves_pending_videos(waiting: TestClient) -> None:
    auth = {"Authorization": f"Bearer {issue_key(waiting, 'gina', 100).api_key}"}
    empty = waiting.get("/v1/videos", headers=auth).json()
    assert empty == {"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False}
    body = {"input_reference": DATA_URL, "seconds": "2", "size": "1080x1920", "enhance_prompt": False}
    ids = [waiting.post("/v1/videos", json=body, headers=auth).json()["id"] for _ in range(3)]

    def page(query: str) -> tuple[list[str], Any, Any, bool]:
        listed = waiting.get(f"/v1/videos?{query}", headers=auth).json()
        return [video["id"] for video in listed["data"]], listed["first_id"], listed["last_id"], listed["has_more"]

    newest_first = ids[::-1]
    assert page("") == (newest_first, ids[2], ids[0], False)
    assert page("order=desc&limit=2") == (newest_first[:2], ids[2], ids[1], True)
    assert page(f"after={ids[1]}") == ([ids[0]], ids[0], ids[0], False)
    assert page("order=asc&limit=2") == (ids[:2], ids[0], ids[1], True)
    assert page(f"order=asc&after={ids[0]}&limit=100") == (ids[1:], ids[1], ids[2], False)
    for query, message in (("order=newest", "order must be asc or desc."),
                           ("limit=x", "limit must be an integer between 1 and 100."),
                           ("limit=-1", "limit must be an integer between 1 and 100."),
                           (f"after={ids[0]}x", "after must be the id of a video from a previous page.")):  # fmt: skip
        assert waiting.get(f"/v1/videos?{query}", headers=auth).json()["error"]["message"] == message, query

    retrieved = waiting.get(f"/v1/videos/{ids[0]}", headers=auth)
    video = retrieved.json()
    assert retrieved.headers["openai-poll-after-ms"] == "500"
    assert (video["status"], video["seconds"], video["size"], video["progress"]) == ("queued", "2", None, 0)
    positions = [waiting.get(f"/v1/videos/{video_id}", headers=auth).json()["queue_position"] for video_id in ids]
    assert positions == [positions[0], positions[0] + 1, positions[0] + 2] and positions[0] >= 1
    variant = waiting.get(f"/v1/videos/{ids[0]}/content?variant=thumbnail", headers=auth).json()["error"]
    assert (variant["param"], variant["message"]) == (
        "variant", "variant must be video: thumbnails and spritesheets are not served.")
    queued = waiting.get(f"/v1/videos/{ids[0]}/content", headers=auth)
    assert (queued.status_code, queued.json()["error"]["message"]) == (404, f"Video {ids[0]} has no content: it is queued.")
    for method, path in (("DELETE", "/v1/videos/nope"), ("GET", "/v1/videos/nope/content")):
        unknown = waiting.request(method, path, headers=auth)
        assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "No video with id nope."), path
    not_an_object = waiting.post("/v1/videos", content=b"[1]", headers={**auth, "Content-Type": "application/json"})
    assert (not_an_object.status_code, not_an_object.json()["error"]["message"]) == (
        400, "Request body must be a JSON object or multipart form.")


def test_a_pending_task_shows_its_queue_position_and_callback(waiting: TestClient) -> None:
    auth = {"Authorization": f"Bearer {issue_key(waiting, 'hana', 100).api_key}"}
    first = _ok(waiting.post(TASKS, json={**BODY, "callback_url": "http://127.0.0.1:9/hook"}, headers=auth))["task_id"]
    second = _ok(waiting.post(TASKS, json=BODY, headers=auth))["task_id"]
    shown = _ok(waiting.get(f"{TASKS}/{first}", headers=auth))
    assert shown["callback"] == {"status": "waiting", "attempts": 0, "last_status_code": None, "last_error": None}
    later = _ok(waiting.get(f"{TASKS}/{second}", headers=auth))
    assert "callback" not in later and later["queue_position"] == shown["queue_position"] + 1


@pytest.mark.parametrize(("fmt", "extension"), [("JPEG", "jpg"), ("PNG", "png"), ("WEBP", "webp"), ("GIF", "gif"),
                                                ("BMP", "bmp"), ("TIFF", "tiff")])  # fmt: skip
def test_an_upload_keeps_its_format(waiting: TestClient, fmt: str, extension: str) -> None:
    data = encode(landscape(480, 320), fmt)
    uploaded = _ok(waiting.post("/api/vdr/uploads", files={"file": (f"photo.{extension}", data, "image/x")}))
    assert uploaded["bytes"] == len(data) and uploaded["image_url"].endswith(f".{extension}")
    assert waiting.get(uploaded["image_url"].removeprefix(PUBLIC)).content == data


def test_an_upload_over_10_mb_is_refused(waiting: TestClient) -> None:
    data = encode(landscape(480, 320), "BMP")

    def upload(size: int) -> Any:
        padded = data + b"\0" * (size - len(data))  # a BMP takes trailing bytes
        return waiting.post("/api/vdr/uploads", files={"file": ("big.bmp", padded, "image/bmp")}).json()

    assert upload(10 * 1024 * 1024 + 1) == {"code": 1001, "message": "Image is larger than 10 MB.", "data": None}
    assert upload(10 * 1024 * 1024)["message"] != "Image is larger than 10 MB."


def test_an_upload_the_storage_cannot_keep_is_not_now(waiting: TestClient) -> None:
    """A storage that cannot write (here its uploads folder is a file) answers 503/5001 with a
    Retry-After, not 500: to the uploading client it is "try again later"."""
    uploads = waiting.app.state.services.storage.uploads_dir  # type: ignore[attr-defined]
    aside = uploads.with_name("uploads-aside")
    uploads.rename(aside)
    uploads.write_bytes(b"")
    try:
        refused = waiting.post("/api/vdr/uploads", files={"file": ("photo.jpg", IMAGE, "image/jpeg")})
    finally:
        uploads.unlink()
        aside.rename(uploads)
    assert (refused.status_code, refused.headers["Retry-After"]) == (503, "60")
    assert refused.json() == {"code": 5001, "message": "Storage failed: the upload could not be stored (not a directory).",
                              "data": None}  # fmt: skip


def test_a_pending_task_has_no_preview(waiting: TestClient) -> None:
    task_id = _pending(waiting)
    pending = waiting.get(f"{TASKS}/{task_id}/preview")
    assert (pending.status_code, pending.json()) == (404, {"code": 1200, "message": "The task has no preview image now.",
                                                           "data": None})  # fmt: skip
    unknown = waiting.get(f"{TASKS}/no-such-task/preview")
    assert (unknown.status_code, unknown.json()["message"]) == (404, "Task not found.")
