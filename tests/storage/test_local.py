"""Local storage turns every write failure into StorageFailure (503/5001 at the API), including
one where the folder itself is gone or replaced, which also makes removing the partial file fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from stillmotion.config import Settings
from stillmotion.errors import StorageFailure
from stillmotion.storage.local import LocalStorage


def _with_a_folder_replaced(tmp_path: Path, folder: str) -> LocalStorage:
    """Local storage whose `folder` (uploads, previews, videos) is now a file."""
    storage = LocalStorage(Settings(data_dir=tmp_path))
    directory = getattr(storage, f"{folder}_dir")
    shutil.rmtree(directory)
    directory.write_bytes(b"not a folder")
    return storage


@pytest.mark.parametrize("folder", ["uploads", "previews"])
def test_a_folder_replaced_by_a_file_is_a_storage_failure_not_a_crash(tmp_path: Path, folder: str) -> None:
    storage = _with_a_folder_replaced(tmp_path, folder)
    with pytest.raises(StorageFailure) as failed:
        if folder == "uploads":
            storage.save_upload(b"\xff\xd8 jpeg", "jpg")
        else:
            storage.save_preview("0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f", b"\xff\xd8 jpeg")
    assert isinstance(failed.value.__cause__, NotADirectoryError)


def test_a_failed_write_leaves_no_partial_file(tmp_path: Path) -> None:
    storage = LocalStorage(Settings(data_dir=tmp_path))
    task_id = "0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
    blocker = storage.previews_dir / f"{task_id}.jpg"  # a folder where the file must go: the rename fails
    blocker.mkdir()
    (blocker / "inside").write_bytes(b"")
    with pytest.raises(StorageFailure):
        storage.save_preview(task_id, b"\xff\xd8 jpeg")
    assert [p.name for p in storage.previews_dir.iterdir()] == [blocker.name]


@pytest.mark.parametrize("folder", ["videos", "previews"])
def test_removing_from_a_folder_replaced_by_a_file_is_a_storage_failure(tmp_path: Path, folder: str) -> None:
    storage = _with_a_folder_replaced(tmp_path, folder)
    task_id = "0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"
    with pytest.raises(StorageFailure) as failed:
        if folder == "videos":
            storage.delete_video(f"{task_id}.mp4")
        else:
            storage.delete_preview(task_id)
    assert isinstance(failed.value.__cause__, NotADirectoryError)
    assert failed.value.message == f"Storage failed: the {folder[:-1]} could not be removed (not a directory)."


def test_removing_what_is_not_there_is_no_failure(tmp_path: Path) -> None:
    storage = LocalStorage(Settings(data_dir=tmp_path))
    storage.delete_preview("0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f")
    storage.delete_video("0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f.mp4")
