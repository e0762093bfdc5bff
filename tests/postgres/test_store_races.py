"""The store's guarded updates under real concurrency on PostgreSQL: many sessions at once, each on
its own connection, racing to reserve credits, claim a task and settle it.

SQLite serialises every writer, so these races can only be lost on PostgreSQL, where
transactions really run side by side (READ COMMITTED, row locks).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from stillmotion.errors import InsufficientCredits
from stillmotion.tasks.idempotency import IdempotencyClaim
from stillmotion.tasks.models import Account, CreditEntry, Task, TaskStatus, WebhookDelivery
from stillmotion.tasks.repository import Admission, Created
from tests.postgres.conftest import CLIENTS, Store

LEASE = timedelta(seconds=60)


async def new_account(store: Store, credits: int) -> int:
    issued = await store.accounts.issue_key(f"racer-{uuid.uuid4().hex[:8]}", credits=credits)
    credential = await store.accounts.by_api_key(issued.api_key)
    assert credential is not None
    return credential.account_id


def new_task(account_id: int, duration: int = 1, callback_url: str | None = None) -> Task:
    return Task(
        account_id=account_id, model_name="bach-1.0-preview", image_url="https://img.test/a.jpg",
        resolution="720p", duration=duration, fps=24, cfg_scale=0.5, enhance_prompt=False,
        generate_audio=False, seed=7, seed_requested=True, enable_moderation=False, callback_url=callback_url,
    )  # fmt: skip


async def settle(outcomes: list[Any]) -> tuple[list[Any], Counter[str]]:
    """Successful results, and the type names of what was raised instead."""
    errors = Counter(type(outcome).__name__ for outcome in outcomes if isinstance(outcome, BaseException))
    return [outcome for outcome in outcomes if not isinstance(outcome, BaseException)], errors


async def balance_and_ledger(store: Store, account_id: int) -> tuple[int, list[CreditEntry]]:
    async with store.sessions() as session:
        balance = await session.scalar(select(Account.credits).where(Account.id == account_id))
        rows = (await session.scalars(select(CreditEntry).where(CreditEntry.account_id == account_id))).all()
    assert balance is not None
    return balance, list(rows)


async def test_reservations_never_overdraw(store: Store) -> None:
    """120 creates at once on a 25-credit account: exactly 25 pass, the balance ends at 0, the ledger sums."""
    account = await new_account(store, credits=25)
    outcomes = await asyncio.gather(
        *(store.tasks.create(new_task(account), Admission(cost=1)) for _ in range(120)), return_exceptions=True
    )
    created, errors = await settle(list(outcomes))
    assert len(created) == 25 and errors == {"InsufficientCredits": 95}, errors
    balance, rows = await balance_and_ledger(store, account)
    assert balance == 0
    assert sum(row.delta for row in rows) == balance
    assert Counter(row.reason for row in rows) == {"grant": 1, "reserve": 25}
    async with store.sessions() as session:
        stored = await session.scalar(select(func.count()).where(Task.account_id == account))
    assert stored == 25, "a refused create must leave no task row"


async def test_mixed_costs_on_many_accounts_keep_every_balance_exact(store: Store) -> None:
    """Creates of different costs spread over several accounts at once: each account's balance is its
    grant minus exactly what its created tasks reserved, never below zero."""
    accounts = [await new_account(store, credits=20) for _ in range(4)]
    rng = random.Random(11)
    plan = [(rng.choice(accounts), rng.choice((1, 2, 3))) for _ in range(160)]
    outcomes = await asyncio.gather(
        *(store.tasks.create(new_task(account, duration=cost), Admission(cost=cost)) for account, cost in plan),
        return_exceptions=True,
    )
    assert {type(o).__name__ for o in outcomes if isinstance(o, BaseException)} <= {"InsufficientCredits"}
    for account in accounts:
        balance, rows = await balance_and_ledger(store, account)
        mine = [(cost, outcome) for (acc, cost), outcome in zip(plan, outcomes, strict=True) if acc == account]
        spent = sum(cost for cost, outcome in mine if isinstance(outcome, Created))
        assert balance == 20 - spent >= 0
        # Balances only fall during the race, so a refusal is only right if even the end balance is short.
        assert all(cost > balance for cost, outcome in mine if isinstance(outcome, InsufficientCredits))
        assert sum(row.delta for row in rows) == balance


async def test_one_idempotency_key_makes_one_task_charged_once(store: Store) -> None:
    account = await new_account(store, credits=10)
    claim = IdempotencyClaim(key="same-key", request_hash="h" * 64)
    outcomes = await asyncio.gather(
        *(store.tasks.create(new_task(account), Admission(cost=1, idempotency=claim)) for _ in range(CLIENTS))
    )
    assert len({created.task.id for created in outcomes}) == 1
    assert Counter(created.replayed for created in outcomes) == {True: CLIENTS - 1, False: 1}
    balance, _ = await balance_and_ledger(store, account)
    assert balance == 9


async def test_active_task_limit_holds_under_concurrency(store: Store) -> None:
    account = await new_account(store, credits=1000)
    outcomes = await asyncio.gather(
        *(store.tasks.create(new_task(account), Admission(cost=1, max_active=5)) for _ in range(60)),
        return_exceptions=True,
    )
    created, errors = await settle(list(outcomes))
    assert len(created) == 5 and errors == {"RateLimited": 55}, errors


async def test_one_claim_wins(store: Store) -> None:
    """20 workers race for each of 30 pending tasks: every task is taken once, on its first attempt."""
    account = await new_account(store, credits=1000)
    tasks = [(await store.tasks.create(new_task(account), Admission(cost=1))).task.id for _ in range(30)]
    workers = [f"worker-{n}" for n in range(20)]
    attempts = [(task_id, worker) for task_id in tasks for worker in workers]
    random.Random(3).shuffle(attempts)
    claims = await asyncio.gather(*(store.tasks.claim(task_id, worker, LEASE) for task_id, worker in attempts))
    winners = Counter(claim.id for claim in claims if claim is not None)
    assert winners == dict.fromkeys(tasks, 1)
    for claim in claims:
        if claim is not None:
            stored = await store.tasks.get(claim.id)
            assert stored is not None
            assert (stored.worker_id, stored.attempts, stored.status) == (claim.worker_id, 1, "TASK_PROCESSING")


async def test_one_reclaim_wins_after_a_lease_expires(store: Store) -> None:
    """A crashed worker's task (its lease ran out) is taken over by exactly one of many sweepers."""
    account = await new_account(store, credits=10)
    task_id = (await store.tasks.create(new_task(account), Admission(cost=1))).task.id
    assert await store.tasks.claim(task_id, "crashed", timedelta(milliseconds=1)) is not None
    await asyncio.sleep(0.01)
    claims = await asyncio.gather(*(store.tasks.claim(task_id, f"sweeper-{n}", LEASE) for n in range(CLIENTS)))
    winners = [claim for claim in claims if claim is not None]
    assert len(winners) == 1 and winners[0].attempts == 2
    # The crashed worker's late heartbeat and late success are both refused.
    assert not await store.tasks.renew(task_id, "crashed", LEASE, 50.0)
    assert await store.tasks.succeed(task_id, "crashed", "late.mp4") is None


@pytest.mark.parametrize("callback", [None, "https://hooks.test/done"])
async def test_each_task_settles_once_when_endings_race(store: Store, callback: str | None) -> None:
    """For each running task, its worker's success, its worker's failure, the client's cancel and the
    recovery sweep's failure all arrive at once: one wins, the credits are charged or refunded once,
    and at most one webhook is queued."""
    account = await new_account(store, credits=100)
    tasks = [(await store.tasks.create(new_task(account, callback_url=callback), Admission(cost=2))).task.id
             for _ in range(20)]  # fmt: skip
    for task_id in tasks:
        assert await store.tasks.claim(task_id, "w", LEASE) is not None

    def endings(task_id: str) -> list[Any]:
        return [
            store.tasks.succeed(task_id, "w", f"{task_id}.mp4"),
            store.tasks.fail(task_id, "w", 5002, "engine error"),
            store.tasks.cancel(task_id, account),
            store.tasks.fail(task_id, None, 5004, "gave up"),
        ]

    racing = [ending for task_id in tasks for ending in endings(task_id)]
    random.Random(5).shuffle(racing)
    outcomes = await asyncio.gather(*racing, return_exceptions=True)
    finished, errors = await settle(list(outcomes))
    # A cancel that lost answers 1201; the other losers return None.
    assert set(errors) <= {"TaskNotCancellable"}, errors
    won = Counter(task.id for task in finished if task is not None)
    assert won == dict.fromkeys(tasks, 1)

    balance, rows = await balance_and_ledger(store, account)
    by_task: dict[str | None, list[str]] = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row.reason)
    charged = 0
    for task_id in tasks:
        stored = await store.tasks.get(task_id)
        assert stored is not None and stored.status in (TaskStatus.SUCCEEDED.value, TaskStatus.FAILED.value)
        expected = "charge" if stored.status == TaskStatus.SUCCEEDED.value else "refund"
        assert sorted(by_task[task_id]) == sorted(["reserve", expected]), (task_id, by_task[task_id])
        assert stored.credit_state == ("charged" if expected == "charge" else "refunded")
        charged += 2 if expected == "charge" else 0
    assert balance == 100 - charged
    assert sum(row.delta for row in rows) == balance
    async with store.sessions() as session:
        hooks = Counter((await session.scalars(
            select(WebhookDelivery.task_id).where(WebhookDelivery.task_id.in_(tasks)))).all())  # fmt: skip
    assert hooks == (dict.fromkeys(tasks, 1) if callback else {})
