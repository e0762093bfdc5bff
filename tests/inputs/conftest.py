"""Fixtures of the image input tests: the loopback image hosts and test settings."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from stillmotion.config import Settings
from tests.inputs.image_host import ImageServer, serve


@pytest.fixture(scope="module")
def image_server() -> Iterator[ImageServer]:
    yield from serve()


@pytest.fixture(scope="module")
def tls_authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_image_server(tls_authority: trustme.CA) -> Iterator[ImageServer]:
    """HTTPS on loopback with a certificate for the name "images.test" only."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_authority.issue_cert("images.test").configure_cert(context)
    yield from serve(context)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Loopback allowed (the test server lives there), short timeouts so failures are quick."""
    return Settings(
        data_dir=tmp_path,
        public_url="http://stillmotion.test:8000",
        fetch_allow=["127.0.0.1"],
        fetch_connect_timeout=2.0,
        fetch_read_timeout=0.5,
        fetch_total_timeout=3.0,
    )
