"""A diffusion model name runs through the same API as the motion engine, loaded from local weights,
and its latent preview is served to the task's owner while it renders."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.conftest import TERMINAL, create_task, wait_for_task
from tests.diffusion.tiny_models import tiny_model_setting
from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost, ServerProcess
from tests.support.tasks import TASKS
from tests.support.videos import video_shape


@pytest.fixture(scope="module")
def diffusion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    root = tmp_path_factory.mktemp("diffusion-server")
    models = {"tiny-wan": {**tiny_model_setting(root / "weights", "wan2.1"), "preview": True}}
    server = KeyedServer(root / "data", ("dora", "eve"), STILLMOTION_MODELS=json.dumps(models), HF_HUB_OFFLINE="1",
                         STILLMOTION_LOG_LEVEL="INFO")
    with server.running(timeout=180):
        yield server


def test_a_task_on_a_diffusion_model_gives_the_requested_video(diffusion_server: KeyedServer,
                                                                image_host: ImageHost) -> None:
    url = image_host.add("/diffusion.jpg", encode(landscape(640, 360, seed=21)), "image/jpeg")
    with diffusion_server.client_for("dora") as client:
        models = {m["model_name"]: m for m in client.get("/api/vdr/models").json()["data"]["models"]}
        assert models["tiny-wan"] == {"model_name": "tiny-wan", "engine": "diffusion", "family": "wan", "ready": True}
        task = wait_for_task(client, create_task(client, model_name="tiny-wan", image_url=url, duration=1, fps=24,
                                                 prompt="waves roll in", seed=3), timeout=300)
    assert task["status"] == "TASK_SUCCEEDED", task
    assert video_shape(io.BytesIO(httpx.get(task["video_url"]).content)) == (1280, 720, 24, 24)


def test_the_running_tasks_preview_is_served_to_its_owner_only(diffusion_server: KeyedServer,
                                                               image_host: ImageHost) -> None:
    url = image_host.add("/preview.jpg", encode(landscape(640, 360, seed=22)), "image/jpeg")
    with diffusion_server.client_for("dora") as client, diffusion_server.client_for("eve") as other:
        # 3 s at 30 fps: the retiming to 720p outlasts the poll's period, and the preview stays until the end.
        task_id = create_task(client, model_name="tiny-wan", image_url=url, duration=3, fps=30, prompt="waves",
                              seed=4)
        seen: httpx.Response | None = None
        while seen is None:
            status = client.get(f"{TASKS}/{task_id}").json()["data"]["status"]
            answer = client.get(f"{TASKS}/{task_id}/preview")
            if answer.status_code == 200:
                seen = answer
                break
            assert (answer.status_code, answer.json()["code"]) == (404, 1200), answer.text  # not started yet
            assert status not in TERMINAL, "the task ended without a preview ever being served"
            time.sleep(0.1)
        assert seen.headers["content-type"] == "image/jpeg" and seen.headers["cache-control"] == "no-store"
        with Image.open(io.BytesIO(seen.content)) as image:
            assert image.format == "JPEG" and image.width == 256  # a latent frame of the 16:9 native size
        foreign = other.get(f"{TASKS}/{task_id}/preview")
        assert (foreign.status_code, foreign.json()) == (404, {"code": 1200, "message": "Task not found.", "data": None})
        assert wait_for_task(client, task_id, timeout=300)["status"] == "TASK_SUCCEEDED"
        ended = client.get(f"{TASKS}/{task_id}/preview")
        assert (ended.status_code, ended.json()["code"]) == (404, 1200) and "no preview" in ended.json()["message"]
    assert list((diffusion_server.data_dir / "previews").iterdir()) == []  # removed when the task ended


def test_an_incomplete_weights_directory_is_reported_at_start(tmp_path: Path) -> None:
    weights = tmp_path / "broken"
    weights.mkdir()
    (weights / "model_index.json").write_text(json.dumps({"_class_name": "WanImageToVideoPipeline"}))
    models = {"broken-wan": {"family": "wan", "weights_dir": str(weights)}}  # "engine" is implied by "family"
    server = ServerProcess(tmp_path / "data", STILLMOTION_MODELS=json.dumps(models))
    with pytest.raises(RuntimeError, match="not ready"):
        server.start(timeout=20)
    try:
        answer = _first_answer(server.base_url + "/readyz").json()
        assert answer["code"] == 5001 and "broken-wan" in answer["message"], answer
        assert "broken-wan" in server.log_path.read_text()
        assert httpx.get(server.base_url + "/healthz").status_code == 200
        # A create for it is refused at once (not accepted, then failed), without the server's paths.
        key = server.create_key("ops")
        with server.client(key["api_key"]) as client:
            created = client.post("/api/vdr/videos/image2video", json={
                "model_name": "broken-wan", "image_url": "http://127.0.0.1:9/x.jpg", "prompt": "waves",
                "resolution": "720p", "duration": 1})
        assert created.status_code == 503 and created.json()["code"] == 5001, created.text
        assert created.headers["Retry-After"] == "60"
        assert str(tmp_path) not in created.text and "broken-wan" in created.json()["message"]
    finally:
        server.stop()


def _first_answer(url: str, timeout: float = 120.0) -> httpx.Response:
    """The server's first answer: it may still be binding its port on a loaded machine."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
