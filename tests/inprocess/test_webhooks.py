"""Webhook delivery in-process: signed POSTs to a real loopback receiver, the delivery rows'
claim / record / backoff rules on a real SQLite store, and the dispatcher between them."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text, update

from stillmotion import __version__
from stillmotion.client.webhooks import verify_webhook
from stillmotion.config import Settings
from stillmotion.errors import InvalidField
from stillmotion.tasks.db import create_engine, create_sessionmaker
from stillmotion.tasks.models import WebhookDelivery, utcnow
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.store import TaskStore
from stillmotion.webhooks import send as send_module
from stillmotion.webhooks.dispatcher import WebhookDispatcher
from stillmotion.webhooks.send import AttemptOutcome, post_once
from stillmotion.webhooks.signing import signed_headers
from stillmotion.webhooks.store import IN_FLIGHT_GRACE, MAX_ATTEMPTS, DeliveryStore, retry_delay
from stillmotion.webhooks.targets import precheck_callback_url
from tests.inprocess.conftest import new_task, open_account

LOOPBACK = Settings(fetch_allow=["127.0.0.1"])


@dataclass
class Receiver:
    """An HTTP server on loopback that records each request and answers the next planned status."""

    port: int = 0
    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    state.hold.set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((self.path, dict(self.headers), body))
            state.hold.wait(10)
            status = state.statuses.pop(0) if state.statuses else 200
            if status == 0:  # hang up without an answer
                self.close_connection = True
                return
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    state.hold.set()
    server.shutdown()
    server.server_close()


def test_signed_headers_carry_id_timestamp_and_a_verifiable_signature() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    headers = signed_headers(secret, "msg_1", 1614265330, '{"a":1}')
    assert list(headers) == ["webhook-id", "webhook-timestamp", "webhook-signature"]
    assert headers["webhook-id"] == "msg_1" and headers["webhook-timestamp"] == "1614265330"
    assert verify_webhook(headers, '{"a":1}', secret, now=1614265330) == {"a": 1}


def test_backoff_doubles_from_the_base() -> None:
    assert [retry_delay(n, 3.0) for n in (1, 2, 3)] == [timedelta(seconds=s) for s in (3, 6, 12)]
    assert MAX_ATTEMPTS == 4 and IN_FLIGHT_GRACE == timedelta(seconds=20)


async def test_a_200_is_delivered_with_the_exact_request(receiver: Receiver) -> None:
    headers = signed_headers("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_2", 1700000000, '{"x":"é"}')
    outcome = await post_once(receiver.url("/cb?q=1"), headers, '{"x":"é"}', LOOPBACK)
    assert outcome == AttemptOutcome(delivered=True, status_code=200, error=None)
    [(path, received, body)] = receiver.requests
    assert path == "/cb?q=1" and body == '{"x":"é"}'.encode()
    assert received["Content-Type"] == "application/json"
    assert received["User-Agent"] == f"stillmotion/{__version__} (webhook)"
    assert {name: received[name] for name in headers} == headers


@pytest.mark.parametrize(("status", "error"), [(500, "answered HTTP 500, not 200"), (201, "answered HTTP 201, not 200"),
                                               (302, "answered HTTP 302, not 200")])  # fmt: skip
async def test_any_other_status_is_a_failed_attempt(receiver: Receiver, status: int, error: str) -> None:
    receiver.statuses.append(status)
    assert await post_once(receiver.url(), {}, "{}", LOOPBACK) == AttemptOutcome(False, status, error)
    assert len(receiver.requests) == 1  # a redirect is never followed


async def test_refusals_and_transport_failures_are_described(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    assert await post_once(receiver.url(), {}, "{}", Settings()) == AttemptOutcome(
        False, None, "callback_url resolves to a loopback address; refused.")
    assert await post_once("ftp://127.0.0.1/x", {}, "{}", LOOPBACK) == AttemptOutcome(
        False, None, "callback_url is not an http or https URL.")
    assert await post_once("http://no-such-host.invalid/x", {}, "{}", LOOPBACK) == AttemptOutcome(
        False, None, "callback_url host no-such-host.invalid could not be resolved.")
    closed = receiver.url().replace(str(receiver.port), "1")
    assert await post_once(closed, {}, "{}", LOOPBACK) == AttemptOutcome(
        False, None, "could not connect (connection refused or TLS failure)")
    receiver.statuses.append(0)
    assert await post_once(receiver.url(), {}, "{}", LOOPBACK) == AttemptOutcome(
        False, None, "transport error: RemoteProtocolError")
    monkeypatch.setattr(send_module, "ATTEMPT_TIMEOUT_SECONDS", 0.3)
    receiver.hold.clear()  # the receiver does not answer in time
    assert await post_once(receiver.url(), {}, "{}", LOOPBACK) == AttemptOutcome(
        False, None, "no HTTP answer within 0.3 s")


async def test_precheck_refuses_with_1000_on_callback_url() -> None:
    await precheck_callback_url(None, Settings())
    await precheck_callback_url("http://127.0.0.1:9/hook", LOOPBACK)
    with pytest.raises(InvalidField) as refused:
        await precheck_callback_url("http://127.0.0.1:9/hook", Settings())
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        1000, "callback_url", "callback_url resolves to a loopback address; refused.")


async def _finished_with_callback(store: TaskStore, url: str, count: int = 1) -> tuple[int, list[str]]:
    account = await open_account(store, credits=None)
    ids = []
    for _ in range(count):
        task = (await store.tasks.create(new_task(account, callback_url=url), Admission())).task
        await store.tasks.fail(task.id, None, 5002, "engine error")
        ids.append(task.id)
    return account, ids


async def test_delivery_rows_claim_record_and_give_up(store: TaskStore) -> None:
    deliveries = store.deliveries
    _, (task_id, other_id) = await _finished_with_callback(store, "http://127.0.0.1:9/h", 2)
    now = utcnow()
    due = await deliveries.due(now, 10)
    assert [row.task_id for row in due] == [task_id, other_id]
    assert [row.task_id for row in await deliveries.due(now, 1)] == [task_id]
    assert await deliveries.due(due[0].next_attempt_at - timedelta(seconds=1), 10) == []  # type: ignore[operator]
    assert [r.task_id for r in await deliveries.due(due[0].next_attempt_at, 10)][:1] == [task_id]  # due at its instant
    row = await deliveries.for_task(task_id)
    assert row is not None and row.id == due[0].id and await deliveries.for_task("none") is None

    claimed = await deliveries.claim(row.id, now)
    assert claimed is not None and claimed.attempts == 1 and claimed.next_attempt_at == now + IN_FLIGHT_GRACE
    assert claimed.updated_at == now  # the claim is when the row last changed
    assert await deliveries.claim(row.id, now) is None  # in flight: not due
    assert [r.task_id for r in await deliveries.due(now, 10)] == [other_id]

    failed = AttemptOutcome(False, 500, "answered HTTP 500, not 200")
    assert await deliveries.record(claimed, failed, backoff_seconds=10) == "pending"
    after = await deliveries.for_task(task_id)
    assert (after.status, after.last_status_code, after.last_error) == ("pending", 500, "answered HTTP 500, not 200")  # type: ignore[union-attr]
    wait = after.next_attempt_at - after.updated_at  # type: ignore[union-attr, operator]
    assert wait == timedelta(seconds=10)

    # Attempts 2..4: the backoff doubles, then the delivery fails for good.
    for attempt, expected in ((2, timedelta(seconds=20)), (3, timedelta(seconds=40))):
        claimed = await deliveries.claim(row.id, utcnow() + timedelta(hours=1))
        assert claimed is not None and claimed.attempts == attempt
        assert await deliveries.record(claimed, failed, 10) == "pending"
        after = await deliveries.for_task(task_id)
        assert after.next_attempt_at - after.updated_at == expected  # type: ignore[union-attr, operator]
    claimed = await deliveries.claim(row.id, utcnow() + timedelta(hours=1))
    assert claimed is not None and claimed.attempts == 4
    assert await deliveries.record(claimed, AttemptOutcome(False, None, "refused"), 10) == "failed"
    final = await deliveries.for_task(task_id)
    assert (final.status, final.next_attempt_at, final.last_error, final.last_status_code) == ("failed", None, "refused", None)  # type: ignore[union-attr]
    assert await deliveries.claim(row.id, utcnow() + timedelta(days=1)) is None

    other = await deliveries.claim((await deliveries.for_task(other_id)).id, now)  # type: ignore[union-attr]
    assert other is not None
    stale = await deliveries.for_task(other_id)
    assert await deliveries.record(other, AttemptOutcome(True, 200), 10) == "succeeded"
    done = await deliveries.for_task(other_id)
    assert (done.status, done.next_attempt_at, done.last_error, done.last_status_code) == ("succeeded", None, None, 200)  # type: ignore[union-attr]
    assert done.delivered_at is not None  # type: ignore[union-attr]
    # An outcome for an attempt that is no longer the latest changes nothing.
    stale.attempts = 0  # type: ignore[union-attr]
    await deliveries.record(stale, failed, 10)  # type: ignore[arg-type]
    kept = await deliveries.for_task(other_id)
    assert (kept.status, kept.last_error, kept.last_status_code) == ("succeeded", None, 200)  # type: ignore[union-attr]


async def test_an_outcome_is_recorded_on_its_own_delivery_only(store: TaskStore) -> None:
    _, (first_id, second_id) = await _finished_with_callback(store, "http://127.0.0.1:9/h", 2)
    now = utcnow()
    first, second = [await store.deliveries.for_task(task_id) for task_id in (first_id, second_id)]
    assert first is not None and second is not None
    assert await store.deliveries.claim(first.id, first.next_attempt_at) is not None  # type: ignore[arg-type]
    claimed = await store.deliveries.claim(second.id, now)
    assert claimed is not None and claimed.attempts == 1
    await store.deliveries.record(claimed, AttemptOutcome(False, 500, "answered HTTP 500, not 200"), 10)
    untouched = await store.deliveries.for_task(first_id)
    assert (untouched.attempts, untouched.last_error, untouched.last_status_code) == (1, None, None)  # type: ignore[union-attr]


async def test_the_earliest_due_delivery_goes_first(either_store: TaskStore) -> None:
    """A pass with room for fewer rows than are due takes the longest-waiting ones, not the
    oldest rows: a delivery made due earlier goes before one created before it. (Where the planner
    reads the due index they come in order anyway; PostgreSQL reads an analysed small table whole,
    in storage order.)"""
    store = either_store
    _, (older_id, newer_id) = await _finished_with_callback(store, "http://127.0.0.1:9/h", 2)
    older, newer = [await store.deliveries.for_task(task_id) for task_id in (older_id, newer_id)]
    async with store.deliveries._sessions() as session, session.begin():
        await session.execute(update(WebhookDelivery).where(WebhookDelivery.id == newer.id)  # type: ignore[union-attr]
                              .values(next_attempt_at=older.next_attempt_at - timedelta(minutes=1)))  # type: ignore[union-attr, operator]
    if store.db.dialect.name == "postgresql":  # as autovacuum would: a two-row table is then read whole
        async with store.db.connect() as connection:
            await connection.execute(text("ANALYZE webhook_deliveries"))
    now = utcnow()
    assert [row.task_id for row in await store.deliveries.due(now, 10)] == [newer_id, older_id]
    assert [row.task_id for row in await store.deliveries.due(now, 1)] == [newer_id]


async def test_listing_filters_by_account_and_status(store: TaskStore) -> None:
    await _finished_with_callback(store, "http://127.0.0.1:9/a", 2)
    listed = await store.deliveries.listing()
    assert [name for _, name in listed] == ["alice", "alice"]
    assert listed[0][0].created_at >= listed[1][0].created_at
    assert len(await store.deliveries.listing(limit=1)) == 1
    assert await store.deliveries.listing(account_name="bob") == []
    assert len(await store.deliveries.listing(account_name="alice", status="pending")) == 2
    assert await store.deliveries.listing(status="succeeded") == []


async def test_the_dispatcher_delivers_signed_with_the_current_secret(store: TaskStore, receiver: Receiver,
                                                                     caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    settings = Settings(fetch_allow=["127.0.0.1"], webhook_backoff_seconds=7, webhook_poll_seconds=0.02)
    account, (task_id,) = await _finished_with_callback(store, receiver.url())
    secret = await store.accounts.rotate_webhook_secret("alice")
    dispatcher = WebhookDispatcher(store.deliveries, store.accounts, settings)
    receiver.statuses.append(503)
    with caplog.at_level(logging.INFO, logger="stillmotion.webhooks"):
        assert await dispatcher.dispatch_due() == 1
        await asyncio.wait(set(dispatcher._in_flight), timeout=10)
    first = await store.deliveries.for_task(task_id)
    assert [record.getMessage() for record in caplog.records] == [
        f"webhook {first.id} (task {task_id}) attempt 1: answered HTTP 503, not 200 -> pending"]  # type: ignore[union-attr]
    assert await dispatcher.dispatch_due() == 0  # not due again before its backoff
    retry = await store.deliveries.for_task(task_id)
    assert (retry.status, retry.attempts, retry.last_status_code) == ("pending", 1, 503)  # type: ignore[union-attr]
    assert retry.next_attempt_at - retry.updated_at == timedelta(seconds=7)  # type: ignore[union-attr, operator]

    # Due now: the running loop sends it again (the same id and body, signed anew).
    await store.deliveries.claim(retry.id, utcnow() + timedelta(hours=1))  # type: ignore[union-attr]
    retry.attempts = 2  # type: ignore[union-attr]
    await store.deliveries.record(retry, AttemptOutcome(False, 503, "x"), 0.001)  # type: ignore[arg-type]
    caplog.clear()
    caplog.set_level(logging.INFO, logger="stillmotion.webhooks")
    await dispatcher.start()
    try:
        for _ in range(500):
            delivered = await store.deliveries.for_task(task_id)
            if delivered is not None and delivered.status == "succeeded":
                break
            await asyncio.sleep(0.02)
    finally:
        await dispatcher.stop()
    assert delivered is not None and (delivered.status, delivered.attempts) == ("succeeded", 3)
    assert f"webhook {delivered.id} (task {task_id}) attempt 3: delivered -> succeeded" in [
        record.getMessage() for record in caplog.records]
    assert len(receiver.requests) == 2
    for _, headers, body in receiver.requests:
        payload = verify_webhook(headers, body, secret)
        assert payload["task_id"] == task_id and payload["failure_code"] == 5002
    assert receiver.requests[0][1]["webhook-id"] == receiver.requests[1][1]["webhook-id"] == delivered.id
    assert json.loads(receiver.requests[0][2]) == json.loads(delivered.body)


async def test_the_dispatcher_starts_no_more_than_its_room(store: TaskStore, monkeypatch: pytest.MonkeyPatch,
                                                          receiver: Receiver) -> None:  # fmt: skip
    from stillmotion.webhooks import dispatcher as dispatcher_module

    monkeypatch.setattr(dispatcher_module, "MAX_CONCURRENT_ATTEMPTS", 2)
    await _finished_with_callback(store, receiver.url(), 3)
    receiver.hold.clear()  # attempts stay in flight
    dispatcher = WebhookDispatcher(store.deliveries, store.accounts, LOOPBACK)
    assert await dispatcher.dispatch_due() == 2
    assert await dispatcher.dispatch_due() == 0  # no room
    receiver.hold.set()
    await asyncio.wait(set(dispatcher._in_flight), timeout=10)
    assert await dispatcher.dispatch_due() == 1
    await dispatcher.stop()
    assert not dispatcher._in_flight
    monkeypatch.setattr(dispatcher_module, "MAX_CONCURRENT_ATTEMPTS", 1)
    await _finished_with_callback(store, receiver.url(), 1)
    assert await dispatcher.dispatch_due() == 1  # room for exactly one
    await dispatcher.stop()


async def test_a_delivery_another_loop_claimed_first_is_skipped_not_the_rest(
        store: TaskStore, receiver: Receiver) -> None:  # fmt: skip
    """Two processes' loops can both see a row due; the one that loses its claim goes on to the
    next due row instead of ending its pass."""
    _, (taken_id, left_id) = await _finished_with_callback(store, receiver.url(), 2)

    class RacedStore(DeliveryStore):
        async def due(self, now, limit):  # type: ignore[no-untyped-def]
            rows = await super().due(now, limit)
            assert await super().claim(rows[0].id, now) is not None  # the other loop wins the first
            return rows

    dispatcher = WebhookDispatcher(RacedStore(store.deliveries._sessions), store.accounts, LOOPBACK)
    assert await dispatcher.dispatch_due() == 1
    await asyncio.wait(set(dispatcher._in_flight), timeout=10)
    await dispatcher.stop()
    taken, left = [await store.deliveries.for_task(task_id) for task_id in (taken_id, left_id)]
    assert (taken.status, taken.attempts) == ("pending", 1)  # type: ignore[union-attr]  # the other loop's to send
    assert (left.status, left.attempts) == ("succeeded", 1)  # type: ignore[union-attr]
    assert len(receiver.requests) == 1


async def test_a_failing_dispatch_pass_is_logged_and_retried(store: TaskStore, tmp_path: Path,
                                                             caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """The running loop's passes fail (here: a database without the schema) and each is logged
    under the loop's name on the webhooks logger; the loop goes on."""
    engine = create_engine(Settings(data_dir=tmp_path / "unmigrated"))
    dispatcher = WebhookDispatcher(DeliveryStore(create_sessionmaker(engine)), store.accounts,
                                   Settings(webhook_poll_seconds=0.01))  # fmt: skip
    try:
        with caplog.at_level(logging.ERROR, logger="stillmotion.webhooks"):
            await dispatcher.start()
            for _ in range(500):
                if len(caplog.records) >= 2:
                    break
                await asyncio.sleep(0.01)
            await dispatcher.stop()
    finally:
        await engine.dispose()
    failed = [(r.name, r.getMessage()) for r in caplog.records]
    assert failed[:2] == [("stillmotion.webhooks", "webhook dispatch failed; retrying next period")] * 2
