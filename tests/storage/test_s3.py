"""S3Storage against a real S3-compatible server (moto's server mode on loopback): multipart
publishing, URLs (CDN and presigned), uploads, retention deletes, and refusals that leave nothing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from stillmotion.config import Settings
from stillmotion.errors import StorageFailure, TaskNotFound
from stillmotion.storage.s3 import MIB, S3Storage
from tests.support.s3 import REGION, TEST_CREDENTIALS, MotoServer, as_client_keys, read_only_deployment


@pytest.fixture(scope="module")
def moto() -> Iterator[MotoServer]:
    server = MotoServer()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**TEST_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)


def storage(moto: MotoServer, tmp_path: Path, bucket: str, **settings: Any) -> S3Storage:
    return S3Storage(Settings(data_dir=tmp_path, s3_bucket=bucket, s3_endpoint_url=moto.endpoint,
                              s3_multipart_chunk_mb=5, **settings))  # fmt: skip


def rendered(tmp_path: Path, store: S3Storage, task_id: str, size: int) -> tuple[Path, bytes]:
    data = os.urandom(size)
    path = store.scratch.path(task_id, "worker-test")
    path.write_bytes(data)
    return path, data


def test_a_large_video_goes_up_in_parts_and_downloads_from_a_presigned_url(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    store = storage(moto, tmp_path, bucket, s3_url_expiry_seconds=600)
    task_id = str(uuid.uuid4())
    scratch, data = rendered(tmp_path, store, task_id, 12 * MIB)
    key = store.publish_video(task_id, scratch)
    assert key == f"{task_id}.mp4" and not scratch.exists()
    head = moto.client().head_object(Bucket=bucket, Key=f"videos/{key}")
    assert head["ContentLength"] == 12 * MIB and head["ContentType"] == "video/mp4"
    assert head["ETag"].strip('"').endswith("-3"), head["ETag"]  # three 5 MiB-sized parts
    url = store.video_url(key)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["600"]
    download = httpx.get(url)
    assert download.status_code == 200 and download.content == data
    redirect = store.video_response(key)
    assert redirect.status_code == 307 and redirect.headers["location"].startswith(f"{moto.endpoint}/")
    assert moto.open_multipart_uploads(bucket) == []


def test_a_public_base_url_makes_plain_cdn_urls_under_the_prefix(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    store = storage(moto, tmp_path, bucket, s3_prefix="prod/", s3_public_base_url="https://cdn.example.com/v/")
    scratch, _ = rendered(tmp_path, store, "t1", 1000)
    key = store.publish_video("t1", scratch)
    assert store.video_url(key) == "https://cdn.example.com/v/prod/videos/t1.mp4"
    assert moto.objects(bucket) == ["prod/videos/t1.mp4"]


def test_uploads_live_in_the_bucket(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    store = storage(moto, tmp_path, bucket, public_url="https://api.example.com")
    url = store.save_upload(b"\x89PNG fake", "png")
    assert url.startswith("https://api.example.com/files/uploads/") and url.endswith(".png")
    key = url.rsplit("/", 1)[1]
    assert moto.objects(bucket) == [f"uploads/{key}"]
    assert store.read_upload(key) == b"\x89PNG fake"
    assert store.read_upload("missing.png") is None
    assert store.read_upload("../videos/x.mp4") is None
    assert store.upload_response(key).status_code == 307
    with pytest.raises(TaskNotFound):
        store.upload_response("../../etc/passwd")


def test_a_running_tasks_preview_lives_in_the_bucket_until_removed(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    store = storage(moto, tmp_path, bucket, s3_prefix="prod/")
    assert store.read_preview("t3") is None
    store.save_preview("t3", b"\xff\xd8 first")
    store.save_preview("t3", b"\xff\xd8 second")  # each step replaces the last
    assert moto.objects(bucket) == ["prod/previews/t3.jpg"]
    assert store.read_preview("t3") == b"\xff\xd8 second"
    store.delete_preview("t3")
    assert moto.objects(bucket) == [] and store.read_preview("t3") is None
    store.delete_preview("t3")  # already gone: nothing to do


def test_retention_deletes_the_object(moto: MotoServer, tmp_path: Path) -> None:
    bucket = moto.new_bucket()
    store = storage(moto, tmp_path, bucket)
    scratch, _ = rendered(tmp_path, store, "old", 1000)
    key = store.publish_video("old", scratch)
    store.delete_video(key)
    assert moto.objects(bucket) == []
    store.delete_video(key)  # already gone: nothing to do


def test_a_missing_bucket_is_a_storage_failure(moto: MotoServer, tmp_path: Path) -> None:
    store = storage(moto, tmp_path, "no-such-bucket-here")
    scratch, _ = rendered(tmp_path, store, "t2", 6 * MIB)
    with pytest.raises(StorageFailure) as refused:
        store.publish_video("t2", scratch)
    assert refused.value.code == 5005
    assert refused.value.message == "Storage failed: the video could not be stored in the bucket (NoSuchBucket)."
    with pytest.raises(StorageFailure):
        store.save_upload(b"x", "png")


def test_access_denied_leaves_no_object_and_no_open_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto enforcing IAM: the server's user may read and list the bucket but not write to it."""
    moto, bucket, reader = read_only_deployment()
    try:
        for name, value in reader.items():
            monkeypatch.setenv(name, value)
        store = storage(moto, tmp_path, bucket)
        for size in (1000, 11 * MIB):  # one PUT, then a multipart upload
            scratch, _ = rendered(tmp_path, store, f"t{size}", size)
            with pytest.raises(StorageFailure) as refused:
                store.publish_video(f"t{size}", scratch)
            assert "(AccessDenied)" in refused.value.message
        s3 = moto.client(**as_client_keys(reader))
        assert s3.list_objects_v2(Bucket=bucket).get("Contents", []) == []
        assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    finally:
        moto.close()
