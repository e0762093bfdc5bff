"""Accounts and keys, the operator's credit ledger, the reclaim and housekeeping sweeps and the
task event lines, against a real SQLite store in-process."""

from __future__ import annotations

import base64
import hashlib
import logging
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text, update

from stillmotion.config import Settings
from stillmotion.executors.base import QueueUnavailable
from stillmotion.storage.local import LocalStorage
from stillmotion.storage.scratch import Scratch
from stillmotion.tasks.accounts import AccountStore, hash_api_key, new_webhook_secret
from stillmotion.tasks.credits import CreditLedger, task_cost
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.housekeeping import Housekeeper
from stillmotion.tasks.models import Task, utcnow
from stillmotion.tasks.reclaim import Reclaimer
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.store import TaskStore
from tests.inprocess.conftest import new_task, open_account

LEASE = timedelta(seconds=30)


class RecordingQueue:
    """The executor's queue as the sweeper sees it: it records submissions, or is unreachable."""

    def __init__(self, reachable: bool = True) -> None:
        self.submitted: list[tuple[str, str]] = []
        self.reachable = reachable

    async def submit(self, task_id: str, model_name: str) -> None:
        if not self.reachable:
            raise QueueUnavailable("broker down")
        self.submitted.append((task_id, model_name))


def test_webhook_secret_and_key_digest() -> None:
    secret = new_webhook_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert secret != new_webhook_secret()
    assert hash_api_key("sm_x") == hashlib.sha256(b"sm_x").hexdigest()


@pytest.mark.parametrize(("resolution", "duration", "audio", "cost"),
                         [("720p", 2, False, 2), ("1080p", 2, False, 4), ("1080p", 3, True, 7), ("720p", 1, True, 2)])  # fmt: skip
def test_task_cost(resolution: str, duration: int, audio: bool, cost: int) -> None:
    assert task_cost(resolution, duration, audio) == cost


async def test_issue_list_revoke_and_find_keys(store: TaskStore) -> None:
    accounts = store.accounts
    assert await accounts.count() == 0
    first = await accounts.issue_key("alice", new_account_credits=7)
    assert (first.account, first.credits) == ("alice", 7)
    assert first.access_key.startswith("ak_") and len(first.access_key) == 27
    assert first.api_key.startswith("sm_") and len(first.api_key) > 40 and first.webhook_secret.startswith("whsec_")
    second = await accounts.issue_key("alice", 5)  # an existing account: credits are added
    assert second.credits == 12 and second.webhook_secret == first.webhook_secret
    third = await accounts.issue_key("alice")  # nothing added
    assert third.credits == 12
    bob = await accounts.issue_key("bob", 3, new_account_credits=100)  # given credits win over the default
    assert bob.credits == 3
    zero = await accounts.issue_key("carol")
    assert zero.credits == 0
    assert await accounts.count() == 3

    listed = await accounts.list_keys()
    assert [(key.account, key.access_key, key.credits, key.revoked) for key in listed] == [
        ("alice", first.access_key, 12, False), ("alice", second.access_key, 12, False),
        ("alice", third.access_key, 12, False), ("bob", bob.access_key, 3, False), ("carol", zero.access_key, 0, False)]
    assert listed[0].api_key_prefix == first.api_key[:10]
    assert [key.access_key for key in await accounts.list_keys("bob")] == [bob.access_key]

    found = await accounts.by_api_key(first.api_key)
    assert found is not None and found.access_key == first.access_key and found.secret_key == first.secret_key
    by_access = await accounts.by_access_key(bob.access_key)
    assert by_access is not None and by_access.api_key_hash == hash_api_key(bob.api_key)
    assert await accounts.by_api_key("sm_unknown") is None
    assert await accounts.by_access_key("ak_unknown") is None

    assert await accounts.revoke(first.access_key)
    assert await accounts.revoke(second.api_key)
    assert not await accounts.revoke("nothing")
    assert await accounts.by_api_key(first.api_key) is None
    assert await accounts.by_access_key(second.access_key) is None
    assert await accounts.by_api_key(third.api_key) is not None
    assert [key.revoked for key in await accounts.list_keys("alice")] == [True, True, False]


async def test_webhook_secret_rotation(store: TaskStore) -> None:
    issued = await store.accounts.issue_key("alice")
    credential = await store.accounts.by_access_key(issued.access_key)
    assert credential is not None
    assert await store.accounts.webhook_secret(credential.account_id) == issued.webhook_secret
    rotated = await store.accounts.rotate_webhook_secret("alice")
    assert rotated != issued.webhook_secret and rotated.startswith("whsec_")
    assert await store.accounts.webhook_secret(credential.account_id) == rotated
    with pytest.raises(LookupError, match="no account named 'nobody'"):
        await store.accounts.rotate_webhook_secret("nobody")
    with pytest.raises(LookupError, match="no account 999"):
        await store.accounts.webhook_secret(999)


async def test_the_credential_cache_holds_until_a_revoke_here(store: TaskStore) -> None:
    cached = AccountStore(store.tasks._sessions, cache_seconds=60)
    issued = await cached.issue_key("alice")
    first = await cached.by_api_key(issued.api_key)
    # Revoked by another process (straight in the database): the cache still answers.
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(text("UPDATE credentials SET revoked = 1"))
    assert await cached.by_api_key(issued.api_key) is first
    assert await cached.by_access_key(issued.access_key) is None  # never looked up: not cached
    assert await store.accounts.by_api_key(issued.api_key) is None  # no cache: sees it at once
    # A revoke in this process drops the cache.
    await cached.revoke("unrelated")
    assert await cached.by_api_key(issued.api_key) is None


async def test_operator_ledger(store: TaskStore) -> None:
    ledger = CreditLedger(store.tasks._sessions)
    await store.accounts.issue_key("alice", 5)
    assert await ledger.add("alice", 10, "top-up") == 15
    assert await ledger.add("alice", -15) == 0
    with pytest.raises(ValueError, match="below zero"):
        await ledger.add("alice", -1)
    with pytest.raises(LookupError, match="no account named 'bob'"):
        await ledger.add("bob", 1)
    balance = await ledger.balance("alice", last=2)
    assert (balance.account, balance.credits) == ("alice", 0)
    assert [(entry.delta, entry.reason, entry.note, entry.balance_after) for entry in balance.entries] == [
        (-15, "grant", None, 0), (10, "grant", "top-up", 15)]
    assert len((await ledger.balance("alice")).entries) == 3
    with pytest.raises(LookupError):
        await ledger.balance("bob")


async def test_reclaim_requeues_lost_work_and_fails_exhausted_tasks(
    store: TaskStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    account_id = await open_account(store, credits=10)
    lost = (await store.tasks.create(new_task(account_id, model_name="m1"), Admission(cost=2))).task
    exhausted = (await store.tasks.create(new_task(account_id, model_name="m2"), Admission(cost=2))).task
    stale = (await store.tasks.create(new_task(account_id, model_name="m3"), Admission())).task
    fresh = (await store.tasks.create(new_task(account_id), Admission())).task
    healthy = (await store.tasks.create(new_task(account_id), Admission())).task
    await store.tasks.claim(lost.id, "w1", timedelta(seconds=-1))
    for _ in range(3):
        await store.tasks.claim(exhausted.id, "w1", timedelta(seconds=-1))
    await store.tasks.claim(healthy.id, "w2", LEASE)
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(Task).where(Task.id.in_([stale.id, healthy.id]))
                              .values(updated_at=utcnow() - timedelta(seconds=120)))  # fmt: skip
    queue = RecordingQueue()
    scratch = Scratch(tmp_path / "scratch")
    # The render files the dead attempts left go; a live attempt's, and another worker's file for
    # the same task, stay.
    left = {task.id: scratch.path(task.id, "w1") for task in (lost, exhausted)}
    kept = [scratch.path(healthy.id, "w2"), scratch.path(lost.id, "w9")]
    for path in [*left.values(), *kept]:
        path.write_bytes(b"frames")
    reclaimer = Reclaimer(store.tasks, queue, scratch, max_attempts=3, redispatch_seconds=60)  # type: ignore[arg-type]
    with caplog.at_level(logging.INFO, logger="stillmotion.reclaim"):
        assert await reclaimer.sweep() == 2
    assert [path.exists() for path in left.values()] == [False, False] and all(path.exists() for path in kept)
    removed = [r.getMessage() for r in caplog.records if "render file" in r.getMessage()]
    assert sorted(removed) == sorted(f"task {task_id}: removed the render file worker w1 left" for task_id in left)
    assert sorted(queue.submitted) == sorted([(lost.id, "m1"), (stale.id, "m3")])
    gave_up = await store.tasks.get(exhausted.id)
    assert gave_up is not None
    assert (gave_up.status, gave_up.failure_code, gave_up.message, gave_up.credit_state) == (
        "TASK_FAILED", 5004, "Task did not finish after 3 attempts.", "refunded")
    requeued = await store.tasks.get(lost.id)
    assert requeued is not None and (requeued.status, requeued.attempts) == ("TASK_PENDING", 1)
    assert [(await store.tasks.get(task.id)).status for task in (fresh, healthy)] == [  # type: ignore[union-attr]
        "TASK_PENDING", "TASK_PROCESSING"]
    assert await reclaimer.sweep() == 0  # nothing stale any more


async def test_reclaim_stops_while_the_queue_is_unreachable(store: TaskStore, tmp_path: Path) -> None:
    account_id = await open_account(store, credits=None)
    for _ in range(2):
        task = (await store.tasks.create(new_task(account_id), Admission())).task
        await store.tasks.claim(task.id, "w1", timedelta(seconds=-1))
    down = RecordingQueue(reachable=False)
    assert await Reclaimer(store.tasks, down, Scratch(tmp_path / "scratch"), 3, 60).sweep() == 0  # type: ignore[arg-type]
    # Requeued in the store before the submit failed: pending, not lost, and one at most.
    assert len(await store.tasks.pending()) == 1


async def test_housekeeping_deletes_expired_videos_and_forgets_keys(store: TaskStore, tmp_path: Path) -> None:
    storage = LocalStorage(Settings(data_dir=tmp_path))
    account_id = await open_account(store, credits=None)
    keeper = Housekeeper(store.tasks, storage)
    ids = []
    for _ in range(3):
        task = (await store.tasks.create(new_task(account_id), Admission())).task
        await store.tasks.claim(task.id, "w", LEASE)
        await store.tasks.succeed(task.id, "w", f"{task.id}.mp4")
        (storage.videos_dir / f"{task.id}.mp4").write_bytes(b"video")
        ids.append(task.id)
    assert await keeper.sweep() == 0
    assert all((storage.videos_dir / f"{task_id}.mp4").exists() for task_id in ids)
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(Task).where(Task.id.in_(ids[:2])).values(expires_at=utcnow() - timedelta(seconds=1)))
    assert await keeper.sweep() == 2
    assert [(storage.videos_dir / f"{task_id}.mp4").exists() for task_id in ids] == [False, False, True]
    assert await keeper.sweep() == 0


def test_task_event_lines(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="stillmotion.tasks"):
        log_task_event("failed", "t1", code=5004, reason="gave up", empty="", skipped=None)
    [record] = caplog.records
    assert record.getMessage() == 'task t1 failed code=5004 reason="gave up" empty=""'
    assert (record.event, record.task_id, record.code, record.reason) == ("failed", "t1", 5004, "gave up")  # type: ignore[attr-defined]
    assert not hasattr(record, "skipped")
