"""A task's whole life through the API, in this process (TestClient, SQLite, the embedded worker
rendering one-second clips with the motion engine): create, poll, download, list, cancel,
idempotent replays, uploads, service routes. Every answer is checked field by field, so a
mutant in the API layer fails here, where mutation testing can see it (docs/testing.md)."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from stillmotion.api.app import create_app
from stillmotion.config import Settings
from stillmotion.tasks.migrate import upgrade_database
from tests.support.images import encode, landscape
from tests.support.tasks import TASKS

IMAGE = encode(landscape(640, 360))
DATA_URL = "data:image/jpeg;base64," + base64.b64encode(IMAGE).decode()
PUBLIC = "http://testserver.example"
BODY = {"model_name": "bach-1.0-preview", "image_url": DATA_URL, "resolution": "720p", "duration": 1, "fps": 24,
        "enhance_prompt": False}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Any]]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("lifecycle"), moderation_semantic=False,
                        rate_limit_per_minute=0, public_url=PUBLIC, credits_enabled=True)  # fmt: skip
    upgrade_database(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        issued = client.portal.call(client.app.state.services.store.accounts.issue_key, "erin", 50)  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {issued.api_key}"
        yield client, issued


@pytest.fixture
def client(served: tuple[TestClient, Any]) -> TestClient:
    return served[0]


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


@pytest.fixture(scope="module")
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


def test_unknown_and_foreign_tasks_are_not_found(client: TestClient, served: tuple[TestClient, Any],
                                                 finished: dict[str, Any]) -> None:  # fmt: skip
    response = client.get(f"{TASKS}/no-such-task")
    assert (response.status_code, response.json()["code"], response.json()["data"]) == (404, 1200, None)
    other = client.portal.call(client.app.state.services.store.accounts.issue_key, "frank", 0)  # type: ignore[attr-defined]
    theirs = client.get(f"{TASKS}/{finished['task_id']}", headers={"Authorization": f"Bearer {other.api_key}"})
    assert (theirs.status_code, theirs.json()["code"]) == (404, 1200)


def test_a_finished_task_cannot_be_cancelled(client: TestClient, finished: dict[str, Any]) -> None:
    response = client.post(f"{TASKS}/{finished['task_id']}/cancel")
    assert (response.status_code, response.json()["code"]) == (409, 1201)
    assert response.json()["message"] == "Task has already finished; it can no longer be cancelled."
    unknown = client.post(f"{TASKS}/00000000-0000-4000-8000-000000000000/cancel")
    assert (unknown.status_code, unknown.json()["code"]) == (404, 1200)


def test_cancel_stops_a_task_and_refunds_it(client: TestClient) -> None:
    task_id = _ok(client.post(TASKS, json={**BODY, "duration": 6}))["task_id"]
    cancelled = _ok(client.post(f"{TASKS}/{task_id}/cancel"))
    assert (cancelled["status"], cancelled["failure_code"], cancelled["cancelled"]) == ("TASK_FAILED", 5003, True)
    assert cancelled["message"] == "Task was cancelled by the client." and "video_url" not in cancelled
    again = _ok(client.get(f"{TASKS}/{task_id}"))
    assert (again["status"], again["cancelled"]) == ("TASK_FAILED", True)


def test_an_idempotent_retry_returns_the_same_task(client: TestClient) -> None:
    key = {"Idempotency-Key": "retry-1"}
    first = client.post(TASKS, json={**BODY, "seed": 1}, headers=key)
    second = client.post(TASKS, json={"seed": 1, **BODY}, headers=key)
    assert _ok(first)["task_id"] == _ok(second)["task_id"]
    assert second.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    conflict = client.post(TASKS, json={**BODY, "seed": 2}, headers=key)
    assert (conflict.status_code, conflict.json()["code"]) == (409, 1202)
    _wait(client, _ok(first)["task_id"], "TASK_SUCCEEDED")


def test_listing_pages_with_a_cursor(client: TestClient, finished: dict[str, Any]) -> None:
    everything = _ok(client.get(f"{TASKS}?limit=100"))
    ids = [task["task_id"] for task in everything["tasks"]]
    assert everything["next_cursor"] is None and finished["task_id"] in ids and len(ids) >= 2
    first = _ok(client.get(f"{TASKS}?limit=1"))
    assert [task["task_id"] for task in first["tasks"]] == ids[:1] and first["next_cursor"]
    created, last_id = json.loads(base64.urlsafe_b64decode(first["next_cursor"] + "=="))
    assert last_id == ids[0]
    rest = _ok(client.get(f"{TASKS}?limit=100&cursor={first['next_cursor']}"))
    assert [task["task_id"] for task in rest["tasks"]] == ids[1:]
    succeeded = _ok(client.get(f"{TASKS}?status=TASK_SUCCEEDED&limit=100"))
    assert {task["status"] for task in succeeded["tasks"]} == {"TASK_SUCCEEDED"}
    assert finished["task_id"] in [task["task_id"] for task in succeeded["tasks"]]
    assert _ok(client.get(f"{TASKS}"))["tasks"][0]["task_id"] == ids[0]  # default page, newest first


def test_an_upload_is_served_back_and_renders(client: TestClient) -> None:
    uploaded = _ok(client.post("/api/vdr/uploads", files={"file": ("photo.jpg", IMAGE, "image/jpeg")}))
    url = uploaded["image_url"]
    assert url.startswith(f"{PUBLIC}/files/uploads/") and url.endswith(".jpg")
    served = client.get(url.removeprefix(PUBLIC))
    assert served.status_code == 200 and served.content == IMAGE and served.headers["content-type"] == "image/jpeg"
    task_id = _ok(client.post(TASKS, json={**BODY, "image_url": url}))["task_id"]
    _wait(client, task_id, "TASK_SUCCEEDED")


def test_a_signed_jwt_authenticates(client: TestClient, served: tuple[TestClient, Any],
                                    finished: dict[str, Any]) -> None:  # fmt: skip
    issued = served[1]
    now = int(time.time())
    token = jwt.encode({"iss": issued.access_key, "exp": now + 60, "nbf": now - 5}, issued.secret_key, algorithm="HS256")
    response = client.get(f"{TASKS}/{finished['task_id']}", headers={"Authorization": f"Bearer {token}"})
    assert _ok(response)["task_id"] == finished["task_id"]
    forged = jwt.encode({"iss": issued.access_key, "exp": now + 60}, "a wrong secret of thirty-two bytes or more", algorithm="HS256")
    refused = client.get(f"{TASKS}/{finished['task_id']}", headers={"Authorization": f"Bearer {forged}"})
    assert (refused.status_code, refused.json()["code"]) == (401, 1101)
    missing = client.get(f"{TASKS}/{finished['task_id']}", headers={"Authorization": ""})
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


def test_the_openai_face_answers_in_its_error_shape(client: TestClient) -> None:
    missing = client.get("/v1/videos/no-such-video")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"message": "No video with id no-such-video.", "type": "invalid_request_error",
                                        "param": None, "code": "not_found"}}  # fmt: skip
    bad_seconds = client.post("/v1/videos", json={"input_reference": DATA_URL, "seconds": "zero"}).json()["error"]
    assert (bad_seconds["param"], bad_seconds["code"]) == ("seconds", "invalid_value")
    no_image = client.post("/v1/videos", json={"prompt": "x"}).json()["error"]
    assert (no_image["param"], no_image["message"]) == (
        "input_reference", "input_reference is required: an image file, or an image URL.")
    for query, param in (("order=sideways", "order"), ("limit=0", "limit"), ("limit=101", "limit"),
                         ("after=nope", "after")):  # fmt: skip
        answer = client.get(f"/v1/videos?{query}")
        assert (answer.status_code, answer.json()["error"]["param"]) == (400, param), query


def test_the_openai_face_takes_a_multipart_upload_and_cancels_by_delete(client: TestClient) -> None:
    created = client.post("/v1/videos", data={"prompt": "waves", "seconds": "6", "enhance_prompt": "false"},
                          files={"input_reference": ("photo.jpg", IMAGE, "image/jpeg")})  # fmt: skip
    video = created.json()
    assert created.status_code == 200 and video["seconds"] == "6", created.text
    deleted = client.delete(f"/v1/videos/{video['id']}")
    assert deleted.json()["deleted"] is True
    failed = client.get(f"/v1/videos/{video['id']}").json()
    assert (failed["status"], failed["error"], failed["cancelled"]) == (
        "failed", {"code": "cancelled", "message": "Task was cancelled by the client."}, True)
    no_content = client.get(f"/v1/videos/{video['id']}/content")
    assert no_content.status_code == 404 and no_content.json()["error"]["message"] == (
        f"Video {video['id']} has no content: it is failed.")
