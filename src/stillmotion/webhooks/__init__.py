"""Signed, persisted, retried delivery of task callbacks (SPEC "Callback").

A finished task's delivery row is written with the task's final state (`outbox`); the
workers' `WebhookDispatcher` sends due rows, signs them per Standard Webhooks (`signing`),
checks the target like an image URL (`targets`) and retries with backoff (`store`).
"""

from stillmotion.webhooks.dispatcher import WebhookDispatcher
from stillmotion.webhooks.outbox import callback_payload, delivery_for
from stillmotion.client.webhooks import sign
from stillmotion.webhooks.signing import signed_headers
from stillmotion.webhooks.store import MAX_ATTEMPTS, DeliveryStore, retry_delay
from stillmotion.webhooks.targets import precheck_callback_url

__all__ = [
    "MAX_ATTEMPTS",
    "DeliveryStore",
    "WebhookDispatcher",
    "callback_payload",
    "delivery_for",
    "precheck_callback_url",
    "retry_delay",
    "sign",
    "signed_headers",
]
