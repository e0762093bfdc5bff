"""Where videos and uploads live: the `Storage` seam and the one place that picks an implementation."""

from __future__ import annotations

from stillmotion.config import Settings
from stillmotion.storage.base import Storage


def create_storage(settings: Settings) -> Storage:
    """The storage `STILLMOTION_STORAGE` names; the S3 one is imported only when chosen."""
    if settings.storage == "s3":
        from stillmotion.storage.s3 import S3Storage  # type: ignore[import-not-found, unused-ignore]

        return S3Storage(settings)  # type: ignore[no-any-return, unused-ignore]
    from stillmotion.storage.local import LocalStorage

    return LocalStorage(settings)


__all__ = ["Storage", "create_storage"]
