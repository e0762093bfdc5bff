"""The distributed deployment, for real: one API process, `stillmotion worker` processes, Celery on
the machine's Redis (a private prefix), a fresh PostgreSQL database."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import av
import pytest

from stillmotion.tasks.credits import task_cost
from tests.conftest import create_task, wait_for_task
from tests.control.conftest import ledger_rows
from tests.distributed.conftest import wait_for_log
from tests.support.distributed import Deployment, distributed
from tests.support.images import encode, landscape
from tests.support.servers import ImageHost
from tests.support.tasks import get_task, wait_until_rendering


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    with distributed(tmp_path_factory.mktemp("celery"), ("erin", "frank")) as running:
        running.worker().start()
        running.worker("--concurrency", "2").start()
        yield running


def test_a_task_renders_on_a_worker_and_the_api_serves_it(deployment: Deployment, image_host: ImageHost) -> None:
    url = image_host.add("/dist-a.jpg", encode(landscape(1280, 720, seed=21)), "image/jpeg")
    with deployment.api.client_for("erin") as client:
        task_id = create_task(client, image_url=url, duration=3, prompt="clouds drift, slow push in")
        seen = wait_until_rendering(client, task_id, progress=10)  # progress the worker wrote
        assert 10 <= seen["progress"] < 100
        task = wait_for_task(client, task_id, timeout=120)
        assert task["status"] == "TASK_SUCCEEDED", task
        video = client.get(task["video_url"])
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = deployment.root / "downloaded.mp4"
    path.write_bytes(video.content)
    with av.open(str(path)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 90
    assert deployment.query("SELECT status, attempts FROM tasks WHERE id = $1", task_id) == [("TASK_SUCCEEDED", 1)]
    assert ledger_rows(deployment.api, "erin", task_id) == {"reserve": -task_cost("720p", 3, False), "charge": 0}


def test_cancel_reaches_the_worker_running_the_task(deployment: Deployment, image_host: ImageHost) -> None:
    url = image_host.add("/dist-b.jpg", encode(landscape(1920, 1080, seed=22)), "image/jpeg")
    with deployment.api.client_for("frank") as client:
        task_id = create_task(client, image_url=url, resolution="1080p", duration=6)
        wait_until_rendering(client, task_id)
        answer = client.post(f"/api/vdr/videos/image2video/{task_id}/cancel").json()
        assert answer["data"]["status"] == "TASK_FAILED" and answer["data"]["failure_code"] == 5003
    logs = wait_for_log(deployment, f"task {task_id}: stopped")  # at its next frame
    assert f"task {task_id}: cancelled or lease lost; stopping this attempt" in logs
    cost = task_cost("1080p", 6, False)
    assert ledger_rows(deployment.api, "frank", task_id) == {"reserve": -cost, "refund": cost}
    assert not (deployment.root / "data" / "videos" / f"{task_id}.mp4").exists()


def test_metrics_and_readiness_ask_the_broker(deployment: Deployment) -> None:
    with deployment.api.client_for("erin") as client:
        assert client.get("/readyz").json()["data"] == {"status": "ready"}
        metrics = client.get("/metrics").text
        models = client.get("/api/vdr/models").json()["data"]["models"]
    assert "stillmotion_queue_depth 0.0" in metrics
    assert {"model_name": "bach-1.0-preview", "engine": "motion", "family": None, "ready": True} in models


def test_the_api_role_imports_no_engine(tmp_path: Path) -> None:
    """An API replica must not hold weights: its process never imports an engine or the render chain.
    (Semantic moderation is off: with its extra installed, as in the test environment, the API loads
    that model, through torch, on purpose.)"""
    script = f"""
import sys
from fastapi.testclient import TestClient
from stillmotion.api.app import create_app
from stillmotion.config import Settings
settings = Settings(data_dir={str(tmp_path)!r}, executor="celery", queue_prefix="smtest-import-check",
                    moderation_semantic=False)
from stillmotion.tasks.migrate import upgrade_database
upgrade_database(settings)
with TestClient(create_app(settings)) as client:
    assert client.get("/api/vdr/models").status_code == 200
heavy = ("stillmotion.engines.registry", "stillmotion.engines.motion", "stillmotion.engines.diffusion",
         "stillmotion.pipeline.produce", "stillmotion.worker.role", "torch", "diffusers")
print(sorted(name for name in sys.modules if name.startswith(heavy)))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_progress_of_a_pending_task_is_its_queue_position(deployment: Deployment, image_host: ImageHost) -> None:
    url = image_host.add("/dist-c.jpg", encode(landscape(1280, 720, seed=23)), "image/jpeg")
    with deployment.api.client_for("erin") as client:
        ids = [create_task(client, image_url=url, duration=1) for _ in range(5)]
        positions = [get_task(client, task_id).get("queue_position") for task_id in ids]
        finished = [wait_for_task(client, task_id, timeout=180) for task_id in ids]
    waiting = [position for position in positions if position is not None]
    assert waiting == sorted(waiting), positions
    assert all(task["status"] == "TASK_SUCCEEDED" for task in finished)


def test_a_worker_serves_only_the_models_it_was_given(tmp_path: Path, image_host: ImageHost) -> None:
    """One queue per model: a task of a model no running worker serves waits (first in its own
    queue, whatever the other queue holds) until a worker for that model starts."""
    models = json.dumps({"bach-1.0-preview": "motion", "still-b": "motion"})
    url = image_host.add("/dist-models.jpg", encode(landscape(1280, 720, seed=24)), "image/jpeg")
    with distributed(tmp_path, ("pia",), STILLMOTION_MODELS=models) as deployment:
        deployment.worker("--models", "bach-1.0-preview").start()
        with deployment.api.client_for("pia") as client:
            served = create_task(client, image_url=url, duration=1)
            waiting = create_task(client, image_url=url, duration=1, model_name="still-b")
            assert wait_for_task(client, served, timeout=120)["status"] == "TASK_SUCCEEDED"
            pending = get_task(client, waiting)
            assert (pending["status"], pending["queue_position"]) == ("TASK_PENDING", 1)
            later = deployment.worker("--models", "still-b").start()
            assert wait_for_task(client, waiting, timeout=120)["status"] == "TASK_SUCCEEDED"
        assert f"task {waiting} started attempt=1" in later.log()
        assert f"task {waiting}" not in deployment.workers[0].log()
