"""The task store's boundaries and guards, each pinned where a near miss would pass: the exact
instant a video expires or a key is forgotten, updates that must touch one task only, orderings that
differ from insertion order, values a later write must keep, and the sweeps' log lines."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import StatementError

from stillmotion.config import Settings
from stillmotion.errors import InvalidField, TaskNotCancellable
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.credits import CreditLedger
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.housekeeping import Housekeeper
from stillmotion.tasks.idempotency import MAX_KEY_LENGTH, IdempotencyClaim, idempotency_claim, request_digest
from stillmotion.tasks.models import Credential, IdempotencyKey, Task, utcnow
from stillmotion.tasks.reclaim import Reclaimer
from stillmotion.tasks.repository import Admission, TaskRepository
from stillmotion.tasks.store import TaskStore
from tests.inprocess.conftest import new_task, open_account
from tests.inprocess.test_accounts_and_sweeps import RecordingQueue

LEASE = timedelta(seconds=30)


def test_the_request_digest_is_of_compact_sorted_unescaped_json() -> None:
    canonical = '{"a":[1,2],"b":"é"}'
    assert request_digest({"b": "é", "a": [1, 2]}) == hashlib.sha256(canonical.encode()).hexdigest()


def test_an_idempotency_key_is_stripped_printable_and_at_most_255() -> None:
    claim = idempotency_claim("  key-1 ", {"a": 1})
    assert claim == IdempotencyClaim(key="key-1", request_hash=request_digest({"a": 1}))
    assert idempotency_claim("k" * MAX_KEY_LENGTH, {}) == IdempotencyClaim("k" * 255, request_digest({}))
    for bad in ("", "   ", "k" * 256, "tab\there", "bell\x07"):
        with pytest.raises(InvalidField, match=r"^Idempotency-Key must be 1 to 255 printable characters\.$"):
            idempotency_claim(bad, {})


async def _set(store: TaskStore, task_id: str, **values: object) -> None:
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(Task).where(Task.id == task_id).values(**values))


async def test_updates_touch_only_the_task_named(store: TaskStore) -> None:
    account = await open_account(store)
    one, two = [(await store.tasks.create(new_task(account), Admission())).task for _ in range(2)]
    for task in (one, two):
        await store.tasks.claim(task.id, "w1", LEASE)
    assert await store.tasks.renew(one.id, "w1", LEASE, 60.0)
    assert (await store.tasks.get(two.id)).progress == 0.0  # type: ignore[union-attr]
    assert await store.tasks.release(one.id, "w1")
    assert (await store.tasks.get(two.id)).status == "TASK_PROCESSING"  # type: ignore[union-attr]
    # A finished task keeps its worker id, but its lease can be neither renewed nor handed back.
    await store.tasks.succeed(two.id, "w1", "v.mp4")
    assert not await store.tasks.renew(two.id, "w1", LEASE, 10.0)
    assert not await store.tasks.release(two.id, "w1")
    done = await store.tasks.get(two.id)
    assert done is not None and (done.status, done.progress, done.attempts) == ("TASK_SUCCEEDED", 100.0, 1)


async def test_notes_once_planned_are_kept_by_later_writes(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    claimed = await store.tasks.claim(task.id, "w1", LEASE)
    assert await store.tasks.renew(task.id, "w1", LEASE, 10.0, notes=["no rain"])
    assert await store.tasks.renew(task.id, "w1", LEASE, 20.0)  # no notes: keep them
    renewed = await store.tasks.get(task.id)
    assert renewed is not None and renewed.notes == ["no rain"] and renewed.updated_at > claimed.updated_at  # type: ignore[union-attr]
    failed = await store.tasks.fail(task.id, "w1", 5002, "engine error")
    assert failed is not None and failed.notes == ["no rain"]
    # Without credits nothing else writes the row: it ends exactly when it was completed.
    assert failed.updated_at == failed.completed_at


async def test_the_finishing_message_is_exact(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    seen = await store.tasks.seen(task.id)
    assert seen.task.id == task.id and seen.queue_position == 1
    await store.tasks.cancel(task.id, account)
    with pytest.raises(TaskNotCancellable) as refused:
        await store.tasks.cancel(task.id, account)
    assert refused.value.message == "Task has already finished; it can no longer be cancelled."


async def test_orderings_follow_time_not_insertion(store: TaskStore) -> None:
    account = await open_account(store)
    base = utcnow()
    later, earlier = new_task(account), new_task(account)
    later.created_at, earlier.created_at = base + timedelta(seconds=10), base
    for task in (later, earlier):  # inserted newest first
        await store.tasks.create(task, Admission())
    assert [row[0] for row in await store.tasks.pending()] == [earlier.id, later.id]
    for task in (later, earlier):
        await store.tasks.claim(task.id, "w", timedelta(seconds=-1))
    assert [row[0] for row in await store.tasks.reclaimable(utcnow(), base)] == [earlier.id, later.id]
    for task in (later, earlier):
        await store.tasks.claim(task.id, "w", LEASE)
        await store.tasks.succeed(task.id, "w", f"{task.id}.mp4")
    await _set(store, later.id, expires_at=base)  # the row stored first expires last
    await _set(store, earlier.id, expires_at=base - timedelta(hours=1))
    assert [task.id for task in await store.tasks.expired_videos(base, limit=1)] == [earlier.id]


async def test_boundaries_are_inclusive_or_strict_as_documented(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission(idempotency=IdempotencyClaim("k", "h")))).task
    # Pending and untouched since exactly `stale_before`: not yet stale.
    assert await store.tasks.reclaimable(utcnow(), task.updated_at) == []
    assert not await store.tasks.requeue(task.id, utcnow(), task.updated_at)
    claimed = await store.tasks.claim(task.id, "w", LEASE)
    assert claimed is not None and claimed.lease_expires_at is not None
    # A lease is lost only after its expiry instant, not at it.
    assert await store.tasks.reclaimable(claimed.lease_expires_at, claimed.lease_expires_at) == []
    assert await store.tasks.claim(task.id, "w2", timedelta(0)) is None
    later = claimed.lease_expires_at + timedelta(microseconds=1)
    assert await store.tasks.requeue(task.id, later, later)
    requeued = await store.tasks.get(task.id)
    assert requeued is not None and requeued.updated_at == later  # the sweep's clock, not the row's
    await store.tasks.claim(task.id, "w", LEASE)
    done = await store.tasks.succeed(task.id, "w", f"{task.id}.mp4")
    assert done is not None and done.expires_at is not None
    # A video expires at its expiry instant; a key is forgotten only after its 24 h.
    assert [row.id for row in await store.tasks.expired_videos(done.expires_at)] == [task.id]
    async with store.tasks._sessions() as session:
        created = await session.scalar(select(IdempotencyKey.created_at))
    assert created is not None
    assert await store.tasks.forget_idempotency_keys(created + timedelta(hours=24)) == 0
    assert await store.tasks.forget_idempotency_keys(created + timedelta(hours=24, microseconds=1)) == 1


async def test_the_cursor_breaks_ties_by_id_only_at_the_same_instant(store: TaskStore) -> None:
    account = await open_account(store)
    base = utcnow()
    names = ["00000000-0000-4000-8000-00000000000" + digit for digit in "0123"]
    placed = [(names[1], base), (names[2], base), (names[0], base + timedelta(seconds=5)),
              (names[3], base - timedelta(seconds=5))]  # fmt: skip
    for name, created in placed:
        task = new_task(account)
        task.id, task.created_at = name, created
        await store.tasks.create(task, Admission())
    newest_first = await store.tasks.list_for_account(account, status=None, after=(base, names[2]), limit=10)
    assert [seen.task.id for seen in newest_first.tasks] == [names[1], names[3]]
    oldest_first = await store.tasks.list_for_account(account, status=None, after=(base, names[1]), limit=10,
                                                      oldest_first=True)  # fmt: skip
    assert [seen.task.id for seen in oldest_first.tasks] == [names[2], names[0]]


async def test_key_listing_orders_by_account_then_key(store: TaskStore) -> None:
    bob = await store.accounts.issue_key("bob")
    alice_first = await store.accounts.issue_key("alice")
    alice_second = await store.accounts.issue_key("alice")
    listed = await store.accounts.list_keys()
    assert [key.access_key for key in listed] == [alice_first.access_key, alice_second.access_key, bob.access_key]
    assert all(key.created_at is not None and key.created_at <= utcnow() for key in listed)


async def test_the_balance_shows_the_newest_twenty_entries(store: TaskStore) -> None:
    ledger = CreditLedger(store.tasks._sessions)
    await store.accounts.issue_key("alice")
    for amount in range(1, 23):
        await ledger.add("alice", amount)
    entries = (await ledger.balance("alice")).entries
    assert [entry.delta for entry in entries] == list(range(22, 2, -1))


async def test_sweep_log_lines(store: TaskStore, caplog: pytest.LogCaptureFixture, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    account = await open_account(store, credits=None)
    storage = LocalStorage(Settings(data_dir=tmp_path))
    keeper = Housekeeper(store.tasks, storage)
    with_key = (await store.tasks.create(new_task(account), Admission(idempotency=IdempotencyClaim("k", "h")))).task
    async with store.tasks._sessions() as session, session.begin():
        await session.execute(update(IdempotencyKey).values(created_at=utcnow() - timedelta(hours=25)))
    with caplog.at_level(logging.INFO):
        assert await keeper.sweep() == 0
        assert await keeper.sweep() == 0  # nothing to do: no line
    assert [r.getMessage() for r in caplog.records] == ["deleted 0 expired videos, forgot 1 idempotency keys, removed 0 abandoned render files"]
    caplog.clear()

    # The reclaimer: one exhausted task fails (one event line), a lost one is requeued (a warning), a
    # stale pending one is requeued silently, and one a worker claims meanwhile is skipped.
    exhausted, lost, stale, raced = [(await store.tasks.create(new_task(account), Admission())).task for _ in range(4)]
    for _ in range(3):
        await store.tasks.claim(exhausted.id, "w", timedelta(seconds=-1))
    await store.tasks.claim(lost.id, "w", timedelta(seconds=-1))
    for task in (stale, raced, with_key):
        await _set(store, task.id, updated_at=utcnow() - timedelta(minutes=5), created_at=utcnow() - timedelta(
            minutes=10 if task is raced else 5))
    real_reclaimable = store.tasks.reclaimable

    async def then_a_worker_claims(*args: object) -> object:
        rows = await real_reclaimable(*args)  # type: ignore[arg-type]
        await store.tasks.claim(raced.id, "quick", LEASE)
        return rows

    monkeypatch.setattr(store.tasks, "reclaimable", then_a_worker_claims)
    queue = RecordingQueue()
    with caplog.at_level(logging.INFO):
        assert await Reclaimer(store.tasks, queue, storage.scratch, 3, 60).sweep() == 3  # type: ignore[arg-type]
    assert raced.id not in [task_id for task_id, _ in queue.submitted]
    assert [r.getMessage() for r in caplog.records] == [
        f"task {exhausted.id} failed code=5004 reason=\"Task did not finish after 3 attempts.\"",
        f"task {lost.id}: lease expired after attempt 1; queued again",
    ]
    caplog.clear()
    monkeypatch.setattr(store.tasks, "reclaimable", real_reclaimable)
    await _set(store, lost.id, updated_at=utcnow() - timedelta(minutes=5), dispatched_at=utcnow() - timedelta(minutes=5))
    with caplog.at_level(logging.WARNING):
        assert await Reclaimer(store.tasks, RecordingQueue(reachable=False), storage.scratch, 3, 60).sweep() == 0  # type: ignore[arg-type]
    assert [r.getMessage() for r in caplog.records] == ["queue unreachable (broker down); dispatching again later"]


def test_event_values_are_quoted_only_when_they_need_it(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="stillmotion.tasks"):
        log_task_event("started", "t2", worker="w-1", attempt=2)
    assert caplog.records[0].getMessage() == "task t2 started worker=w-1 attempt=2"


async def test_credentials_are_cached_only_when_asked(store: TaskStore) -> None:
    sessions = store.tasks._sessions
    uncached, brief = AccountStore(sessions), AccountStore(sessions, cache_seconds=0.5)
    issued = await uncached.issue_key("alice")
    assert len(issued.secret_key) == 43 and len(issued.api_key) == 3 + 43  # 32 random bytes each
    assert await uncached.by_api_key(issued.api_key) is not None
    assert await brief.by_api_key(issued.api_key) is not None
    async with sessions() as session, session.begin():  # revoked by another process
        await session.execute(update(Credential).values(revoked=True))
    assert await uncached.by_api_key(issued.api_key) is None  # the default looks every key up
    assert await brief.by_api_key(issued.api_key) is not None  # within its half second


async def test_a_new_key_grant_is_a_noted_ledger_row(store: TaskStore) -> None:
    await store.accounts.issue_key("alice", 4)
    balance = await CreditLedger(store.tasks._sessions).balance("alice")
    assert [(entry.delta, entry.reason, entry.note) for entry in balance.entries] == [(4, "grant", "granted with a new key")]
    with pytest.raises(ValueError, match=r"^the balance cannot go below zero$"):
        await CreditLedger(store.tasks._sessions).add("alice", -5)


async def test_settling_one_task_leaves_the_others_reserved(store: TaskStore) -> None:
    account = await open_account(store, credits=10)
    one, two = [(await store.tasks.create(new_task(account), Admission(cost=2))).task for _ in range(2)]
    await store.tasks.cancel(one.id, account)
    other = await store.tasks.get(two.id)
    assert other is not None and other.credit_state == "reserved"


async def test_only_unfinished_tasks_count_as_active(store: TaskStore) -> None:
    account = await open_account(store)
    done = (await store.tasks.create(new_task(account), Admission(max_active=1))).task
    await store.tasks.cancel(done.id, account)
    await store.tasks.create(new_task(account), Admission(max_active=1))


async def test_a_takeover_starts_the_progress_again(store: TaskStore) -> None:
    account = await open_account(store)
    task = (await store.tasks.create(new_task(account), Admission())).task
    await store.tasks.claim(task.id, "w1", LEASE)
    assert await store.tasks.renew(task.id, "w1", timedelta(seconds=-1), 50.0)  # then w1 stalls
    taken = await store.tasks.claim(task.id, "w2", LEASE)
    assert taken is not None and (taken.worker_id, taken.progress, taken.attempts) == ("w2", 0.0, 2)


async def test_a_plain_repository_has_one_queue(store: TaskStore) -> None:
    account = await open_account(store)
    plain = TaskRepository(store.tasks._sessions)
    await plain.create(new_task(account, model_name="a"), Admission())
    second = (await plain.create(new_task(account, model_name="b"), Admission())).task
    assert (await plain.seen(second.id)).queue_position == 2


async def test_a_naive_time_never_reaches_the_database(store: TaskStore) -> None:
    account = await open_account(store)
    task = new_task(account)
    task.created_at = datetime(2026, 1, 1)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(StatementError) as refused:
        await store.tasks.create(task, Admission())
    assert isinstance(refused.value.orig, ValueError) and str(refused.value.orig) == "naive datetime"
