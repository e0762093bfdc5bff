"""The Python SDK (`stillmotion.client`) against the real server on loopback, sync and async."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import jwt
import pytest
from skimage import data as skimage_data

from stillmotion.client import (
    AsyncClient,
    AuthError,
    Client,
    ClientError,
    IdempotencyConflict,
    InsufficientCredits,
    NotCancellable,
    NotFound,
    RateLimited,
    TaskFailed,
    TransportError,
    ValidationError,
    WaitTimeout,
)
from stillmotion.client.auth import RENEW_BEFORE_SECONDS, AccessKeyPair
from tests.support.images import encode
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost, free_port
from tests.support.videos import video_shape

HEAVY = ("numpy", "cv2", "torch", "PIL", "sqlalchemy", "fastapi", "av", "scipy")


def client_for(server: KeyedServer, account: str) -> Client:
    return Client(server.base_url, api_key=server.keys[account]["api_key"])


def test_importing_the_sdk_loads_none_of_the_server() -> None:
    code = f"import sys, stillmotion.client; print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_file_to_video_with_access_key_jwts(client_server: KeyedServer, photo: bytes, tmp_path: Path) -> None:
    """The README's path: a local file is uploaded, the task polled with progress, the MP4 saved."""
    keys = client_server.keys["sdk"]
    image = tmp_path / "photo.jpg"
    image.write_bytes(photo)
    seen: list[tuple[str, int | None]] = []
    with Client(client_server.base_url, access_key=keys["access_key"], secret_key=keys["secret_key"]) as client:
        task = client.create(image, prompt="clouds drift slowly, slow push in", duration=2, fps=24, seed=7)
        assert task.status in ("TASK_PENDING", "TASK_PROCESSING")
        assert task.wait(timeout=120, on_progress=lambda t: seen.append((t.status, t.progress))) is task
        saved = task.download(tmp_path / "out.mp4")
    assert task.succeeded and task.progress == 100 and task.seed == 7
    assert seen[-1] == ("TASK_SUCCEEDED", 100)
    assert [progress for _, progress in seen] == sorted(progress or 0 for _, progress in seen)
    assert video_shape(saved)[:2] == (1280, 720) and video_shape(saved)[3] == 48
    assert not (tmp_path / "out.mp4.partial").exists()


def test_the_engines_notes_are_on_the_task(client_server: KeyedServer) -> None:
    with client_for(client_server, "sdk") as client:
        task = client.create(encode(skimage_data.chelsea(), "PNG"), prompt="the cat blinks, slow push in",
                             duration=1, fps=24).wait(timeout=120)  # fmt: skip
    assert len(task.notes) == 1 and task.notes[0].startswith("'blinks': a subject's action")


def test_url_and_bytes_are_both_accepted(client_server: KeyedServer, image_host: ImageHost, photo: bytes) -> None:
    with client_for(client_server, "sdk") as client:
        from_url = client.create(image_host.url("/landscape.jpg"), duration=1)
        from_bytes = client.create(photo, duration=1, resolution="720p")
        for task in (from_url, from_bytes):
            task.wait(timeout=120)
            assert task.succeeded and task.video_url


def test_validation_error_names_the_field(client_server: KeyedServer, photo: bytes) -> None:
    with client_for(client_server, "sdk") as client, pytest.raises(ValidationError) as caught:
        client.create(photo, duration=9)
    assert (caught.value.code, caught.value.http_status, caught.value.field) == (1000, 400, "duration")
    assert "Duration" in caught.value.message


def test_wrong_credentials_raise_auth_error(client_server: KeyedServer) -> None:
    keys = client_server.keys["sdk"]
    with Client(client_server.base_url, api_key="sm_not-a-key") as client, pytest.raises(AuthError) as caught:
        client.get("any")
    assert caught.value.code == 1101
    wrong_secret = Client(client_server.base_url, access_key=keys["access_key"], secret_key="x" * 32)
    with wrong_secret, pytest.raises(AuthError):
        wrong_secret.get("any")


def test_unknown_task_is_not_found(client_server: KeyedServer) -> None:
    with client_for(client_server, "sdk") as client, pytest.raises(NotFound) as caught:
        client.get("00000000-0000-4000-8000-000000000000")
    assert caught.value.code == 1200


def test_insufficient_credits(client_server: KeyedServer, photo: bytes) -> None:
    with client_for(client_server, "poor") as client, pytest.raises(InsufficientCredits) as caught:
        client.create(photo, duration=5)
    assert (caught.value.code, caught.value.http_status) == (1302, 403)


def test_rate_limit_carries_retry_after_and_cancel_fails_the_wait(client_server: KeyedServer, photo: bytes) -> None:
    with client_for(client_server, "busy") as client:
        running = [client.create(photo, duration=6, resolution="1080p") for _ in range(2)]
        with pytest.raises(RateLimited) as caught:
            client.create(photo, duration=1)
        assert caught.value.code == 1303 and caught.value.retry_after is not None and caught.value.retry_after > 0
        for task in running:
            task.cancel()
            assert task.failure_code == 5003 and task.state.cancelled
            with pytest.raises(TaskFailed) as failed:
                task.wait(timeout=10)
            assert failed.value.failure_code == 5003 and failed.value.cancelled
            with pytest.raises(NotCancellable):
                task.cancel()


def test_failed_task_raises_task_failed_with_its_code(client_server: KeyedServer, image_host: ImageHost) -> None:
    with client_for(client_server, "sdk") as client:
        task = client.create(image_host.url("/missing.jpg"), duration=1)
        with pytest.raises(TaskFailed) as caught:
            task.wait(timeout=60)
    assert caught.value.failure_code == 1001 and caught.value.task_id == task.id


def test_wait_gives_up_at_its_deadline(client_server: KeyedServer, photo: bytes) -> None:
    with client_for(client_server, "sdk") as client:
        task = client.create(photo, duration=6, resolution="1080p")
        started = time.monotonic()
        with pytest.raises(WaitTimeout) as caught:
            task.wait(timeout=0.3)
        assert time.monotonic() - started < 2 and caught.value.task.id == task.id
        task.cancel()


def test_list_walks_every_page(client_server: KeyedServer, photo: bytes) -> None:
    with client_for(client_server, "lister") as client:  # its own account: nothing else adds to its list
        before = [task.id for task in client.tasks.list()]
        made = [client.create(photo, duration=1).wait(timeout=120).id for _ in range(3)]
        listed = [task.id for task in client.tasks.list(page_size=1)]
    assert listed == list(reversed(made)) + before


def test_jwt_is_renewed_before_it_expires(client_server: KeyedServer) -> None:
    keys = client_server.keys["sdk"]
    pair = AccessKeyPair(keys["access_key"], keys["secret_key"], lifetime_seconds=RENEW_BEFORE_SECONDS + 1)
    first = pair.token()
    claims = jwt.decode(first, keys["secret_key"], algorithms=["HS256"])
    assert claims["iss"] == keys["access_key"] and claims["exp"] - claims["nbf"] == RENEW_BEFORE_SECONDS + 6
    assert jwt.get_unverified_header(first) == {"alg": "HS256", "typ": "JWT"}
    time.sleep(1.1)  # now within RENEW_BEFORE_SECONDS of its expiry
    second = pair.token()
    assert second != first and jwt.decode(second, keys["secret_key"], algorithms=["HS256"])["exp"] > claims["exp"]


def test_unreachable_server_is_a_transport_error() -> None:
    with Client(f"http://127.0.0.1:{free_port()}", api_key="sm_x") as client, pytest.raises(TransportError):
        client.get("any")


async def test_async_client_does_the_same(client_server: KeyedServer, photo: bytes, tmp_path: Path) -> None:
    keys = client_server.keys["async"]
    progress: list[int | None] = []

    async def record(task: object) -> None:
        progress.append(getattr(task, "progress"))

    client = AsyncClient(client_server.base_url, access_key=keys["access_key"], secret_key=keys["secret_key"])
    async with client:
        task = await client.create(photo, prompt="waves roll in", duration=1)
        await task.wait(timeout=120, on_progress=record)
        saved = await task.download(tmp_path / "async.mp4")
        listed = [each.id async for each in client.tasks.list(page_size=1)]
        with pytest.raises(ValidationError) as caught:
            await client.create(photo, fps=25)
        queued = await client.create(photo, duration=6, resolution="1080p")
        await queued.cancel()
        with pytest.raises(TaskFailed):
            await queued.wait(timeout=10)
    assert progress[-1] == 100 and video_shape(saved)[3] == 30
    assert task.id in listed and caught.value.field == "fps"


def test_local_file_must_exist(client_server: KeyedServer, tmp_path: Path) -> None:
    with client_for(client_server, "sdk") as client, pytest.raises(FileNotFoundError):
        client.create(tmp_path / "nope.jpg")


def test_a_server_without_uploads_asks_for_a_url(client_server: KeyedServer, photo: bytes) -> None:
    """Under another prefix no upload route exists, as on a server with only the document's endpoints."""
    with Client(client_server.base_url + "/elsewhere", api_key=client_server.keys["sdk"]["api_key"]) as client:
        with pytest.raises(ClientError, match="no upload endpoint: pass an http"):
            client.create(photo)


def test_idempotency_key_returns_the_same_task(client_server: KeyedServer, image_host: ImageHost) -> None:
    with client_for(client_server, "sdk") as client:
        first = client.create(image_host.url("/landscape.jpg"), duration=1, idempotency_key="sdk-once")
        again = client.create(image_host.url("/landscape.jpg"), duration=1, idempotency_key="sdk-once")
        assert again.id == first.id
        with pytest.raises(IdempotencyConflict):
            client.create(image_host.url("/landscape.jpg"), duration=2, idempotency_key="sdk-once")
        first.wait(timeout=120)
