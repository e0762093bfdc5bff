"""Generated frames keep the input's framing on the way to the model's grid and back."""

from __future__ import annotations

import cv2
import numpy as np

from stillmotion.engines.diffusion.engine import (
    GenerationSettings,
    condition_image,
    picture_box,
)
from stillmotion.media.upscale import upscale


def _dot_image(width: int, height: int, at: tuple[float, float]) -> np.ndarray:
    image = np.full((height, width, 3), 40, np.uint8)
    cv2.circle(image, (round(at[0] * width), round(at[1] * height)), max(3, width // 40), (255, 255, 255), -1)
    return image


def _dot_position(image: np.ndarray) -> tuple[float, float]:
    moments = cv2.moments((image[..., 0] > 128).astype(np.uint8))
    return moments["m10"] / moments["m00"] / image.shape[1], moments["m01"] / moments["m00"] / image.shape[0]


def _settings(width: int, height: int, out: tuple[int, int]) -> GenerationSettings:
    return GenerationSettings(width=width, height=height, box=picture_box(width, height, *out), num_frames=9,
                              fps=16.0, steps=2, guidance_scale=5.0, max_sequence_length=16)


def test_round_trip_through_a_near_aspect_grid_keeps_positions() -> None:
    source = _dot_image(1280, 720, (0.8, 0.25))
    settings = _settings(832, 464, (1280, 720))
    assert settings.box == (0, 0, 832, 464)  # 0.8% off 16:9: stretched, no letterbox
    back = upscale(condition_image(source, settings), 1280, 720)
    assert back.shape == (720, 1280, 3)
    assert np.allclose(_dot_position(back), (0.8, 0.25), atol=0.003)


def test_fixed_size_model_letterboxes_a_portrait_and_the_crop_recovers_it() -> None:
    source = _dot_image(720, 1280, (0.3, 0.7))
    settings = _settings(720, 480, (720, 1280))  # CogVideoX 1.0 generates only 720x480
    x, y, width, height = settings.box
    assert (height, abs(width / height - 720 / 1280) < 0.01) == (480, True)
    conditioned = condition_image(source, settings)
    picture = conditioned[y : y + height, x : x + width]
    back = upscale(picture, 720, 1280)
    assert np.allclose(_dot_position(back), (0.3, 0.7), atol=0.005)
    assert conditioned[:, :x].std() < source.std()  # the backdrop is a blur, not a second copy


def test_upscale_is_exact_in_size_and_sharper_than_plain_bilinear() -> None:
    edge = np.full((464, 832, 3), 64, np.uint8)  # mid-grey levels: no clipping hides the overshoot
    edge[:, 416:] = 192
    edge = cv2.GaussianBlur(edge, (0, 0), 0.6)
    ours = upscale(edge, 1280, 720)[360, :, 0].astype(float)
    bilinear = cv2.resize(edge, (1280, 720), interpolation=cv2.INTER_LINEAR)[360, :, 0].astype(float)
    assert ours.shape == (1280,)
    assert np.abs(np.diff(ours)).max() > 1.1 * np.abs(np.diff(bilinear)).max()  # a steeper edge
    assert upscale(edge, 416, 232).shape == (232, 416, 3)  # shrinking works too (area-averaged)
