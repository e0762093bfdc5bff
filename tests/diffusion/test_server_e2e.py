"""A diffusion model name runs through the same API as the motion engine, loaded from local weights."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.diffusion.tiny_models import tiny_model_setting
from tests.support.images import encode, landscape
from tests.support.servers import ImageHost, ServerProcess


@pytest.fixture(scope="module")
def diffusion_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    root = tmp_path_factory.mktemp("diffusion-server")
    models = {"tiny-wan": tiny_model_setting(root / "weights", "wan2.1")}
    server = ServerProcess(root / "data", STILLMOTION_MODELS=json.dumps(models), HF_HUB_OFFLINE="1")
    server.keys = {"dora": server.create_key("dora")}  # type: ignore[attr-defined]
    server.start(timeout=180)
    yield server
    server.stop()


def test_a_task_on_a_diffusion_model_gives_the_requested_video(diffusion_server: ServerProcess,
                                                                image_host: ImageHost) -> None:
    url = image_host.add("/diffusion.jpg", encode(landscape(640, 360, seed=21)), "image/jpeg")
    with diffusion_server.client(diffusion_server.keys["dora"]["api_key"]) as client:  # type: ignore[attr-defined]
        models = {m["model_name"]: m for m in client.get("/api/vdr/models").json()["data"]["models"]}
        assert models["tiny-wan"] == {"model_name": "tiny-wan", "engine": "diffusion", "family": "wan", "ready": True}
        task = wait_for_task(client, create_task(client, model_name="tiny-wan", image_url=url, duration=1, fps=24,
                                                 prompt="waves roll in", seed=3), timeout=300)
    assert task["status"] == "TASK_SUCCEEDED", task
    with av.open(io.BytesIO(httpx.get(task["video_url"]).content)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.width, stream.codec_context.height) == (1280, 720)
        assert stream.average_rate == 24
        assert sum(1 for _ in container.decode(stream)) == 24


def test_an_incomplete_weights_directory_is_reported_at_start(tmp_path: Path) -> None:
    weights = tmp_path / "broken"
    weights.mkdir()
    (weights / "model_index.json").write_text(json.dumps({"_class_name": "WanImageToVideoPipeline"}))
    models = {"broken-wan": {"engine": "diffusion", "family": "wan", "weights_dir": str(weights)}}
    server = ServerProcess(tmp_path / "data", STILLMOTION_MODELS=json.dumps(models))
    with pytest.raises(RuntimeError, match="not ready"):
        server.start(timeout=20)
    try:
        answer = httpx.get(server.base_url + "/readyz").json()
        assert answer["code"] == 5001 and "broken-wan" in answer["message"], answer
        assert "broken-wan" in server.log_path.read_text()
        assert httpx.get(server.base_url + "/healthz").status_code == 200
    finally:
        server.stop()
