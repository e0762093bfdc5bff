"""The Celery application both sides share: the API publishes to it, `stillmotion worker` consumes.

A message is only a task id on its model's queue (`{queue_prefix}.{model name}`), so a worker
subscribes to the models it has loaded; the control and event exchanges carry the same prefix,
so two deployments (or two test runs) can share one broker without hearing each other. The store, not the message, says what a task is and
who runs it: a duplicate message finds the task claimed or ended and is dropped.

    acks_late + prefetch 1   a message is acknowledged after its task ran, one at a time per slot
    reject_on_worker_lost    a pool process that dies puts its message back (prefork pools)
    visibility_timeout       a whole worker killed (kill -9) leaves its message unacknowledged in
                             Redis until then; long before that the task's lease expires and a
                             reclaim sweep queues it again (tasks/reclaim.py)
    broker outage            the worker reconnects for as long as it takes (no retry limit): a
                             running render goes on, tasks created meanwhile are stored and the
                             reclaim sweep queues them once the broker is back; on Redis through
                             redis_transport.py, which keeps kombu from killing the worker
"""

from __future__ import annotations

from urllib.parse import urlsplit

from celery import Celery

from stillmotion.config import Settings

RUN_TASK = "stillmotion.run_task"

# Seconds, not a setting: only a backstop behind lease reclaim, which acts within lease_seconds.
_VISIBILITY_TIMEOUT = 3600
# A broker that is down must make create answer at once (the task is stored; the sweep queues it).
_CONNECT_TIMEOUT_SECONDS = 2


def queue_name(settings: Settings, model_name: str) -> str:
    return f"{settings.queue_prefix}.{model_name}"


def create_celery(settings: Settings) -> Celery:
    app = Celery("stillmotion", broker=settings.broker_url, set_as_current=False)
    if urlsplit(settings.broker_url).scheme == "redis":
        app.conf.broker_transport = "stillmotion.worker.redis_transport:Transport"
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=f"{settings.queue_prefix}.default",
        # Broadcasts (revoke, ping) and events stay within this deployment on a shared broker.
        control_exchange=f"{settings.queue_prefix}.control",
        event_exchange=f"{settings.queue_prefix}.events",
        task_create_missing_queues=True,
        broker_connection_retry_on_startup=True,
        # A worker waits out a broker outage however long it lasts (Celery's default gives up
        # after 100 tries, about 45 min, and the worker exits).
        broker_connection_max_retries=None,
        broker_connection_timeout=_CONNECT_TIMEOUT_SECONDS,
        broker_transport_options={
            "visibility_timeout": _VISIBILITY_TIMEOUT,
            "socket_connect_timeout": _CONNECT_TIMEOUT_SECONDS,
            # Redis: every key of this deployment (queues, unacked messages, bindings) under one prefix.
            "global_keyprefix": f"{settings.queue_prefix}:",
        },
        worker_hijack_root_logger=False,
        worker_send_task_events=True,  # Flower shows tasks live
        task_send_sent_event=True,
    )
    return app
