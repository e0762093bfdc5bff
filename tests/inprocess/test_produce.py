"""`produce_video` with an engine that stands in for a GPU model (none can run here): one that
makes its own sound with the picture (as LTX-2 does), one that makes none, and one that yields a
frame too few. The pipeline must put the model's track in the MP4 or fall back to the procedural
one with the engine's cues, and refuse a short clip instead of publishing it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from stillmotion.audio.cues import AudioCues
from stillmotion.audio.synthesis import synthesize_audio
from stillmotion.config import Settings
from stillmotion.engines.base import RenderRequest
from stillmotion.errors import EngineFailure
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import VideoSpec, frame_input, produce_video
from stillmotion.prompts.enhance import enhance_prompt
from tests.support.images import encode, landscape

RATE = 48_000
FPS = 8
IMAGE = landscape(640, 360)
CUES = AudioCues(fps=FPS, num_frames=FPS, elements=frozenset({"foliage"}))


@dataclass
class ModelRender:
    request: RenderRequest
    track: np.ndarray | None
    missing_frames: int = 0
    plan: dict[str, Any] = field(default_factory=lambda: {"notes": []})
    audio_cues: AudioCues | None = CUES
    progress: list[float] = field(default_factory=list)
    """The task's progress as each frame was asked for."""

    def soundtrack(self, ctx: TaskContext) -> np.ndarray | None:
        ctx.check()  # a model's generation honours cancellation, as `frames` does
        return self.track

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        for _ in range(self.request.num_frames - self.missing_frames):
            self.progress.append(ctx.progress)
            yield self.request.image


@dataclass
class SoundingModel:
    """An image-to-video model whose render may carry its own sound track."""

    track: np.ndarray | None
    missing_frames: int = 0
    name: str = "sounding"
    version: str = "1"
    requests: list[RenderRequest] = field(default_factory=list)
    renders: list[ModelRender] = field(default_factory=list)

    def prepare(self, request: RenderRequest) -> ModelRender:
        self.requests.append(request)
        self.renders.append(ModelRender(request, self.track, self.missing_frames))
        return self.renders[-1]


def _tone(seconds: float, hertz: float = 440.0) -> np.ndarray:
    time = np.arange(int(seconds * RATE)) / RATE
    wave = (0.25 * np.sin(2 * np.pi * hertz * time)).astype(np.float32)
    return np.stack([wave, wave], axis=1)


def _produce(tmp_path: Path, engine: SoundingModel, audio: Any = None, **spec: Any) -> tuple[Any, Path]:
    chosen = {"resolution": "720p", "duration": 1, "fps": FPS, "seed": 3, "enhance_prompt": False,
              "generate_audio": True, **spec}  # fmt: skip
    out = tmp_path / "clip.mp4"
    produced = produce_video(encode(IMAGE, "PNG"), VideoSpec(**chosen), engine, audio, out, TaskContext(),
                             Settings(data_dir=tmp_path, moderation_semantic=False))  # fmt: skip
    return produced, out


def _track(video: Path) -> np.ndarray:
    with av.open(str(video)) as container:
        (stream,) = container.streams.audio
        return np.concatenate([frame.to_ndarray()[0] for frame in container.decode(stream)])


def test_a_model_that_sounds_puts_its_own_track_in_the_video(tmp_path: Path) -> None:
    produced, video = _produce(tmp_path, SoundingModel(_tone(1.0)), audio=None)  # no procedural backend needed
    assert produced.plan["audio"] == ["the model's own sound track"]
    samples = _track(video)
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * RATE / samples.size - 440) < 5, "the model's 440 Hz tone"


def test_progress_climbs_frame_by_frame_through_the_render_stage(tmp_path: Path) -> None:
    engine = SoundingModel(None)
    _produce(tmp_path, engine, generate_audio=False)
    # The render stage is 8-99 %: each written frame moves it by 91/8 points.
    assert engine.renders[0].progress == pytest.approx([8 + 91 * frame / FPS for frame in range(FPS)])


def test_the_clip_is_encoded_with_the_configured_motion_search(tmp_path: Path) -> None:
    """x264 writes its options into the stream: the settings' motion search (dia by default) is
    the one used, not the preset's own (hex)."""
    _, video = _produce(tmp_path, SoundingModel(None), generate_audio=False)
    assert b" me=dia " in video.read_bytes()


def test_a_model_without_sound_this_time_gets_the_procedural_track_with_its_cues(tmp_path: Path) -> None:
    given: list[AudioCues | None] = []

    def procedural(prompt: str, audio_prompt: str | None, cues: AudioCues | None, **options: Any) -> np.ndarray:
        given.append(cues)
        return synthesize_audio(prompt, audio_prompt, cues, **options)

    produced, video = _produce(tmp_path, SoundingModel(None), audio=procedural, prompt="leaves sway")
    assert given == [CUES]
    assert produced.plan["audio"] and produced.plan["audio"] != ["the model's own sound track"]
    assert float(np.sqrt(np.mean(_track(video) ** 2))) > 1e-3


def test_a_clip_a_frame_short_fails_instead_of_publishing(tmp_path: Path) -> None:
    with pytest.raises(EngineFailure) as failed:
        _produce(tmp_path, SoundingModel(_tone(1.0), missing_frames=1))
    assert failed.value.message == f"Engine produced {FPS - 1} frames instead of {FPS}."


def test_the_enhancer_reads_the_negative_prompt(tmp_path: Path) -> None:
    """"slow" among the unwanted gives the motion some life: the enhanced prompt differs."""
    engine = SoundingModel(None)
    _produce(tmp_path, engine, prompt="push in", negative_prompt="slow", enhance_prompt=True, generate_audio=False)
    framed = frame_input(IMAGE, "720p")
    read = [enhance_prompt("push in", negative, framed, 1, settings=Settings()).text for negative in ("slow", None)]
    assert read[0] != read[1]
    assert engine.requests[0].prompt == read[0]  # what the engine renders
    assert engine.requests[0].negative_prompt == "slow"
