"""LTX-2 and Kandinsky 6 sound with the picture: with generate_audio the model's own track is the
one muxed, and the procedural track stands in where the model has none (a silent family, a clip
slowed to fit)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from stillmotion.audio.synthesis import synthesize_audio
from stillmotion.config import Settings
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.diffusion import DiffusionEngine
from stillmotion.inputs import decode_image
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import VideoSpec, frame_input, produce_video
from tests.diffusion.tiny_models import tiny_spec
from tests.support.images import encode, landscape

IMAGE = encode(landscape(640, 360, seed=11))


def _audio_track(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == 48_000
        return np.concatenate([frame.to_ndarray() for frame in container.decode(stream)], axis=1)


def _produce(engine: DiffusionEngine, path: Path) -> dict[str, object]:
    spec = VideoSpec(resolution="720p", duration=1, fps=24, seed=4, prompt="waves roll in", enhance_prompt=False,
                     enable_moderation=False, generate_audio=True)
    return produce_video(IMAGE, spec, engine, synthesize_audio, path, TaskContext(), Settings()).plan


@pytest.fixture(scope="module", params=["ltx2", "kandinsky6"])
def sounding(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> DiffusionEngine:
    """A family that makes its own sound: LTX-2 (stereo, vocoder rate) or Kandinsky 6 (mono, MMAudio)."""
    variant = request.param
    return DiffusionEngine(tiny_spec(tmp_path_factory.mktemp(variant), variant, name=f"tiny-{variant}"))


def test_the_models_own_track_is_muxed(sounding: DiffusionEngine, tmp_path: Path) -> None:
    plan = _produce(sounding, tmp_path / "own.mp4")
    assert plan["audio"] == ["the model's own sound track"]
    muxed = _audio_track(tmp_path / "own.mp4")
    assert abs(muxed.shape[1] - 48_000) <= 1024  # one second, to an AAC frame

    # The same seed again, straight from the render: the muxed track is the model's, not a synthesis.
    framed = frame_input(decode_image(IMAGE, reduce_to=1280), "720p")
    request = RenderRequest(image=framed, prompt="waves roll in", negative_prompt="", cfg_scale=5.0, seed=4,
                            num_frames=24, fps=24)
    own = sounding.prepare(request).soundtrack(TaskContext())
    assert own is not None and own.shape == (48_000, 2) and own.dtype == np.float32
    length = min(muxed.shape[1], len(own)) - 2048
    correlation = np.corrcoef(muxed[0, 1024 : 1024 + length], own[1024 : 1024 + length, 0])[0, 1]
    procedural = synthesize_audio("waves roll in", None, None, num_frames=24, fps=24, seed=4)
    unrelated = np.corrcoef(procedural[1024 : 1024 + length, 0], own[1024 : 1024 + length, 0])[0, 1]
    assert correlation > 0.8 > 0.1 > abs(unrelated), (correlation, unrelated)  # AAC blurs broadband noise


def test_a_clip_slowed_to_fit_falls_back_to_the_procedural_track(tmp_path_factory: pytest.TempPathFactory,
                                                                tmp_path: Path) -> None:
    engine = DiffusionEngine(tiny_spec(tmp_path_factory.mktemp("ltx2-short"), "ltx2", name="short", max_frames=9))
    plan = _produce(engine, tmp_path / "slowed.mp4")
    assert plan["speed"] < 1 and plan["audio"] != ["the model's own sound track"]
    assert _audio_track(tmp_path / "slowed.mp4").shape[1] >= 47_000
