"""The embedded server is ready before it imports the render chain (issue 15's start-up and idle
memory): the motion engine, numpy, OpenCV, SciPy and PyAV are imported by the first render (numpy
also by an upload), and the render threads run at a lower OS priority than the event loop."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from stillmotion.api import services
from stillmotion.config import Settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.pipeline.run import TaskRunner
from stillmotion.tasks.migrate import upgrade_database

RENDER_CHAIN = ("numpy", "cv2", "scipy", "av", "stillmotion.engines.motion", "stillmotion.pipeline.produce", "torch")


def test_an_embedded_server_is_ready_without_the_render_chain(tmp_path: Path) -> None:
    script = f"""
import sys
from fastapi.testclient import TestClient
from stillmotion.api.app import create_app
from stillmotion.config import Settings
from stillmotion.tasks.migrate import upgrade_database
settings = Settings(data_dir={str(tmp_path)!r}, executor="local", moderation_semantic=False)
upgrade_database(settings)
with TestClient(create_app(settings)) as client:
    while (ready := client.get("/readyz")).status_code != 200:
        assert "models still loading" in ready.text, ready.text
    models = client.get("/api/vdr/models").json()["data"]["models"]
    assert all(model["ready"] for model in models), models
    print(sorted(name for name in sys.modules if name.startswith({RENDER_CHAIN!r})))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_the_motion_engine_loads_at_its_first_use(tmp_path: Path) -> None:
    registry = EngineRegistry(Settings(data_dir=tmp_path))
    registry.load_all()
    assert registry.loaded and not registry.problems
    engine = registry.engine_for("bach-1.0-preview")
    assert engine.name == "motion"


def test_renders_run_at_a_lower_priority(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, render_niceness=7)
    runner = TaskRunner(settings, tasks=None, storage=None, engines=None)  # type: ignore[arg-type]
    try:
        niceness = runner._render_threads.submit(
            lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        ).result()
    finally:
        runner._render_threads.shutdown()
    assert niceness == os.getpriority(os.PRIO_PROCESS, 0) + 7


def test_moderation_warms_up_after_the_start_up_not_beside_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The lexicon's compile holds the GIL for ~0.2 s: started with the server it delayed /readyz."""
    warmed: list[float] = []
    given: list[Settings] = []
    monkeypatch.setattr(services, "warm_up", lambda chosen: (warmed.append(time.monotonic()), given.append(chosen)))
    monkeypatch.setattr(services, "WARM_UP_DELAY", 0.3)
    settings = Settings(data_dir=tmp_path, moderation_semantic=False)
    upgrade_database(settings)

    async def start_and_stop() -> None:
        started = time.monotonic()
        async with services.api_services(settings):
            await asyncio.sleep(0.1)
            assert warmed == [], "warmed beside the start-up"
            await asyncio.sleep(0.5)
        assert len(warmed) == 1 and warmed[0] - started >= 0.3
        assert given == [settings], "warmed up for other settings (semantic moderation on or off)"
        stopping = time.monotonic()
        async with services.api_services(settings):
            pass  # stopped within the delay: no warm-up, and no wait for one
        assert len(warmed) == 1 and time.monotonic() - stopping < 5

    asyncio.run(start_and_stop())
