"""A distributed deployment on loopback: one API process, `stillmotion worker` processes, a fresh
PostgreSQL database and a queue prefix of its own on the machine's Redis.

Everything a run leaves in Redis lives under its random prefix (queues, unacknowledged messages,
bindings) and is deleted afterwards, so runs never hear each other and nothing is flushed.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.keyed_server import KeyedServer
from tests.support.postgres import fresh_database
from tests.support.servers import ChildProcess, free_port

REDIS_URL = os.environ.get("STILLMOTION_TEST_REDIS", "redis://127.0.0.1:6379/0")
_READY = b"ready."  # what Celery logs once the worker consumes


class WorkerProcess(ChildProcess):
    """`stillmotion worker` in a subprocess; started when its log says it consumes."""

    stop_timeout = 30.0

    def __init__(self, env: dict[str, str], log_path: Path, *args: str) -> None:
        self.env = env
        self.log_path = log_path
        self.args = args

    def start(self, timeout: float = 90.0) -> WorkerProcess:
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "stillmotion", "worker", *self.args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()}")
            if _READY in self.log_path.read_bytes()[offset:]:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready after {timeout} s:\n{self.log_path.read_text()}")

    def signal(self, number: int) -> None:
        assert self.process is not None
        self.process.send_signal(number)

    def wait(self, timeout: float) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


class Deployment:
    def __init__(self, root: Path, database_url: str, prefix: str, accounts: Iterable[str], env: dict[str, str]) -> None:
        self.root = root
        self.database_url = database_url
        self.prefix = prefix
        self.api = KeyedServer(
            root / "data",
            accounts,
            STILLMOTION_DATABASE_URL=database_url,
            STILLMOTION_EXECUTOR="celery",
            STILLMOTION_BROKER_URL=env.pop("STILLMOTION_BROKER_URL", REDIS_URL),
            STILLMOTION_QUEUE_PREFIX=prefix,
            **env,
        )
        self.workers: list[WorkerProcess] = []

    def worker(self, *args: str, **env: str) -> WorkerProcess:
        """A new worker (same data directory, database and broker as the API), not yet started."""
        number = len(self.workers) + 1
        worker_env = {**self.api.env, "STILLMOTION_LOG_LEVEL": "INFO", **env}
        worker = WorkerProcess(worker_env, self.root / f"worker-{number}.log", *args)
        self.workers.append(worker)
        return worker

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Rows of a query against the deployment's database (the assertions' view of the truth)."""

        async def run() -> list[tuple[Any, ...]]:
            import asyncpg

            connection = await asyncpg.connect(self.database_url.replace("postgresql+asyncpg", "postgresql"))
            try:
                return [tuple(row) for row in await connection.fetch(sql, *args)]
            finally:
                await connection.close()

        return asyncio.run(run())

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.api.stop()


@contextmanager
def distributed(root: Path, accounts: Iterable[str] = ("erin",), **env: str) -> Iterator[Deployment]:
    """A deployment whose API is started; add workers with `.worker(...).start()`."""
    prefix = f"smtest{uuid.uuid4().hex[:10]}"
    with fresh_database() as url:
        deployment = Deployment(root, url, prefix, accounts, dict(env))
        try:
            deployment.api.start()
            yield deployment
        finally:
            deployment.close()
            purge_prefix(deployment.api.env["STILLMOTION_BROKER_URL"], prefix)


def purge_prefix(broker_url: str, prefix: str) -> None:
    """Delete every Redis key of one run (never anything else)."""
    import redis

    client = redis.Redis.from_url(broker_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError as exc:
        pytest.fail(f"could not clean Redis prefix {prefix}: {exc}")
    finally:
        client.close()


class PrivateRedis:
    """A redis-server of one test's own on a free port, for the tests that stop the broker
    (the machine's shared Redis is never stopped)."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.root = root
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.root)],
            stdout=(self.root / "redis.log").open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis.from_url(self.url).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
