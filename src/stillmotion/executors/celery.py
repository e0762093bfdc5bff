"""The distributed executor, as the API uses it: publish a task id on its model's Celery queue.

Blocking broker calls run in a thread. A broker that cannot be reached raises QueueUnavailable
at once (the create still succeeds: the task is stored, and the reclaim sweep queues it later).
"""

from __future__ import annotations

import asyncio
import logging

from kombu import Exchange, Queue
from kombu.exceptions import KombuError, OperationalError
from kombu.transport.virtual import Channel

from stillmotion.config import Settings
from stillmotion.executors.base import QueueUnavailable
from stillmotion.worker.celery_app import RUN_TASK, create_celery, queue_name

log = logging.getLogger("stillmotion.executor")

_BROKER_ERRORS = (OperationalError, KombuError, OSError)


class CeleryExecutor:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.app = create_celery(settings)
        self._queues = [queue_name(settings, name) for name in settings.models]

    async def submit(self, task_id: str, model_name: str) -> None:
        await asyncio.to_thread(self._publish, task_id, model_name)

    def _publish(self, task_id: str, model_name: str) -> None:
        try:
            self.app.send_task(
                RUN_TASK, args=[task_id], task_id=task_id, queue=queue_name(self._settings, model_name), retry=False
            )
        except _BROKER_ERRORS as exc:
            raise QueueUnavailable(f"broker unreachable: {exc}") from exc

    async def cancel(self, task_id: str) -> None:
        """Workers drop a revoked message unread; one already running stops at its next lease
        renewal, which finds the task cancelled in the store."""
        try:
            await asyncio.to_thread(self.app.control.revoke, task_id)
        except _BROKER_ERRORS as exc:
            log.warning("task %s: revoke not sent (%s); its claim will find it cancelled", task_id, exc)

    async def queue_depth(self) -> int:
        return await asyncio.to_thread(self._depth)

    def _depth(self) -> int:
        try:
            with self.app.pool.acquire(block=True) as connection:  # pooled: /readyz is polled often
                connection.ensure_connection(max_retries=1)
                channel = connection.default_channel
                return sum(_size(channel, queue) for queue in self._queues)
        except _BROKER_ERRORS as exc:
            raise QueueUnavailable(f"broker unreachable: {exc}") from exc

    def close(self) -> None:
        self.app.close()


def _size(channel: Channel, queue: str) -> int:
    """Messages waiting on `queue`, declared exactly as Celery declares a queue it creates (so
    RabbitMQ accepts the declaration; on Redis it only counts). A passive declaration would
    not do: kombu's Redis transport checks existence without its key prefix."""
    declared = Queue(queue, Exchange(queue, type="direct"), routing_key=queue)(channel).queue_declare()
    return int(declared.message_count)
