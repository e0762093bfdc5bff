"""The real server with STILLMOTION_STORAGE=s3 against moto's S3 server on loopback: an upload and a
video live in the bucket and the video URL is served from it; retention deletes the object; a bucket
that is missing or refuses writes fails the task with 5005, refunded, with nothing left behind."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import ledger_rows
from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.s3 import MotoServer, as_client_keys, read_only_deployment
from tests.support.tasks import wait_until
from tests.support.videos import video_shape


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer()
    yield server
    server.close()


def s3_server(root: Path, env: dict[str, str], **extra: str) -> KeyedServer:
    return KeyedServer(root, ("sam",), STILLMOTION_WORKERS="1", **env, **extra)


def assert_nothing_left(server: KeyedServer) -> None:
    scratch = server.data_dir / "scratch"
    assert not scratch.exists() or list(scratch.iterdir()) == []
    assert not (server.data_dir / "videos").exists() or list((server.data_dir / "videos").iterdir()) == []


def test_uploads_and_videos_live_in_the_bucket(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    env = moto.server_env(bucket)
    server = s3_server(tmp_path / "srv", env, STILLMOTION_VIDEO_RETENTION_HOURS=str(4 / 3600),
                       STILLMOTION_HOUSEKEEPING_SECONDS="0.5")  # fmt: skip
    with server.running(), server.client_for("sam") as sam:
        photo = encode(landscape(1280, 720, seed=3))
        uploaded = sam.post("/api/vdr/uploads", files={"file": ("photo.jpg", photo, "image/jpeg")})
        assert uploaded.status_code == 200, uploaded.text
        image_url = uploaded.json()["data"]["image_url"]
        assert image_url.startswith(server.base_url + "/files/uploads/")
        upload_key = image_url.rsplit("/", 1)[1]
        assert moto.client().get_object(Bucket=bucket, Key=f"uploads/{upload_key}")["Body"].read() == photo

        task_id = create_task(sam, image_url=image_url, prompt="slow push in")
        done = wait_for_task(sam, task_id)
        assert done["status"] == "TASK_SUCCEEDED", done
        assert moto.objects(bucket) == sorted([f"uploads/{upload_key}", f"videos/{task_id}.mp4"])
        assert done["video_url"].startswith(f"{moto.endpoint}/{bucket}/videos/{task_id}.mp4?")
        video = httpx.get(done["video_url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        assert video_shape(io.BytesIO(video.content)) == (1280, 720, 30, 30)
        via_api = httpx.get(f"{server.base_url}/files/videos/{task_id}.mp4", follow_redirects=False)
        assert via_api.status_code == 307 and via_api.headers["location"].startswith(f"{moto.endpoint}/")
        assert_nothing_left(server)

        # Retention (4 s here) deletes the object; the task says so.
        gone = wait_until(sam, task_id, lambda task: task.get("video_deleted") is True, timeout=30)
        assert moto.objects(bucket) == [f"uploads/{upload_key}"]
        assert httpx.get(gone["video_url"]).status_code == 404


def test_a_missing_bucket_fails_the_task_with_5005_refunded(
    moto: MotoServer, tmp_path: Path, image_host: Any
) -> None:
    server = s3_server(tmp_path / "srv", moto.server_env("no-such-bucket"))
    with server.running(), server.client_for("sam") as sam:
        task_id = create_task(sam, image_url=image_host.url("/landscape.jpg"), duration=2)
        done = wait_for_task(sam, task_id)
        assert (done["status"], done["failure_code"]) == ("TASK_FAILED", 5005), done
        assert done["message"] == "Storage failed: the video could not be stored in the bucket (NoSuchBucket)."
        assert ledger_rows(server, "sam", task_id) == {"reserve": -2, "refund": 2}
        assert "no-such-bucket" not in [b["Name"] for b in moto.client().list_buckets()["Buckets"]]
        assert_nothing_left(server)


def test_a_bucket_that_refuses_writes_fails_the_task_with_5005_and_keeps_nothing(
    tmp_path: Path, image_host: Any
) -> None:
    """moto enforcing IAM: the server's credentials may read and list the bucket, not write to it."""
    moto, bucket, reader = read_only_deployment()
    try:
        server = s3_server(tmp_path / "srv", moto.server_env(bucket, **reader))
        with server.running(), server.client_for("sam") as sam:
            task_id = create_task(sam, image_url=image_host.url("/landscape.jpg"))
            done = wait_for_task(sam, task_id)
            assert (done["status"], done["failure_code"]) == ("TASK_FAILED", 5005), done
            assert done["message"] == "Storage failed: the video could not be stored in the bucket (AccessDenied)."
            assert ledger_rows(server, "sam", task_id) == {"reserve": -1, "refund": 1}
            refused = sam.post("/api/vdr/uploads", files={"file": ("p.jpg", encode(landscape(640, 360)), "image/jpeg")})
            # 5005 is only ever a failed task's code; an upload the storage refuses is "not ready".
            assert (refused.status_code, refused.json()["code"]) == (503, 5001), refused.text
            assert_nothing_left(server)
        s3 = moto.client(**as_client_keys(reader))
        assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    finally:
        moto.close()
