"""An attempt that crashes (not a failed delivery: an exception in our own code, here an account
whose stored webhook secret is corrupt) is logged with its delivery id, and the delivery stays
pending for a later retry: it is neither lost nor marked failed, and the loop keeps running.
Real stores on a SQLite file, migrated like a server's."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from sqlalchemy import update

from stillmotion.config import Settings
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.db import create_engine, create_sessionmaker
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.models import Account, Task
from stillmotion.tasks.repository import Admission, TaskRepository
from stillmotion.webhooks import DeliveryStore, WebhookDispatcher


async def test_a_crashing_attempt_is_logged_and_stays_pending(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(data_dir=tmp_path, webhook_poll_seconds=0.05)
    await asyncio.to_thread(upgrade_database, settings)
    engine = create_engine(settings)
    sessions = create_sessionmaker(engine)
    try:
        accounts, deliveries = AccountStore(sessions), DeliveryStore(sessions)
        tasks = TaskRepository(sessions, video_url=lambda key: key, retention=None)
        issued = await accounts.issue_key("carol", credits=10)
        credential = await accounts.by_access_key(issued.access_key)
        assert credential is not None
        account_id = credential.account_id
        task = Task(account_id=account_id, seed_requested=False, model_name="bach-1.0-preview",
                    image_url="https://example.com/a.jpg", resolution="720p", duration=1, fps=30, cfg_scale=5.0,
                    enhance_prompt=False, generate_audio=False, enable_moderation=True, seed=1,
                    callback_url="https://example.com/hook")  # fmt: skip
        created = await tasks.create(task, Admission())
        await tasks.fail(created.task.id, None, 5002, "engine error")  # queues the callback
        async with sessions() as session, session.begin():
            await session.execute(update(Account).where(Account.id == account_id).values(webhook_secret="whsec_abc"))

        dispatcher = WebhookDispatcher(deliveries, accounts, settings)
        with caplog.at_level(logging.INFO, logger="stillmotion.webhooks"):
            assert await dispatcher.dispatch_due() == 1
            await asyncio.wait(set(dispatcher._in_flight), timeout=10)
        delivery = await deliveries.for_task(created.task.id)
        assert delivery is not None
        crashes = [record for record in caplog.records if "crashed" in record.getMessage()]
        assert [record.getMessage() for record in crashes] == [f"webhook {delivery.id}: attempt 1 crashed"]
        assert crashes[0].exc_info is not None
        assert delivery.status == "pending" and delivery.attempts == 1
        assert delivery.next_attempt_at is not None  # due again after the in-flight grace
    finally:
        await engine.dispose()
