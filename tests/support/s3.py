"""A real S3-compatible server on loopback for the storage tests: moto's server mode, in a subprocess
on a free port, with its own state (nothing shared with other engineers' tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import boto3
import httpx

from tests.support.servers import free_port

REGION = "us-east-1"
# moto accepts any credentials until IAM checks are switched on (`enforce_auth_after`).
TEST_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


class MotoServer:
    """`moto_server` on 127.0.0.1. With `enforce_auth_after=n`, moto answers the first n requests
    without checking credentials and then enforces IAM policies, so a test can set up a bucket
    and a user with limited rights, then see the server refused (AccessDenied) like real S3."""

    def __init__(self, enforce_auth_after: int | None = None) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, **TEST_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}
        if enforce_auth_after is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(enforce_auth_after)
        self._log = Path(tempfile.mkstemp(prefix="moto-", suffix=".log")[1])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            env=env, stdout=self._log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto server exited:\n{self._log.read_text()}")
            try:
                httpx.get(f"{self.endpoint}/moto-api/", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"moto server not up after 60 s:\n{self._log.read_text()}")

    def client(self, service: str = "s3", **credentials: str) -> Any:
        keys = credentials or {"aws_access_key_id": TEST_CREDENTIALS["AWS_ACCESS_KEY_ID"],
                               "aws_secret_access_key": TEST_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION, **keys)

    def new_bucket(self) -> str:
        name = f"stillmotion-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def server_env(self, bucket: str, **credentials: str) -> dict[str, str]:
        """The environment a stillmotion process needs to keep its files in `bucket` here."""
        return {
            **TEST_CREDENTIALS, **credentials, "AWS_DEFAULT_REGION": REGION,
            "STILLMOTION_STORAGE": "s3", "STILLMOTION_S3_BUCKET": bucket,
            "STILLMOTION_S3_ENDPOINT_URL": self.endpoint,
        }  # fmt: skip

    def objects(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client().list_objects_v2(Bucket=bucket).get("Contents", [])]

    def open_multipart_uploads(self, bucket: str) -> list[str]:
        return [item["Key"] for item in self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])]

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.unlink(missing_ok=True)


def read_only_deployment() -> tuple[MotoServer, str, dict[str, str]]:
    """A moto server enforcing IAM, a bucket on it, and the AWS_* credentials of a user who may read
    and list but not write: a bucket that refuses the server's writes, as with wrong permissions."""
    moto = MotoServer(enforce_auth_after=4)  # exactly the four set-up requests below
    bucket = moto.new_bucket()
    iam = moto.client("iam")
    iam.create_user(UserName="reader")
    iam.put_user_policy(UserName="reader", PolicyName="read-only", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Resource": "*", "Action": ["s3:Get*", "s3:List*"]}],
    }))  # fmt: skip
    key = iam.create_access_key(UserName="reader")["AccessKey"]
    return moto, bucket, {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}


def as_client_keys(credentials: dict[str, str]) -> dict[str, str]:
    """AWS_* environment names to boto3.client keyword arguments."""
    return {name.lower(): value for name, value in credentials.items()}
