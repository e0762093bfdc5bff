"""The OpenAI-style videos API, driven by the real `openai` package pointed at the server."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest

from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost
from tests.support.videos import video_shape

# The package marks its videos methods deprecated (OpenAI's own service is closing); ours is not.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def oai(client_server: KeyedServer) -> Iterator[openai.OpenAI]:
    client = openai.OpenAI(base_url=client_server.base_url + "/v1", api_key=client_server.keys["openai"]["api_key"],
                           max_retries=0)  # fmt: skip
    yield client
    client.close()


def test_create_with_an_image_poll_download_list_delete(oai: openai.OpenAI, photo: bytes, tmp_path: Path) -> None:
    video = oai.videos.create(
        prompt="clouds drift slowly", input_reference=("photo.jpg", photo, "image/jpeg"), size="1280x720", seconds="4",
        extra_body={"fps": 24, "seed": 42, "generate_audio": False},
    )  # fmt: skip
    assert (video.object, video.status, video.model, video.seconds) == ("video", "queued", "bach-1.0-preview", "4")
    assert video.progress == 0 and video.created_at > 0 and video.error is None

    done = oai.videos.poll(video.id)
    assert done.status == "completed" and done.progress == 100 and done.completed_at >= done.created_at
    assert done.size == "1280x720" and getattr(done, "seed") == 42

    oai.videos.download_content(done.id).write_to_file(tmp_path / "video.mp4")
    width, height, rate, frames = video_shape(tmp_path / "video.mp4")
    assert (width, height, rate, frames) == (1280, 720, 24, 96)

    listed = [item.id for item in oai.videos.list(limit=1)]  # one per page: the client follows `after`
    assert listed[0] == done.id and len(listed) == len(set(listed)) >= 1
    assert [item.id for item in oai.videos.list(limit=2, order="asc")] == list(reversed(listed))

    deleted = oai.videos.delete(done.id)
    assert (deleted.id, deleted.deleted, deleted.object) == (done.id, True, "video.deleted")
    with pytest.raises(openai.NotFoundError):
        oai.videos.download_content(done.id)


def test_create_and_poll_with_a_url_a_portrait_and_1080p(oai: openai.OpenAI, image_host: ImageHost) -> None:
    url = image_host.add("/portrait.png", encode(landscape(540, 960), "PNG"), "image/png")
    video = oai.videos.create_and_poll(prompt="a breeze", seconds="12", size="1080x1920", extra_body={"image_url": url})
    assert video.status == "completed" and video.seconds == "6" and video.size == "1080x1920"


def test_errors_come_in_openai_shape(oai: openai.OpenAI, client_server: KeyedServer, photo: bytes) -> None:
    reference = ("photo.jpg", photo, "image/jpeg")
    with pytest.raises(openai.BadRequestError) as caught:
        oai.videos.create(prompt="x", input_reference=reference, size="wide")
    assert caught.value.body == {"message": 'size must be "WIDTHxHEIGHT", e.g. "1280x720".',
                                 "type": "invalid_request_error", "param": "size", "code": "invalid_value"}  # fmt: skip
    with pytest.raises(openai.BadRequestError) as caught:
        oai.videos.create(prompt="x", input_reference=reference, extra_body={"fps": 25})
    assert caught.value.body["param"] == "fps" and "fps must be 24 or 30" in caught.value.body["message"]
    with pytest.raises(openai.BadRequestError) as caught:
        oai.videos.create(prompt="x", model="sora-2", input_reference=reference)
    assert caught.value.body["param"] == "model"
    with pytest.raises(openai.BadRequestError) as caught:
        oai.videos.create(prompt="x")
    assert caught.value.body["param"] == "input_reference"
    with pytest.raises(openai.BadRequestError) as caught:
        oai.videos.create(prompt="x", input_reference=("note.txt", b"not an image", "text/plain"))
    assert caught.value.body["code"] == "invalid_image"
    with pytest.raises(openai.NotFoundError) as caught:
        oai.videos.retrieve("00000000-0000-4000-8000-000000000000")
    assert caught.value.body["type"] == "invalid_request_error"

    stranger = openai.OpenAI(base_url=client_server.base_url + "/v1", api_key="sm_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as caught:
        stranger.videos.list()
    assert caught.value.body["code"] == "invalid_api_key"
    poor = openai.OpenAI(base_url=client_server.base_url + "/v1", api_key=client_server.keys["poor"]["api_key"],
                         max_retries=0)  # fmt: skip
    with pytest.raises(openai.PermissionDeniedError) as caught:
        poor.videos.create(prompt="x", input_reference=reference, seconds="6")
    assert caught.value.body["code"] == "insufficient_quota"


def test_json_body_and_deleting_a_running_video_cancels_it(client_server: KeyedServer, photo: bytes) -> None:
    """curl's way: JSON with a data: URL; DELETE on a running video cancels and refunds it."""
    headers = {"Authorization": f"Bearer {client_server.keys['openai']['api_key']}"}
    reference = "data:image/jpeg;base64," + base64.b64encode(photo).decode()
    with httpx.Client(base_url=client_server.base_url, headers=headers, timeout=30) as http:
        created = http.post("/v1/videos", json={"prompt": "waves", "input_reference": reference, "size": "1920x1080",
                                                "seconds": 6})  # fmt: skip
        assert created.status_code == 200, created.text
        video_id = created.json()["id"]
        assert http.delete(f"/v1/videos/{video_id}").json() == {"id": video_id, "object": "video.deleted",
                                                                "deleted": True}  # fmt: skip
        gone = http.get(f"/v1/videos/{video_id}").json()
        assert gone["status"] == "failed" and gone["error"]["code"] == "cancelled"
        assert http.get("/v1/videos", params={"order": "sideways"}).json()["error"]["param"] == "order"
        assert http.post("/v1/videos", content=b"[1]", headers={"Content-Type": "application/json"}).status_code == 400


def test_the_schema_documents_the_face(client_server: KeyedServer) -> None:
    paths = httpx.get(client_server.base_url + "/openapi.json").json()["paths"]
    create = paths["/v1/videos"]["post"]
    assert "input_reference" in create["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert create["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/OpenAIError")
    assert {"get", "delete"} <= set(paths["/v1/videos/{video_id}"]) and "/v1/videos/{video_id}/content" in paths
