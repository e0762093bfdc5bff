"""A PostgreSQL cluster of the test's own, on a free loopback port, for tests that stop or restart the
server: the machine's shared server is never touched.

Built with the Debian server binaries (`initdb`, `pg_ctl` from /usr/lib/postgresql/*/bin). PostgreSQL
refuses to run as root, so under root every command runs as the `postgres` user (`runuser`), in a
directory that user owns (outside pytest's root-only tmp tree).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.support.servers import free_port

DATABASE = "stillmotion"


def _server_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin "
                           "(Debian package postgresql)")  # fmt: skip
    return Path(found[-1]).parent


class PrivatePostgres:
    """initdb on start, pg_ctl for stop/start/restart, everything removed by `close()`."""

    def __init__(self) -> None:
        self.bin = _server_bin()
        self.root = Path(tempfile.mkdtemp(prefix="stillmotion-pg-"))
        self.data = self.root / "data"
        self.port = free_port()
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self.url = self.create_database(DATABASE)

    def create_database(self, name: str) -> str:
        """A new database in the cluster; its SQLAlchemy URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self._as_postgres, str(self.bin / tool), *args], check=True, capture_output=True,
                       timeout=120, cwd=self.root)  # fmt: skip

    def _ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", action, "-D", str(self.data), "-o", options, "-l", str(self.root / "log"), *args)

    def start(self) -> None:
        self._ctl("start", "-w")

    def stop(self) -> None:
        """Fast shutdown: open connections are cut, as in a real restart or failover."""
        self._ctl("stop", "-m", "fast", "-w")

    def restart(self) -> None:
        self._ctl("restart", "-m", "fast", "-w")

    def close(self) -> None:
        try:
            self._ctl("stop", "-m", "immediate", "-w")
        except subprocess.CalledProcessError:
            pass  # already stopped
        shutil.rmtree(self.root, ignore_errors=True)
