"""Renders in progress, on the worker's own disk: `data/scratch/{task_id}.{worker_id}.{random}.mp4`.

A file's name says whose attempt wrote it, so it can be judged against the task store: it
belongs to a live attempt only while its task is processing under that worker id. The attempt
removes its file when it ends; a worker killed mid-render (kill -9, out of memory) cannot, and
its file is removed instead
- by the sweeper that reclaims the task (tasks/reclaim.py), when the file is on its disk, and
- by the housekeeping of every worker on that machine (at start, then every
  `housekeeping_seconds`): any file whose attempt the store no longer has running.
Both storages (local and S3) render here and differ only in where the finished video goes.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

_NAME = re.compile(r"^(?P<task_id>[A-Za-z0-9-]{1,64})\.(?P<worker_id>[A-Za-z0-9_-]{1,100})\.[0-9a-f]+\.mp4$")


@dataclass(frozen=True)
class ScratchFile:
    task_id: str
    worker_id: str
    path: Path


class Scratch:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def path(self, task_id: str, worker_id: str) -> Path:
        """A fresh file for one attempt of `task_id` by `worker_id` to render into."""
        return self.root / f"{task_id}.{worker_id}.{secrets.token_hex(4)}.mp4"

    def files(self) -> list[ScratchFile]:
        """Every render file here, live or left behind."""
        found = []
        for path in self.root.glob("*.mp4"):
            named = _NAME.match(path.name)
            if named is not None:
                found.append(ScratchFile(named["task_id"], named["worker_id"], path))
        return found

    def discard(self, task_id: str, worker_id: str) -> int:
        """Remove what the attempt of `task_id` by `worker_id` left here; returns how many files."""
        removed = 0
        for path in self.root.glob(f"{task_id}.{worker_id}.*.mp4"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed
