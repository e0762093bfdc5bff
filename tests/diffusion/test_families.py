"""Mapping a request onto each family's native format: sizes on the model grid, frame counts by rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from stillmotion.engines.diffusion.families import (
    NativeFormat,
    guidance_scale,
    native_frame_count,
    native_size,
)
from stillmotion.engines.diffusion.spec import DiffusionSpec
from stillmotion.media.framing import FRAME_SIZES

WAN_480P = NativeFormat(fps=16.0, frame_step=4, max_frames=81, size_multiple=16, max_area=832 * 480)
LTX = NativeFormat(fps=None, frame_step=8, max_frames=257, size_multiple=32, max_area=1216 * 704)
COG_15 = NativeFormat(fps=16.0, frame_step=16, max_frames=161, size_multiple=16, max_area=1360 * 768)
COG_10 = NativeFormat(
    fps=8.0, frame_step=8, max_frames=49, size_multiple=16, max_area=720 * 480, fixed_size=(720, 480), fixed_frames=49
)


@pytest.mark.parametrize("fmt", [WAN_480P, LTX, COG_15], ids=["wan", "ltx", "cogvideox-1.5"])
@pytest.mark.parametrize("bucket", ["16:9", "9:16", "1:1"])
def test_native_size_is_on_the_grid_within_the_area_and_close_to_the_bucket(fmt: NativeFormat, bucket: str) -> None:
    out_w, out_h = FRAME_SIZES["720p"][bucket]
    width, height = native_size(fmt, out_w, out_h)
    assert width % fmt.size_multiple == 0 and height % fmt.size_multiple == 0
    assert width * height <= fmt.max_area
    assert abs(width / height - out_w / out_h) / (out_w / out_h) < 0.1
    assert width * height > 0.8 * fmt.max_area  # the largest that fits, not merely one that fits


def test_wan_480p_sizes_match_the_reference_recipe() -> None:
    assert native_size(WAN_480P, 1280, 720) == (832, 464)
    assert native_size(WAN_480P, 720, 1280) == (464, 832)
    assert native_size(WAN_480P, 1080, 1080) == (624, 624)
    assert native_size(COG_10, 720, 1280) == (720, 480)  # learned positional embeddings: one size only


@pytest.mark.parametrize(
    ("fmt", "frames", "fps", "expected"),
    [
        (WAN_480P, 150, 30, 81),  # 5 s at 30 fps: 4.97 s of native 16 fps = 80.5 frames -> 81
        (WAN_480P, 24, 24, 17),  # 1 s
        (WAN_480P, 180, 30, 81),  # 6 s exceeds the 81-frame limit: capped (the retimer stretches)
        (LTX, 120, 24, 121),  # LTX runs at the requested rate: 8k+1 >= 120
        (LTX, 30, 30, 33),
        (COG_15, 150, 30, 81),  # 16N+1 at 16 fps
        (COG_10, 24, 24, 49),  # fixed by the checkpoint
    ],
)
def test_native_frame_count_follows_the_family_rule(fmt: NativeFormat, frames: int, fps: int, expected: int) -> None:
    count = native_frame_count(fmt, frames, fps)
    assert count == expected
    assert (count - 1) % fmt.frame_step == 0


def test_cfg_scale_maps_the_api_default_to_the_family_recommendation() -> None:
    ltx = DiffusionSpec(name="ltx", family="ltx", weights_dir=Path("/nonexistent"))
    assert guidance_scale(ltx, 5.0) == pytest.approx(3.0)
    assert guidance_scale(ltx, 10.0) == pytest.approx(6.0)
    assert guidance_scale(ltx, 1.0) == 1.0  # never below 1: that would invert the prompt
    distilled = DiffusionSpec(name="fast", family="wan", weights_dir=Path("/x"), guidance_scale=1.0)
    assert guidance_scale(distilled, 12.0) == 1.0
