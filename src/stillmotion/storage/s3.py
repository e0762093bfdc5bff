"""Videos and uploads in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), with boto3.

    {prefix}videos/{task_id}.mp4    published videos
    {prefix}uploads/{random}.{ext}  uploaded images (workers read them from here, not from the API)
    {prefix}previews/{task_id}.jpg  the latest latent preview of each running task (the API reads it)

Renders still write to a local scratch file on the worker; `publish_video` then sends it with
boto3's managed transfer, which splits a large file into a multipart upload and aborts the
upload if any part fails: an object appears whole or not at all. Clients download straight from
the bucket: from `s3_public_base_url` (a CDN in front of it) when set, else from a presigned GET
URL that expires after `s3_url_expiry_seconds`; the API's own file routes redirect there.
Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile,
an instance role).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from starlette.responses import RedirectResponse, Response

from stillmotion.config import Settings
from stillmotion.errors import StorageFailure, TaskNotFound
from stillmotion.inputs.uploads import upload_url
from stillmotion.storage.base import KEY, MEDIA_TYPES
from stillmotion.storage.scratch import Scratch

try:
    import boto3
    from boto3.exceptions import Boto3Error
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
except ImportError as exc:  # the `s3` extra is optional
    raise ImportError("STILLMOTION_STORAGE=s3 needs boto3: pip install 'stillmotion[s3]'") from exc

_FAILURES = (BotoCoreError, ClientError, Boto3Error)
MIB = 1024 * 1024


class S3Storage:
    def __init__(self, settings: Settings) -> None:
        if not settings.s3_bucket:
            raise ValueError("STILLMOTION_STORAGE=s3 needs STILLMOTION_S3_BUCKET")
        self.bucket = settings.s3_bucket
        self.prefix = settings.s3_prefix
        self.public_base = settings.s3_public_base_url.rstrip("/") if settings.s3_public_base_url else None
        self.expiry = settings.s3_url_expiry_seconds
        self.scratch = Scratch(settings.data_dir / "scratch")
        self._settings = settings
        # Its own session: the default one caches credentials process-wide and is not thread-safe.
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            config=Config(signature_version="s3v4", s3={"addressing_style": settings.s3_addressing_style},
                          retries={"mode": "standard", "max_attempts": 3}),
        )  # fmt: skip
        part = settings.s3_multipart_chunk_mb * MIB
        self._transfer = TransferConfig(multipart_threshold=part, multipart_chunksize=part, max_concurrency=4)

    def publish_video(self, task_id: str, rendered: Path) -> str:
        """Send the render to the bucket (multipart above `s3_multipart_chunk_mb`), then drop the
        scratch file. A refusal (no such bucket, access denied, unreachable) is StorageFailure,
        and the transfer has aborted its multipart upload: no object, no orphaned parts."""
        key = f"{task_id}.mp4"
        try:
            self._client.upload_file(
                str(rendered), self.bucket, self._object("videos", key),
                ExtraArgs={"ContentType": "video/mp4"}, Config=self._transfer,
            )  # fmt: skip
        except _FAILURES as exc:
            raise StorageFailure(_refusal("the video", exc)) from exc
        rendered.unlink(missing_ok=True)
        return key

    def video_url(self, key: str) -> str:
        return self._url(self._object("videos", key))

    def video_response(self, key: str) -> Response:
        return self._redirect("videos", key, "Video not found.")

    def delete_video(self, key: str) -> None:
        """Deleting an object that is already gone succeeds, as S3 does."""
        if not KEY.match(key):
            return
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._object("videos", key))
        except _FAILURES as exc:
            raise StorageFailure(_refusal("the video", exc, action="deleted")) from exc

    def save_upload(self, data: bytes, extension: str) -> str:
        key = f"{secrets.token_urlsafe(16)}.{extension}"
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._object("uploads", key), Body=data,
                                    ContentType=MEDIA_TYPES[extension])  # fmt: skip
        except _FAILURES as exc:
            raise StorageFailure(_refusal("the upload", exc)) from exc
        return upload_url(key, self._settings)

    def read_upload(self, key: str) -> bytes | None:
        return self._read("uploads", key, "the upload")

    def save_preview(self, task_id: str, jpeg: bytes) -> None:
        key = f"{task_id}.jpg"
        if not KEY.match(key):
            return
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._object("previews", key), Body=jpeg,
                                    ContentType="image/jpeg")  # fmt: skip
        except _FAILURES as exc:
            raise StorageFailure(_refusal("the preview", exc)) from exc

    def read_preview(self, task_id: str) -> bytes | None:
        return self._read("previews", f"{task_id}.jpg", "the preview")

    def delete_preview(self, task_id: str) -> None:
        key = f"{task_id}.jpg"
        if not KEY.match(key):
            return
        try:
            self._client.delete_object(Bucket=self.bucket, Key=self._object("previews", key))
        except _FAILURES as exc:
            raise StorageFailure(_refusal("the preview", exc, action="deleted")) from exc

    def _read(self, kind: str, key: str, what: str) -> bytes | None:
        """An object's bytes; None when there is no such object."""
        if not KEY.match(key):
            return None
        try:
            found = self._client.get_object(Bucket=self.bucket, Key=self._object(kind, key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise StorageFailure(_refusal(what, exc, action="read")) from exc
        except _FAILURES as exc:
            raise StorageFailure(_refusal(what, exc, action="read")) from exc
        with found["Body"] as body:
            return bytes(body.read())

    def upload_response(self, key: str) -> Response:
        return self._redirect("uploads", key, "Upload not found.")

    def _object(self, kind: str, key: str) -> str:
        return f"{self.prefix}{kind}/{key}"

    def _url(self, name: str) -> str:
        """The CDN URL, or a presigned GET (signed locally: no request to the bucket)."""
        if self.public_base is not None:
            return f"{self.public_base}/{name}"
        return str(self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=self.expiry))  # fmt: skip

    def _redirect(self, kind: str, key: str, missing: str) -> Response:
        """The API's file routes send clients to the bucket; whether the object still exists is the
        bucket's answer to give (a 404 there), so no request is made here."""
        if not KEY.match(key):
            raise TaskNotFound(missing)
        return RedirectResponse(self._url(self._object(kind, key)), status_code=307)


def _refusal(what: str, exc: BaseException, action: str = "stored") -> str:
    """A message for the task's failure that says storage failed and why, without credentials or URLs."""
    reason = type(exc).__name__
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ClientError):
            reason = str(seen.response.get("Error", {}).get("Code") or reason)
            break
        seen = seen.__cause__ or seen.__context__
    return f"Storage failed: {what} could not be {action} in the bucket ({reason})."
