"""Delivery rows: finding due ones, claiming an attempt, recording its outcome.

An attempt is claimed by a conditional update that counts it and pushes `next_attempt_at`
past the attempt's longest possible duration, so two delivery loops (two processes, or a
loop restarted while an attempt was in flight) never send the same attempt twice; if the
process dies mid-attempt, the delivery simply becomes due again after that grace.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.tasks.db import affected_rows
from stillmotion.tasks.models import Account, DeliveryStatus, WebhookDelivery, utcnow
from stillmotion.webhooks.send import ATTEMPT_TIMEOUT_SECONDS, AttemptOutcome

MAX_ATTEMPTS = 4  # SPEC: the first attempt, then "up to 3 more times"
# A claimed attempt cannot outlive this (5 s attempt, plus DNS and database slack).
IN_FLIGHT_GRACE = timedelta(seconds=ATTEMPT_TIMEOUT_SECONDS + 15)


def retry_delay(attempts_made: int, base_seconds: float) -> timedelta:
    """Exponential backoff: base, 2*base, 4*base after the 1st, 2nd, 3rd failed attempt."""
    return timedelta(seconds=base_seconds * 2 ** (attempts_made - 1))


class DeliveryStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def due(self, now: datetime, limit: int) -> Sequence[WebhookDelivery]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookDelivery.next_attempt_at <= now)
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(limit)
            )
            return rows.all()

    async def claim(self, delivery_id: str, now: datetime) -> WebhookDelivery | None:
        """Take the next attempt of a due delivery; None if another loop took it first."""
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + IN_FLIGHT_GRACE, updated_at=now)
            )
            if affected_rows(result) != 1:
                return None
            return await session.get(WebhookDelivery, delivery_id, populate_existing=True)

    async def record(self, delivery: WebhookDelivery, outcome: AttemptOutcome, backoff_seconds: float) -> str:
        """Store an attempt's outcome; returns the delivery's new status."""
        now = utcnow()
        values: dict[str, object] = {"updated_at": now, "last_status_code": outcome.status_code}
        if outcome.delivered:
            values |= {"status": DeliveryStatus.SUCCEEDED.value, "delivered_at": now, "next_attempt_at": None,
                       "last_error": None}  # fmt: skip
        elif delivery.attempts >= MAX_ATTEMPTS:
            values |= {"status": DeliveryStatus.FAILED.value, "next_attempt_at": None, "last_error": outcome.error}
        else:
            values |= {"next_attempt_at": now + retry_delay(delivery.attempts, backoff_seconds),
                       "last_error": outcome.error}  # fmt: skip
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id, WebhookDelivery.attempts == delivery.attempts)
                .values(**values)
            )
        return str(values.get("status", DeliveryStatus.PENDING.value))

    async def for_task(self, task_id: str) -> WebhookDelivery | None:
        async with self._sessions() as session:
            return await session.scalar(select(WebhookDelivery).where(WebhookDelivery.task_id == task_id))

    async def listing(
        self, account_name: str | None = None, status: str | None = None, limit: int = 50
    ) -> Sequence[tuple[WebhookDelivery, str]]:
        """Newest first, each with its account's name (for `stillmotion webhooks list`)."""
        query = select(WebhookDelivery, Account.name).join(Account, WebhookDelivery.account_id == Account.id)
        if account_name is not None:
            query = query.where(Account.name == account_name)
        if status is not None:
            query = query.where(WebhookDelivery.status == status)
        async with self._sessions() as session:
            rows = await session.execute(query.order_by(WebhookDelivery.created_at.desc()).limit(limit))
            return [(delivery, name) for delivery, name in rows.all()]
