"""Does rendering stall the API? GET latency while a 6 s 1080p render runs, against idle.

Starts the real server (embedded mode, one worker), measures query latency with
nothing running (the baseline, same run), then creates a 6 s 1080p30 task and
polls it every 50 ms until it succeeds. Prints a table and the render time.

    .venv/bin/python bench/api_latency.py [--duration 6] [--resolution 1080p]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.support.images import encode, landscape  # noqa: E402
from tests.support.servers import ImageHost, ServerProcess  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=6)
    parser.add_argument("--resolution", default="1080p")
    args = parser.parse_args()

    host = ImageHost()
    url = host.add("/photo.jpg", encode(landscape(1920, 1080, seed=1)), "image/jpeg")
    with tempfile.TemporaryDirectory() as data:
        server = ServerProcess(Path(data))
        key = server.create_key("bench")["api_key"]
        server.start()
        try:
            with server.client(key) as client:
                probe = "/api/vdr/videos/image2video/00000000-0000-4000-8000-000000000000"
                idle = []
                for _ in range(100):
                    started = time.perf_counter()
                    client.get(probe)
                    idle.append((time.perf_counter() - started) * 1000)

                body = {"model_name": "bach-1.0-preview", "image_url": url, "prompt": "slow push in",
                        "resolution": args.resolution, "duration": args.duration, "seed": 1}
                task_id = client.post("/api/vdr/videos/image2video", json=body).json()["data"]["task_id"]
                busy, status, began = [], "", time.perf_counter()
                while status not in ("TASK_SUCCEEDED", "TASK_FAILED"):
                    started = time.perf_counter()
                    data = client.get(f"/api/vdr/videos/image2video/{task_id}").json()["data"]
                    busy.append((time.perf_counter() - started) * 1000)
                    status = data["status"]
                    time.sleep(0.05)
                render_s = time.perf_counter() - began
        finally:
            server.stop()
            host.close()

    print(f"render {args.duration} s {args.resolution}30: {render_s:.1f} s wall ({status})\n")
    print("| GET latency (ms) | n | median | p95 | max |")
    print("|---|---|---|---|---|")
    for name, values in (("idle (baseline)", idle), ("while rendering", busy)):
        print(f"| {name} | {len(values)} | {statistics.median(values):.1f} | {percentile(values, 0.95):.1f} "
              f"| {max(values):.1f} |")
    print(f"\nratio of medians (rendering / idle): {statistics.median(busy) / statistics.median(idle):.2f}")


if __name__ == "__main__":
    main()
