"""Load on the API: create and query throughput and latency, beside a bare FastAPI app, same run.

For each database (`--database sqlite,postgres`) a real server is started on loopback with a fresh
database; `wrk` (Debian package `wrk`) then drives it with `--connections` connections for
`--duration` seconds per phase (a create phase also stops at `--max-requests` answers, so the
database stays a size the query phase of the next run is comparable with):

- **query**: `GET /api/vdr/videos/image2video/{id}` over `--seed-tasks` tasks created first;
- **create**: `POST /api/vdr/videos/image2video` (a 720p 1 s task; credits, limits and rate
  limits are set out of the way, every answer must be a 200).

The baseline is `bench/bare_app.py` on the same uvicorn (GET and POST of a small JSON envelope),
measured right before each database's phases; the `vs bare` column is stillmotion's requests/s
over the baseline's. Renders must not compete with the API for the CPUs, so the worker is parked:
embedded (`sqlite`), the one in-process worker waits on an image host that holds its fetch until
the phases are over; distributed (`postgres`: PostgreSQL + Celery on Redis), no worker runs while
the API is measured and tasks queue in Redis.

`--scale-out 1,2,4` then measures render throughput against the number of workers on a fast
setting (720p 1 s camera-only renders): `--scale-tasks` tasks are created at once and timed
until all have succeeded, while the machine's CPU use is sampled from /proc/stat.

    .venv/bin/python bench/load.py [--database sqlite,postgres] [--connections 32] [--duration 10]
        [--max-requests 50000] [--scale-out 1,2,4] [--scale-tasks 12]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, NamedTuple

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.support.images import encode, landscape  # noqa: E402
from tests.support.servers import ImageHost, ServerProcess, free_port  # noqa: E402

TASKS = "/api/vdr/videos/image2video"
TERMINAL = ("TASK_SUCCEEDED", "TASK_FAILED")
# Everything that would refuse a create for reasons other than speed is switched off.
SERVER_ENV = {
    "STILLMOTION_RATE_LIMIT_PER_MINUTE": "0",
    "STILLMOTION_MAX_ACTIVE_TASKS": "0",
    "STILLMOTION_MAX_QUEUED_TASKS": "0",
    "STILLMOTION_LOG_LEVEL": "WARNING",
}
PARK_SECONDS = 3600.0
CREDITS = 1_000_000_000


class Row(NamedTuple):
    """One measured phase."""

    mode: str
    endpoint: str
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int
    """Answers other than 2xx plus socket errors: a phase with any is not a valid measurement."""
    ratio: float | None
    """requests/s over the bare baseline's for the same method, measured just before."""
    cpu_ms: float | None
    """CPU milliseconds the server process used per answer: what machine load skews least (None
    while a render runs in the same process)."""


class ScaleRow(NamedTuple):
    mode: str
    workers: int
    tasks: int
    wall_s: float
    tasks_per_s: float
    speedup: float
    cores: float
    """CPU seconds the deployment's processes (API, workers) used, per second of wall time."""
    cpu_busy: float
    """Fraction of all the machine's CPU time that was busy during the run (any process)."""


# --- wrk ---------------------------------------------------------------------------------------

_LUA_HEAD = """
wrk.headers["Content-Type"] = "application/json"
{auth}
"""
# wrk divides the answers by the whole `-d` even when a thread stopped early, so a phase with a
# cap must not reach it: `run_wrk` refuses a run that did (its requests/s would be too low).
_LUA_LIMIT = """
local limit = {limit}
local done = 0
response = function(status, headers, body)
  done = done + 1
  if done >= limit then wrk.thread:stop() end
end
"""
_LUA_GET = """
local ids = {{{ids}}}
request = function()
  return wrk.format("GET", "{path}" .. ids[math.random(#ids)])
end
"""
_LUA_POST = """
wrk.method = "POST"
wrk.body = {body}
"""
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for ASCII text


def wrk_script(api_key: str | None, *, limit: int | None = None, get_path: str | None = None,
               ids: list[str] | None = None, post_body: dict[str, object] | None = None) -> str:  # fmt: skip
    """A wrk Lua script: GETs of `get_path` + a random id, or POSTs of `post_body`; stops after
    `limit` answers when given."""
    auth = f'wrk.headers["Authorization"] = {_lua_string("Bearer " + api_key)}' if api_key else ""
    script = _LUA_HEAD.format(auth=auth)
    if limit is not None:
        script += _LUA_LIMIT.format(limit=limit)
    if get_path is not None:
        script += _LUA_GET.format(ids=",".join(_lua_string(i) for i in ids or [""]), path=get_path)
    if post_body is not None:
        script += _LUA_POST.format(body=_lua_string(json.dumps(post_body)))
    return script


def run_wrk(
    url: str, script: str, connections: int, duration: float, limit: int | None = None
) -> tuple[int, float, float, float, int]:
    """(requests, requests/s, p50 ms, p99 ms, failed) of one wrk run; `limit`: the script's cap."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration:g}s", "--timeout", "60s", "--latency",
             "-s", handle.name, url],
            capture_output=True, text=True, timeout=duration + 120, check=True,
        )  # fmt: skip
    finally:
        os.unlink(handle.name)
    out = done.stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    latency = {q: float(v) * _UNITS[u] for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    failed = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, socket.groups())) if socket else 0)
    if failed:
        print(f"{url}: {failed} failed answers\n{out}", file=sys.stderr)
    if limit is not None and requests >= limit:
        raise SystemExit(f"{url}: the phase reached its cap of {limit} answers before {duration:g} s, so wrk's "
                         "requests/s would be too low: raise --max-requests or shorten --duration")
    return requests, rps, latency["50"], latency["99"], failed


# --- servers -----------------------------------------------------------------------------------


def measured_wrk(
    pid: int, url: str, script: str, connections: int, duration: float, limit: int | None = None
) -> tuple[tuple[int, float, float, float, int], float]:
    """`run_wrk`, and the CPU ms the server process `pid` spent per answer meanwhile."""
    before = process_cpu([pid])
    result = run_wrk(url, script, connections, duration, limit)
    return result, 1000 * (process_cpu([pid]) - before) / max(result[0], 1)


@contextlib.contextmanager
def bare_server() -> Iterator[tuple[str, int]]:
    """bench/bare_app.py on uvicorn with the defaults `stillmotion serve` uses (uvloop, httptools);
    its URL and process id."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.bare_app:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(f"{base}/bare/probe", process)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: server exited")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code < 500:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url}: not up after {timeout} s")


class ParkingHost:
    """An image host whose `parked` URL holds every request until `release()`: a worker fetching it
    waits, idle, so the API is measured without a render running beside it."""

    def __init__(self) -> None:
        self.host = ImageHost()
        self._released = threading.Event()

        def hold(handler: BaseHTTPRequestHandler) -> None:
            self._released.wait(PARK_SECONDS)
            with contextlib.suppress(OSError):  # the server that asked is usually gone by then
                handler.send_error(404)

        self.host.routes["/parked.jpg"] = hold
        self.parked_url = self.host.url("/parked.jpg")

    def __enter__(self) -> ParkingHost:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._released.set()
        self.host.close()


MODES = {"sqlite": "embedded (SQLite)", "postgres": "distributed (PostgreSQL, Celery on Redis)"}


@dataclass
class Running:
    """One fresh deployment of a mode, up: its API server, an API key with credits to spare, and
    (distributed) a way to start worker processes."""

    mode: str
    server: ServerProcess
    api_key: str
    distributed: Any | None = None

    def pids(self) -> list[int]:
        processes = [self.server.process] + [w.process for w in (self.distributed.workers if self.distributed else [])]
        return [process.pid for process in processes if process is not None]

    def start_workers(self, count: int) -> None:
        assert self.distributed is not None, "embedded mode runs its workers inside the server"
        for _ in range(count):
            self.distributed.worker("--concurrency", "1").start()


@contextlib.contextmanager
def running(database: str, root: Path, **env: str) -> Iterator[Running]:
    """Embedded: `stillmotion serve` on SQLite with its in-process worker(s). Distributed: the API
    on a fresh PostgreSQL database with the Celery executor on the machine's Redis (a queue prefix
    of its own, removed afterwards) and no worker until `start_workers`."""
    if database == "sqlite":
        server = ServerProcess(root, **SERVER_ENV, **env)
        api_key = server.create_key("bench", credits=CREDITS)["api_key"]
        server.start()
        try:
            yield Running(MODES[database], server, api_key)
        finally:
            server.stop()
        return
    from tests.support.distributed import distributed

    with distributed(root, ("bench",), **SERVER_ENV, **env) as deployment:
        api_key = deployment.api.create_key("bench", credits=CREDITS)["api_key"]
        yield Running(MODES[database], deployment.api, api_key, deployment)


# --- phases ------------------------------------------------------------------------------------


def create_body(image_url: str) -> dict[str, object]:
    return {"model_name": "bach-1.0-preview", "image_url": image_url, "resolution": "720p", "duration": 1,
            "enhance_prompt": False}  # fmt: skip


def seed_tasks(server: ServerProcess, api_key: str, image_url: str, count: int) -> list[str]:
    with server.client(api_key) as client:
        ids = []
        for _ in range(count):
            answer = client.post(TASKS, json=create_body(image_url))
            answer.raise_for_status()
            ids.append(answer.json()["data"]["task_id"])
    return ids


def measure_api(database: str, args: argparse.Namespace, root: Path) -> list[Row]:
    rows: list[Row] = []
    with bare_server() as (bare, pid):
        run_wrk(bare, wrk_script(None, get_path="/bare/", ids=["warm"]), args.connections, 1)
        bare_get, get_cpu = measured_wrk(pid, bare, wrk_script(None, get_path="/bare/", ids=["a", "b"]),
                                         args.connections, args.duration)  # fmt: skip
        bare_post, post_cpu = measured_wrk(pid, f"{bare}/bare", wrk_script(None, post_body=create_body("x")),
                                           args.connections, args.duration)  # fmt: skip
    rows.append(Row("bare FastAPI", "GET", *bare_get, ratio=None, cpu_ms=get_cpu))
    rows.append(Row("bare FastAPI", "POST", *bare_post, ratio=None, cpu_ms=post_cpu))

    # Embedded: the one worker waits on the parked image. Distributed: no worker is started.
    with ParkingHost() as parking, running(database, root / "api") as up:
        ids = seed_tasks(up.server, up.api_key, parking.parked_url, args.seed_tasks)
        query = wrk_script(up.api_key, get_path=f"{TASKS}/", ids=ids)
        run_wrk(up.server.base_url, query, args.connections, 1)  # warm-up
        pid = up.pids()[0]
        got, got_cpu = measured_wrk(pid, up.server.base_url, query, args.connections, args.duration)
        create = wrk_script(up.api_key, limit=args.max_requests, post_body=create_body(parking.parked_url))
        made, made_cpu = measured_wrk(pid, f"{up.server.base_url}{TASKS}", create, args.connections, args.duration,
                                      args.max_requests)  # fmt: skip
    rows.append(Row(up.mode, "GET task (query)", *got, ratio=got[1] / bare_get[1], cpu_ms=got_cpu))
    rows.append(Row(up.mode, "POST task (create)", *made, ratio=made[1] / bare_post[1], cpu_ms=made_cpu))
    if database == "sqlite" and args.during_render:
        rows.append(query_during_render(args, root / "render", bare_get[1]))
    return rows


def query_during_render(args: argparse.Namespace, root: Path, bare_rps: float) -> Row:
    """The query phase while the embedded worker renders a 1080p 6 s clip (the one worker, so
    the API and the render share the process and the machine's two cores)."""
    images = ImageHost()
    photo = images.add("/photo.jpg", encode(landscape(1920, 1080, seed=3)), "image/jpeg")
    try:
        with running("sqlite", root) as up, up.server.client(up.api_key) as client:
            body = {**create_body(photo), "resolution": "1080p", "duration": 6}
            task_id = client.post(TASKS, json=body).json()["data"]["task_id"]
            while client.get(f"{TASKS}/{task_id}").json()["data"]["status"] == "TASK_PENDING":
                time.sleep(0.05)
            query = wrk_script(up.api_key, get_path=f"{TASKS}/", ids=[task_id])
            got = run_wrk(up.server.base_url, query, args.connections, min(args.duration, 5))
            status = client.get(f"{TASKS}/{task_id}").json()["data"]["status"]
            if status != "TASK_PROCESSING":
                print(f"the render ended ({status}) before the query phase did", file=sys.stderr)
    finally:
        images.close()
    return Row(up.mode, "GET task during a 1080p render", *got, ratio=got[1] / bare_rps, cpu_ms=None)


def cpu_times() -> tuple[float, float]:
    """(busy, total) seconds of all the machine's CPUs since boot."""
    fields = [float(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields) - idle) / _TICKS, sum(fields) / _TICKS


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system, all threads) the processes have used so far."""
    total = 0.0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (float(fields[11]) + float(fields[12])) / _TICKS  # utime, stime
    return total


_TICKS = os.sysconf("SC_CLK_TCK")


def wait_all_done(server: ServerProcess, api_key: str, ids: list[str], timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    with server.client(api_key) as client:
        while True:
            statuses = {i: client.get(f"{TASKS}/{i}").json()["data"]["status"] for i in ids}
            if all(s in TERMINAL for s in statuses.values()) or time.monotonic() > deadline:
                return statuses
            time.sleep(0.1)


def timed_batch(up: Running, image_url: str, count: int) -> tuple[float, float, float]:
    """Create `count` tasks at once and wait for all: (wall seconds, CPU cores the deployment used
    on average, fraction of the whole machine's CPU that was busy)."""
    busy0, total0 = cpu_times()
    own0 = process_cpu(up.pids())
    started = time.monotonic()
    ids = seed_tasks(up.server, up.api_key, image_url, count)
    statuses = wait_all_done(up.server, up.api_key, ids, timeout=600)
    wall = time.monotonic() - started
    own = process_cpu(up.pids()) - own0
    busy1, total1 = cpu_times()
    failed = [i for i, s in statuses.items() if s != "TASK_SUCCEEDED"]
    if failed:
        raise RuntimeError(f"{len(failed)} of {count} scale-out tasks did not succeed: {failed[:3]}")
    return wall, own / wall, (busy1 - busy0) / (total1 - total0)


def scale_out(database: str, args: argparse.Namespace, image_url: str, root: Path) -> list[ScaleRow]:
    """Render throughput against N workers, each N on a fresh deployment: embedded, N in-process
    workers (threads whose hot loops release the GIL); distributed, N `stillmotion worker`
    processes. N warm-up tasks first (each worker's first render), then the timed batch."""
    rows: list[ScaleRow] = []
    for workers in args.scale_out:
        env = {"STILLMOTION_WORKERS": str(workers)} if database == "sqlite" else {}
        with running(database, root / f"scale-{workers}", **env) as up:
            if database != "sqlite":
                up.start_workers(workers)
            timed_batch(up, image_url, workers)
            wall, cores, busy = timed_batch(up, image_url, args.scale_tasks)
        rows.append(_scale_row(up.mode, workers, args.scale_tasks, wall, cores, busy, rows))
    return rows


def _scale_row(mode: str, workers: int, tasks: int, wall: float, cores: float, busy: float,
               before: list[ScaleRow]) -> ScaleRow:  # fmt: skip
    rate = tasks / wall
    base = next((row.tasks_per_s for row in before if row.mode == mode), rate)
    return ScaleRow(mode, workers, tasks, wall, rate, rate / base, cores, busy)


# --- report ------------------------------------------------------------------------------------


def render(rows: list[Row], scale: list[ScaleRow], args: argparse.Namespace) -> str:
    load = os.getloadavg()
    lines = [
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} at the end, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"wrk -t 1 -c {args.connections}, {args.duration:g} s per phase (creates: at most {args.max_requests}).",
        "",
        "| mode | request | answers | req/s | p50 ms | p99 ms | failed | req/s vs bare | server CPU ms per answer |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ratio = f"{row.ratio:.2f}x" if row.ratio is not None else "1.00x (baseline)"
        cpu = f"{row.cpu_ms:.2f}" if row.cpu_ms is not None else "(render beside it)"
        lines.append(f"| {row.mode} | {row.endpoint} | {row.requests} | {row.rps:.0f} | {row.p50_ms:.2f} | "
                     f"{row.p99_ms:.2f} | {row.failed} | {ratio} | {cpu} |")  # fmt: skip
    if scale:
        lines += ["", "| mode | workers | tasks | wall s | tasks/s | vs 1 worker | CPU cores used | CPU s per task "
                  "| machine CPU busy |", "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
        for s in scale:
            lines.append(f"| {s.mode} | {s.workers} | {s.tasks} | {s.wall_s:.1f} | {s.tasks_per_s:.2f} | "
                         f"{s.speedup:.2f}x | {s.cores:.2f} of {os.cpu_count()} | {s.cores * s.wall_s / s.tasks:.2f} "
                         f"| {s.cpu_busy:.0%} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite,postgres",
                        help="comma-separated: sqlite (embedded), postgres (distributed)")  # fmt: skip
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--max-requests", type=int, default=50_000, help="creates per phase at most")
    parser.add_argument("--seed-tasks", type=int, default=200, help="tasks the query phase reads")
    parser.add_argument("--scale-out", default="", help="worker counts, e.g. 1,2,4 (empty: skip)")
    parser.add_argument("--scale-tasks", type=int, default=12)
    parser.add_argument("--rate-limit", type=int, default=0,
                        help="requests per minute per account (0: off); set it above what the phases send")
    parser.add_argument("--during-render", action="store_true", help="sqlite: also query while a render runs")
    args = parser.parse_args()
    args.scale_out = [int(n) for n in args.scale_out.split(",") if n]
    SERVER_ENV["STILLMOTION_RATE_LIMIT_PER_MINUTE"] = str(args.rate_limit)
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")

    images = ImageHost()
    image_url = images.add("/photo.jpg", encode(landscape(1280, 720, seed=1)), "image/jpeg")
    rows: list[Row] = []
    scale: list[ScaleRow] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for database in args.database.split(","):
                rows += measure_api(database, args, Path(tmp) / database)
            for database in args.database.split(",") if args.scale_out else ():
                scale += scale_out(database, args, image_url, Path(tmp) / database)
    finally:
        images.close()
    print(render(rows, scale, args))


if __name__ == "__main__":
    main()
