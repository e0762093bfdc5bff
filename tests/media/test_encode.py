"""The encoder's settings reach x264: the motion search it is told is the one it uses.

x264 writes its whole configuration into the stream (an SEI string), so the file itself says
which search made it.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from stillmotion.config import Settings
from stillmotion.media.encode import Mp4Writer


def _motion_search(path: Path, motion_search: str) -> str:
    encoder = Settings().encoder
    with Mp4Writer(path, 64, 48, 30, crf=encoder.crf, preset=encoder.preset, threads=encoder.threads,
                   motion_search=motion_search) as writer:
        rng = np.random.default_rng(0)
        texture = rng.integers(0, 256, (48, 96, 3), np.uint8)
        for index in range(8):
            writer.write(np.ascontiguousarray(texture[:, index * 4 : index * 4 + 64]))
    found = re.search(rb" me=(\w+) ", path.read_bytes())
    assert found is not None, "no x264 settings string in the file"
    return found.group(1).decode()


@pytest.mark.parametrize("motion_search", ["dia", "hex", "umh"])
def test_the_motion_search_asked_for_is_used(tmp_path: Path, motion_search: str) -> None:
    assert _motion_search(tmp_path / "clip.mp4", motion_search) == motion_search


def test_empty_keeps_the_presets_own(tmp_path: Path) -> None:
    assert Settings().encoder.preset == "veryfast"  # whose own search is the hexagon
    assert _motion_search(tmp_path / "clip.mp4", "") == "hex"


def test_the_service_uses_the_diamond_by_default(tmp_path: Path) -> None:
    assert _motion_search(tmp_path / "clip.mp4", Settings().encoder.motion_search) == "dia"
