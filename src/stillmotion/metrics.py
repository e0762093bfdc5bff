"""Prometheus metrics, served at /metrics. Names follow Prometheus conventions (`_total`, `_seconds`)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

TASKS_CREATED = Counter("stillmotion_tasks_created_total", "Tasks accepted by the API.", ["model"])
TASKS_FINISHED = Counter(
    "stillmotion_tasks_finished_total",
    "Task attempts that ended in this process, by outcome (succeeded, or the failure code).",
    ["outcome"],
)
RENDER_SECONDS = Histogram(
    "stillmotion_render_seconds",
    "Wall time of one successful attempt, fetch to publish.",
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
QUEUE_DEPTH = Gauge("stillmotion_queue_depth", "Tasks waiting in the executor's queue (all models; every worker's in distributed mode).")
