"""Start-up time, memory held idle and after renders, and `stillmotion generate` against the render.

Everything is measured in one run beside a baseline, because the machine is shared and absolute
times move with its load:

- **start-up**: `stillmotion serve` on an existing database (started once before, so no migration
  or first key), seconds from the process start to the first 200 of `/healthz` and of `/readyz`;
  the baseline is a bare FastAPI app on the same uvicorn, to its first 200.
- **memory**: the server's RSS idle after /readyz, its peak while one 1080p render of `--duration`
  seconds runs in the embedded worker, right after it, and `--settle` seconds later (the goal:
  back within 150 MB of idle in 30 s); the bare app's RSS beside it.
- **generate**: `stillmotion generate` of the same clip, wall time of the whole command, against
  the render alone in a warm process (`produce_video` with the engine already loaded).

Python's bytecode of the package is written first (`compileall`), as an installed package has it:
where `PYTHONDONTWRITEBYTECODE` is set (this project's CI machines set it), every process would
otherwise compile the package's sources again at each start.

Start-up and `generate` are each measured `--repeat` times (the median is printed): one start
on a 2-core machine moves by a quarter of a second from run to run.

    .venv/bin/python bench/footprint.py [--duration 6] [--settle 30] [--repeat 5]
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.images import encode, landscape  # noqa: E402
from tests.support.servers import ImageHost, ServerProcess, free_port  # noqa: E402

TASKS = "/api/vdr/videos/image2video"
QUIET = {"STILLMOTION_LOG_LEVEL": "WARNING"}
BARE_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""
IN_PROCESS_RENDER = """
import sys, time
from pathlib import Path
from stillmotion.config import get_settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import VideoSpec, produce_video
image, out, duration = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
settings = get_settings()
engine = EngineRegistry(settings).engine_for("bach-1.0-preview")
spec = VideoSpec(resolution="1080p", duration=duration, fps=30, seed=7, prompt="", negative_prompt="",
                 cfg_scale=5.0, enhance_prompt=True, generate_audio=False, audio_prompt="")
started = time.monotonic()
produce_video(image.read_bytes(), spec, engine, None, out, TaskContext(), settings)
print(time.monotonic() - started)
"""


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def first_200(url: str, started: float, process: subprocess.Popen[bytes], timeout: float = 120) -> float:
    """Seconds from `started` to the first 200 answer of `url`."""
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.01)
    raise RuntimeError(f"{url}: no 200 after {timeout} s")


def bare_baseline(repeat: int) -> tuple[float, float]:
    """(median seconds to the first 200 of `repeat` starts, RSS MB idle) of a bare FastAPI app on uvicorn."""
    ups, idle = [], 0.0
    for attempt in range(repeat):
        port = free_port()
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)])
        try:
            ups.append(first_200(f"http://127.0.0.1:{port}/healthz", started, process))
            if attempt == repeat - 1:
                time.sleep(2)
                idle = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return statistics.median(ups), idle


class RssSampler:
    """The peak RSS of a process while the with-block runs (sampled every 0.1 s)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak = pid, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            self.peak = max(self.peak, rss_mb(self.pid))

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def render_task(client: httpx.Client, image_url: str, duration: int) -> float:
    """Create a 1080p task and wait for it to succeed; its wall seconds."""
    started = time.monotonic()
    body = {"model_name": "bach-1.0-preview", "image_url": image_url, "resolution": "1080p", "duration": duration}
    task_id = client.post(TASKS, json=body).json()["data"]["task_id"]
    while (data := client.get(f"{TASKS}/{task_id}").json()["data"])["status"] not in ("TASK_SUCCEEDED", "TASK_FAILED"):
        time.sleep(0.2)
    if data["status"] != "TASK_SUCCEEDED":
        raise RuntimeError(f"the render failed: {data}")
    return time.monotonic() - started


def server_figures(root: Path, image_url: str, args: argparse.Namespace) -> dict[str, float]:
    server = ServerProcess(root, **QUIET)
    key = server.create_key("bench")["api_key"]
    server.start()  # the first start migrates and makes the database: not what is timed
    healthz, readyz = [], []
    for _ in range(args.repeat):
        server.stop()
        started = time.monotonic()
        server.spawn()
        assert server.process is not None
        healthz.append(first_200(f"{server.base_url}/healthz", started, server.process))
        readyz.append(first_200(f"{server.base_url}/readyz", started, server.process))
    figures = {"healthz_s": statistics.median(healthz), "readyz_s": statistics.median(readyz)}
    try:
        time.sleep(2)
        figures["idle_mb"] = rss_mb(server.process.pid)
        with server.client(key) as client, RssSampler(server.process.pid) as sampler:
            figures["render_s"] = render_task(client, image_url, args.duration)
        figures["peak_mb"] = sampler.peak
        figures["after_mb"] = rss_mb(server.process.pid)
        time.sleep(args.settle)
        figures["settled_mb"] = rss_mb(server.process.pid)
    finally:
        server.stop()
    return figures


def generate_figures(root: Path, image: Path, duration: int, repeat: int) -> tuple[float, float]:
    """(wall seconds of `stillmotion generate`, seconds of the same render in a warm process):
    medians of `repeat` runs of each, taken in turn."""
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "STILLMOTION_DATA_DIR": str(root)}
    walls, warms = [], []
    for _ in range(repeat):
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "stillmotion", "generate", str(image), "-o", str(root / "cli.mp4"),
             "--resolution", "1080p", "--duration", str(duration), "--seed", "7"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        walls.append(time.monotonic() - started)
        warm = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(IN_PROCESS_RENDER), str(image), str(root / "warm.mp4"),
             str(duration)],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        warms.append(float(warm.stdout.strip().splitlines()[-1]))
    return statistics.median(walls), statistics.median(warms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=6, help="seconds of the 1080p clip")
    parser.add_argument("--settle", type=float, default=30.0, help="seconds after the render to read RSS again")
    parser.add_argument("--repeat", type=int, default=5, help="starts and generate runs measured (medians)")
    args = parser.parse_args()
    spec = importlib.util.find_spec("stillmotion")  # the package that runs (PYTHONPATH may name another tree)
    assert spec is not None and spec.submodule_search_locations
    compileall.compile_dir(spec.submodule_search_locations[0], quiet=1)
    photo = encode(landscape(1920, 1080, seed=3), "JPEG")
    images = ImageHost()
    try:
        image_url = images.add("/photo.jpg", photo, "image/jpeg")
        with tempfile.TemporaryDirectory() as tmp:
            bare_up, bare_mb = bare_baseline(args.repeat)
            server = server_figures(Path(tmp) / "server", image_url, args)
            image = Path(tmp) / "photo.jpg"
            image.write_bytes(photo)
            cli_s, warm_s = generate_figures(Path(tmp) / "cli", image, args.duration, args.repeat)
    finally:
        images.close()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} at the end, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
    print(f"Start-up and `generate`: medians of {args.repeat} runs.\n")
    print("| figure | stillmotion | bare FastAPI | goal |\n|---|---|---|---|")
    print(f"| start-up to /healthz, s | {server['healthz_s']:.2f} | {bare_up:.2f} | |")
    print(f"| start-up to /readyz, s | {server['readyz_s']:.2f} | | ≤ 1.0 |")
    print(f"| RSS idle, MB | {server['idle_mb']:.0f} | {bare_mb:.0f} | ≤ 120 |")
    print(f"| RSS peak during a 1080p {args.duration} s render ({server['render_s']:.1f} s), MB | {server['peak_mb']:.0f} | | |")
    print(f"| RSS right after it, MB | {server['after_mb']:.0f} | | |")
    print(f"| RSS {args.settle:g} s after it, MB | {server['settled_mb']:.0f} | | ≤ idle + 150 |")
    print(f"| `stillmotion generate` 1080p {args.duration} s, s | {cli_s:.2f} | | |")
    print(f"| the same render in a warm process, s | {warm_s:.2f} | | |")
    print(f"| generate / warm render | {cli_s / warm_s:.2f}x | | ≤ 1.10x |")


if __name__ == "__main__":
    main()
