"""The delivery loop every worker runs: send due callbacks, retry, resume after restarts.

Deliveries live in the database, so the loop keeps no state of its own worth losing: every
period it asks for due rows, claims each attempt, and sends it in its own asyncio task, so a
receiver that takes its full 5 s never holds up the others. After `kill -9` the next
process finds the same rows due (at their backoff time) and carries on.
"""

from __future__ import annotations

import asyncio
import logging
import time

from stillmotion.config import Settings
from stillmotion.periodic import cancel_all, every
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.models import WebhookDelivery, utcnow
from stillmotion.webhooks.send import ATTEMPT_TIMEOUT_SECONDS, post_once
from stillmotion.webhooks.signing import signed_headers
from stillmotion.webhooks.store import DeliveryStore

log = logging.getLogger("stillmotion.webhooks")

# Attempts in flight at once per process; more due rows wait for the next period.
MAX_CONCURRENT_ATTEMPTS = 32


class WebhookDispatcher:
    def __init__(self, store: DeliveryStore, accounts: AccountStore, settings: Settings) -> None:
        self.store = store
        self.accounts = accounts
        self.settings = settings
        self._in_flight: set[asyncio.Task[None]] = set()
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.create_task(
            every(self.settings.webhook_poll_seconds, self.dispatch_due, "webhook dispatch", log), name="webhook-dispatcher"
        )

    async def stop(self) -> None:
        """Stop looking for work, let attempts in flight finish (they end within their 5 s
        timeout), and cancel any that do not; a cancelled one is due again after the grace."""
        if self._loop is not None:
            await cancel_all([self._loop])
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=ATTEMPT_TIMEOUT_SECONDS + 1)
        await cancel_all(self._in_flight)

    async def dispatch_due(self) -> int:
        """Claim and start every due attempt there is room for; returns how many started."""
        room = MAX_CONCURRENT_ATTEMPTS - len(self._in_flight)
        if room <= 0:
            return 0
        started = 0
        now = utcnow()
        for due in await self.store.due(now, room):
            delivery = await self.store.claim(due.id, now)
            if delivery is None:
                continue
            attempt = asyncio.create_task(self._attempt(delivery), name=f"webhook-{delivery.id}")
            self._in_flight.add(attempt)
            attempt.add_done_callback(self._in_flight.discard)
            started += 1
        return started

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        try:
            # Signed at send time with the current secret, so a rotation applies to retries.
            secret = await self.accounts.webhook_secret(delivery.account_id)
            headers = signed_headers(secret, delivery.id, int(time.time()), delivery.body)
            outcome = await post_once(delivery.url, headers, delivery.body, self.settings)
            status = await self.store.record(delivery, outcome, self.settings.webhook_backoff_seconds)
            log.info("webhook %s (task %s) attempt %d: %s -> %s", delivery.id, delivery.task_id,
                     delivery.attempts, outcome.error or "delivered", status)  # fmt: skip
        except Exception:
            log.exception("webhook %s: attempt %d crashed", delivery.id, delivery.attempts)
