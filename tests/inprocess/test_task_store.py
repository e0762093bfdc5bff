"""The task repository's state changes, credits and queue views on a real SQLite store, in-process:
exact states, codes, balances and ledger rows, so a wrong guard or value fails here."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from stillmotion.errors import (
    IdempotencyConflict,
    InsufficientCredits,
    NotReady,
    RateLimited,
    TaskNotCancellable,
    TaskNotFound,
)
from stillmotion.tasks.idempotency import IdempotencyClaim
from stillmotion.tasks.models import Account, CreditEntry, IdempotencyKey, Task, WebhookDelivery, utcnow
from stillmotion.tasks.repository import Admission, DeliveryState, TaskRepository
from stillmotion.tasks.store import TaskStore
from stillmotion.webhooks.send import AttemptOutcome
from tests.inprocess.conftest import new_task, open_account

LEASE = timedelta(seconds=30)


async def _ledger(store: TaskStore, account_id: int) -> list[tuple[int, str, str | None, int]]:
    async with store.tasks._sessions() as session:
        rows = await session.scalars(select(CreditEntry).where(CreditEntry.account_id == account_id)
                                     .order_by(CreditEntry.id))  # fmt: skip
        return [(row.delta, row.reason, row.task_id, row.balance_after) for row in rows]


async def _balance(store: TaskStore, account_id: int) -> int:
    async with store.tasks._sessions() as session:
        return int(await session.scalar(select(Account.credits).where(Account.id == account_id)))


async def _deliveries(store: TaskStore) -> list[WebhookDelivery]:
    async with store.tasks._sessions() as session:
        return list(await session.scalars(select(WebhookDelivery)))


async def test_create_reserves_the_cost_and_writes_the_ledger(store: TaskStore) -> None:
    account = await open_account(store, credits=20)
    created = await store.tasks.create(new_task(account), Admission(cost=6))
    task = created.task
    assert not created.replayed
    assert (task.status, task.message, task.credits, task.credit_state) == ("TASK_PENDING", "Task is queued.", 6, "reserved")
    assert task.updated_at >= task.created_at and len(task.id) == 36
    assert await _balance(store, account) == 14
    assert await _ledger(store, account) == [(20, "grant", None, 20), (-6, "reserve", task.id, 14)]
    stored = await store.tasks.get(task.id)
    assert stored is not None and stored.prompt == "a cat walks" and stored.credits == 6


async def test_create_without_credits_takes_nothing(store: TaskStore) -> None:
    account = await open_account(store, credits=3)
    task = (await store.tasks.create(new_task(account), Admission())).task
    assert (task.credits, task.credit_state) == (0, None)
    assert task.updated_at == task.created_at
    assert await _balance(store, account) == 3


async def test_create_over_the_balance_is_refused_and_stores_nothing(store: TaskStore) -> None:
    account = await open_account(store, credits=5)
    with pytest.raises(InsufficientCredits):
        await store.tasks.create(new_task(account), Admission(cost=6))
    assert await store.tasks.pending() == []
    assert await _balance(store, account) == 5
    exact = (await store.tasks.create(new_task(account), Admission(cost=5))).task
    assert await _balance(store, account) == 0 and exact.credit_state == "reserved"


async def test_idempotency_key_replays_conflicts_and_expires(store: TaskStore) -> None:
    account = await open_account(store, credits=20)
    claim = IdempotencyClaim(key="k1", request_hash="a" * 64)
    first = await store.tasks.create(new_task(account), Admission(cost=2, idempotency=claim))
    again = await store.tasks.create(new_task(account), Admission(cost=2, idempotency=claim))
    assert (first.replayed, again.replayed) == (False, True)
    assert again.task.id == first.task.id
    assert await _balance(store, account) == 18  # charged once
    with pytest.raises(IdempotencyConflict):
        await store.tasks.create(new_task(account), Admission(cost=2, idempotency=IdempotencyClaim("k1", "b" * 64)))
    other = await open_account(store, "bob", 5)
    theirs = await store.tasks.create(new_task(other), Admission(idempotency=claim))
    assert not theirs.replayed and theirs.task.id != first.task.id  # keys are per account

    # A key older than its window is forgotten: the same key makes a new task.
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(IdempotencyKey).where(IdempotencyKey.account_id == account)
                              .values(created_at=utcnow() - timedelta(hours=24, minutes=1)))  # fmt: skip
    fresh = await store.tasks.create(new_task(account), Admission(idempotency=IdempotencyClaim("k1", "b" * 64)))
    assert not fresh.replayed and fresh.task.id != first.task.id
    replay = await store.tasks.create(new_task(account), Admission(idempotency=IdempotencyClaim("k1", "b" * 64)))
    assert replay.replayed and replay.task.id == fresh.task.id


async def test_active_and_queue_limits(store: TaskStore) -> None:
    alice, bob = await open_account(store, "alice"), await open_account(store, "bob")
    await store.tasks.create(new_task(alice), Admission(max_active=2))
    await store.tasks.create(new_task(alice), Admission(max_active=2))
    with pytest.raises(RateLimited) as limited:
        await store.tasks.create(new_task(alice), Admission(max_active=2))
    assert limited.value.retry_after == 5
    assert limited.value.message == "Too many active tasks (at most 2 at once); wait for one to finish."
    await store.tasks.create(new_task(bob), Admission(max_active=2))  # bob's count is his own
    # A processing task still counts as active, but not as queued.
    first_id = (await store.tasks.pending())[0][0]
    await store.tasks.claim(first_id, "w1", LEASE)
    with pytest.raises(RateLimited):
        await store.tasks.create(new_task(alice), Admission(max_active=2))
    with pytest.raises(NotReady) as full:
        await store.tasks.create(new_task(bob), Admission(max_queued=2))
    assert full.value.retry_after == 30 and full.value.message == "The task queue is full; try again later."
    await store.tasks.create(new_task(bob), Admission(max_queued=3))  # 2 pending < 3


async def test_claim_takes_a_pending_task_once(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    claimed = await store.tasks.claim(task.id, "w1", LEASE)
    assert claimed is not None
    assert (claimed.status, claimed.message, claimed.worker_id, claimed.attempts, claimed.progress) == (
        "TASK_PROCESSING", "Video generation is in progress.", "w1", 1, 0.0)
    assert claimed.started_at is not None and claimed.lease_expires_at is not None
    assert claimed.lease_expires_at - claimed.started_at == LEASE
    assert claimed.updated_at == claimed.started_at
    assert await store.tasks.claim(task.id, "w2", LEASE) is None  # held
    assert await store.tasks.claim("no-such-task", "w2", LEASE) is None


async def test_an_expired_lease_is_taken_over_and_the_old_worker_locked_out(store: TaskStore) -> None:
    account = await open_account(store, credits=10)
    task = (await store.tasks.create(new_task(account), Admission(cost=2))).task
    await store.tasks.claim(task.id, "w1", timedelta(seconds=-1))  # already expired
    taken = await store.tasks.claim(task.id, "w2", LEASE)
    assert taken is not None and (taken.worker_id, taken.attempts) == ("w2", 2)
    assert not await store.tasks.renew(task.id, "w1", LEASE, 50.0)
    assert await store.tasks.succeed(task.id, "w1", "x.mp4") is None
    assert await store.tasks.fail(task.id, "w1", 5000, "old worker") is None
    assert not await store.tasks.release(task.id, "w1")
    done = await store.tasks.succeed(task.id, "w2", f"{task.id}.mp4")
    assert done is not None and done.video_key == f"{task.id}.mp4"


async def test_renew_records_progress_and_notes(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    assert not await store.tasks.renew(task.id, "w1", LEASE, 10.0)  # not yet claimed
    await store.tasks.claim(task.id, "w1", LEASE)
    assert await store.tasks.renew(task.id, "w1", timedelta(seconds=90), 33.333)
    renewed = await store.tasks.get(task.id)
    assert renewed is not None and renewed.progress == 33.3 and renewed.notes is None
    assert renewed.lease_expires_at is not None
    assert timedelta(seconds=85) < renewed.lease_expires_at - renewed.updated_at <= timedelta(seconds=90)
    assert await store.tasks.renew(task.id, "w1", LEASE, 40.0, notes=["no rain"])
    noted = await store.tasks.get(task.id)
    assert noted is not None and noted.notes == ["no rain"] and noted.progress == 40.0
    assert not await store.tasks.renew(task.id, "w2", LEASE, 50.0)


async def test_success_charges_keeps_the_video_and_queues_the_callback(store: TaskStore) -> None:
    account = await open_account(store, credits=10)
    task = (await store.tasks.create(new_task(account, callback_url="http://127.0.0.1:9/hook"), Admission(cost=4))).task
    await store.tasks.claim(task.id, "w1", LEASE)
    done = await store.tasks.succeed(task.id, "w1", f"{task.id}.mp4", engine="motion", plan={"p": 1},
                                     enhanced_prompt="better", notes=["n"])  # fmt: skip
    assert done is not None
    assert (done.status, done.message, done.progress, done.credit_state, done.failure_code) == (
        "TASK_SUCCEEDED", "Video generation completed successfully", 100.0, "charged", None)
    assert (done.engine, done.plan, done.enhanced_prompt, done.notes) == ("motion", {"p": 1}, "better", ["n"])
    assert done.lease_expires_at is None and done.completed_at is not None and done.updated_at >= done.completed_at
    assert done.expires_at is not None
    assert timedelta(hours=2) - timedelta(seconds=5) < done.expires_at - done.completed_at <= timedelta(hours=2)
    assert await _balance(store, account) == 6
    assert (await _ledger(store, account))[-1] == (0, "charge", task.id, 6)
    [delivery] = await _deliveries(store)
    assert (delivery.task_id, delivery.account_id, delivery.url, delivery.status, delivery.attempts) == (
        task.id, account, "http://127.0.0.1:9/hook", "pending", 0)
    assert delivery.id.startswith("msg_") and delivery.next_attempt_at == done.completed_at
    body = json.loads(delivery.body)
    assert delivery.body == json.dumps(body, separators=(",", ":"))  # compact: the exact bytes signed
    assert body == {"task_id": task.id, "status": "TASK_SUCCEEDED",
                    "video_url": f"http://127.0.0.1:8000/files/videos/{task.id}.mp4",
                    "created_at": int(task.created_at.timestamp()), "completed_at": int(done.completed_at.timestamp()),
                    "message": "Video generation completed successfully", "notes": ["n"]}  # fmt: skip
    seen = await store.tasks.seen(done.id)
    assert seen.delivery == DeliveryState(status=delivery.status, attempts=0, last_status_code=None, last_error=None)
    assert delivery.status == "pending" and seen.queue_position is None
    # An attempt that failed: the owner sees its status code and error.
    attempt = await store.deliveries.claim(delivery.id, utcnow())
    assert attempt is not None
    await store.deliveries.record(attempt, AttemptOutcome(False, 502, "HTTP 502"), backoff_seconds=60)
    seen = await store.tasks.seen(done.id)
    assert seen.delivery == DeliveryState(status="pending", attempts=1, last_status_code=502, last_error="HTTP 502")
    # Finished: nothing more can happen to it.
    assert await store.tasks.fail(task.id, None, 5000, "late") is None
    with pytest.raises(TaskNotCancellable):
        await store.tasks.cancel(task.id, account)


async def test_without_retention_a_video_never_expires(store: TaskStore) -> None:
    account = await open_account(store)
    keep = TaskRepository(store.tasks._sessions)
    task = (await keep.create(new_task(account), Admission())).task
    await keep.claim(task.id, "w1", LEASE)
    done = await keep.succeed(task.id, "w1", "v.mp4")
    assert done is not None and done.expires_at is None
    [] = await _deliveries(store)  # no callback_url, no delivery
    assert (await keep.seen(task.id)).delivery is None
    # Without a way to address videos, a callback says the task succeeded and carries no URL.
    hooked = (await keep.create(new_task(account, callback_url="http://127.0.0.1:9/h"), Admission())).task
    await keep.claim(hooked.id, "w1", LEASE)
    await keep.succeed(hooked.id, "w1", "w.mp4")
    [delivery] = await _deliveries(store)
    assert json.loads(delivery.body)["status"] == "TASK_SUCCEEDED" and "video_url" not in json.loads(delivery.body)


async def test_failure_refunds_and_records_code_and_notes(store: TaskStore) -> None:
    account = await open_account(store, credits=10)
    task = (await store.tasks.create(new_task(account, callback_url="http://127.0.0.1:9/h"), Admission(cost=3))).task
    await store.tasks.claim(task.id, "w1", LEASE)
    assert await store.tasks.fail(task.id, "w2", 5000, "not mine") is None
    failed = await store.tasks.fail(task.id, "w1", 5006, "cannot render rain", notes=["rain"])
    assert failed is not None
    assert (failed.status, failed.failure_code, failed.message, failed.notes, failed.credit_state, failed.cancelled) == (
        "TASK_FAILED", 5006, "cannot render rain", ["rain"], "refunded", False)
    assert await _balance(store, account) == 10
    assert (await _ledger(store, account))[-1] == (3, "refund", task.id, 10)
    body = json.loads((await _deliveries(store))[0].body)
    assert body["failure_code"] == 5006 and "video_url" not in body and "cancelled" not in body
    assert body["status"] == "TASK_FAILED" and body["notes"] == ["rain"]


async def test_recovery_fails_a_task_whoever_holds_it(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    await store.tasks.claim(task.id, "w1", LEASE)
    failed = await store.tasks.fail(task.id, None, 5004, "gave up")
    assert failed is not None and failed.failure_code == 5004 and failed.notes is None


async def test_cancel_refunds_once_and_refuses_strangers(store: TaskStore) -> None:
    alice, bob = await open_account(store, "alice", 10), await open_account(store, "bob", 10)
    task = (await store.tasks.create(new_task(alice, callback_url="http://127.0.0.1:9/h"), Admission(cost=4))).task
    with pytest.raises(TaskNotFound):
        await store.tasks.cancel(task.id, bob)
    with pytest.raises(TaskNotFound):
        await store.tasks.cancel("no-such-task", alice)
    cancelled = await store.tasks.cancel(task.id, alice)
    assert (cancelled.status, cancelled.failure_code, cancelled.cancelled, cancelled.message, cancelled.credit_state) == (
        "TASK_FAILED", 5003, True, "Task was cancelled by the client.", "refunded")
    with pytest.raises(TaskNotCancellable, match="already finished"):
        await store.tasks.cancel(task.id, alice)
    assert await store.tasks.claim(task.id, "w1", LEASE) is None
    ledger = await _ledger(store, alice)
    assert ledger[-2:] == [(-4, "reserve", task.id, 6), (4, "refund", task.id, 10)]
    body = json.loads((await _deliveries(store))[0].body)
    assert body["cancelled"] is True and body["failure_code"] == 5003


async def test_queue_positions_count_older_pending_tasks(store: TaskStore) -> None:
    account = await open_account(store)
    first, second, third = [(await store.tasks.create(new_task(account, model_name=model), Admission())).task
                            for model in ("a", "b", "a")]  # fmt: skip
    positions = [(await store.tasks.seen_by_account(task.id, account)).queue_position for task in (first, second, third)]  # type: ignore[union-attr]
    assert positions == [1, 2, 3]
    await store.tasks.claim(first.id, "w1", LEASE)
    seen = await store.tasks.seen_by_account(first.id, account)
    assert seen is not None and seen.queue_position is None and seen.task.status == "TASK_PROCESSING"
    assert (await store.tasks.seen(third.id)).queue_position == 2
    per_model = TaskRepository(store.tasks._sessions, queue_per_model=True)
    assert (await per_model.seen(third.id)).queue_position == 1  # only "a" tasks count, and "a" #1 runs
    assert (await per_model.seen(second.id)).queue_position == 1
    assert await store.tasks.seen_by_account(first.id, account + 1) is None
    assert await store.tasks.get_for_account(first.id, account + 1) is None
    mine = await store.tasks.get_for_account(first.id, account)
    assert mine is not None and mine.id == first.id
    assert [row[0] for row in await store.tasks.pending()] == [second.id, third.id]
    assert [row[1] for row in await store.tasks.pending()] == ["b", "a"]


async def test_listing_pages_filters_and_orders(store: TaskStore) -> None:
    alice, bob = await open_account(store, "alice"), await open_account(store, "bob")
    base = utcnow()
    ids = []
    for n in range(5):
        task = new_task(alice)
        task.created_at = base + timedelta(seconds=n)
        ids.append((await store.tasks.create(task, Admission())).task.id)
    await store.tasks.create(new_task(bob), Admission())
    await store.tasks.claim(ids[1], "w", LEASE)

    page = await store.tasks.list_for_account(alice, status=None, after=None, limit=2)
    assert [seen.task.id for seen in page.tasks] == [ids[4], ids[3]] and page.has_more
    last = page.tasks[-1].task
    rest = await store.tasks.list_for_account(alice, status=None, after=(last.created_at, last.id), limit=3)
    assert [seen.task.id for seen in rest.tasks] == [ids[2], ids[1], ids[0]] and not rest.has_more
    oldest = await store.tasks.list_for_account(alice, status=None, after=None, limit=2, oldest_first=True)
    assert [seen.task.id for seen in oldest.tasks] == [ids[0], ids[1]] and oldest.has_more
    last = oldest.tasks[-1].task
    later = await store.tasks.list_for_account(alice, status=None, after=(last.created_at, last.id), limit=5,
                                               oldest_first=True)  # fmt: skip
    assert [seen.task.id for seen in later.tasks] == [ids[2], ids[3], ids[4]] and not later.has_more
    running = await store.tasks.list_for_account(alice, status="TASK_PROCESSING", after=None, limit=5)
    assert [seen.task.id for seen in running.tasks] == [ids[1]]
    # Ahead of ids[4]: ids[0], bob's task (made just after `base`), ids[2], ids[3]; ids[1] runs.
    assert [seen.queue_position for seen in page.tasks] == [5, 4]
    # Same created_at: the id breaks the tie in both directions.
    twins = [new_task(bob) for _ in range(2)]
    for twin, name in zip(twins, ("00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"),
                          strict=True):  # fmt: skip
        twin.id, twin.created_at = name, base + timedelta(seconds=60)
        await store.tasks.create(twin, Admission())
    newest = await store.tasks.list_for_account(bob, status=None, after=(twins[1].created_at, twins[1].id), limit=5)
    assert [seen.task.id for seen in newest.tasks][0] == twins[0].id
    forward = await store.tasks.list_for_account(bob, status=None, after=(twins[0].created_at, twins[0].id), limit=5,
                                                 oldest_first=True)  # fmt: skip
    assert [seen.task.id for seen in forward.tasks] == [twins[1].id]


async def test_reclaim_requeue_and_release(store: TaskStore) -> None:
    account = await open_account(store)
    now = utcnow()
    stale, fresh, running, lost = [(await store.tasks.create(new_task(account), Admission())).task for _ in range(4)]
    await store.tasks.claim(running.id, "w1", LEASE)
    await store.tasks.claim(lost.id, "w2", timedelta(seconds=-5))
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(Task).where(Task.id == stale.id).values(updated_at=now - timedelta(minutes=5)))
    stale_before = now - timedelta(minutes=1)
    rows = await store.tasks.reclaimable(utcnow(), stale_before)
    assert sorted((row[0], row[2], row[3]) for row in rows) == sorted(
        [(stale.id, "TASK_PENDING", 0), (lost.id, "TASK_PROCESSING", 1)])
    assert await store.tasks.requeue(lost.id, utcnow(), stale_before)
    assert not await store.tasks.requeue(lost.id, utcnow(), stale_before)  # once only
    assert not await store.tasks.requeue(fresh.id, utcnow(), stale_before)
    assert not await store.tasks.requeue(running.id, utcnow(), stale_before)
    requeued = await store.tasks.get(lost.id)
    assert requeued is not None
    assert (requeued.status, requeued.message, requeued.worker_id, requeued.lease_expires_at, requeued.attempts) == (
        "TASK_PENDING", "Task is queued.", None, None, 1)
    assert await store.tasks.renew(running.id, "w1", LEASE, 55.0)
    async with store.tasks._sessions() as session, session.begin():  # sent long ago, claimed since
        await session.execute(update(Task).where(Task.id == running.id).values(dispatched_at=now - timedelta(minutes=5)))
    assert not await store.tasks.release(running.id, "w2")
    assert await store.tasks.release(running.id, "w1")
    released = await store.tasks.get(running.id)
    assert released is not None
    assert (released.status, released.attempts, released.worker_id, released.progress) == ("TASK_PENDING", 0, None, 0.0)
    # Whoever released it queues it again now: not stale to the sweep, which would send it twice.
    assert released.dispatched_at is not None and released.dispatched_at >= now
    assert running.id not in [row[0] for row in await store.tasks.reclaimable(utcnow(), stale_before)]
    assert not await store.tasks.release(running.id, "w1")


async def test_expired_videos_and_old_keys(store: TaskStore) -> None:
    account = await open_account(store)
    tasks = [(await store.tasks.create(new_task(account), Admission(idempotency=IdempotencyClaim(f"k{n}", "h"))))
             .task for n in range(3)]  # fmt: skip
    for task in tasks:
        await store.tasks.claim(task.id, "w", LEASE)
        await store.tasks.succeed(task.id, "w", f"{task.id}.mp4")
    later = utcnow() + timedelta(hours=2, seconds=1)
    assert {task.id for task in await store.tasks.expired_videos(utcnow())} == set()
    expired = await store.tasks.expired_videos(later, limit=2)
    assert len(expired) == 2
    await store.tasks.mark_video_deleted(expired[0].id)
    left = await store.tasks.expired_videos(later)
    assert {task.id for task in left} == {task.id for task in tasks} - {expired[0].id}
    deleted = await store.tasks.get(expired[0].id)
    assert deleted is not None and deleted.video_deleted_at is not None
    assert await store.tasks.forget_idempotency_keys(utcnow()) == 0
    assert await store.tasks.forget_idempotency_keys(utcnow() + timedelta(hours=24, seconds=1)) == 3
