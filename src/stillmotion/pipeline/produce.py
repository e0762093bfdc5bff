"""The CPU half of a task, as one readable chain: the same code for the worker and `stillmotion generate`.

    decode image -> moderate it -> frame it -> enhance prompt -> plan (engine.prepare) -> audio -> render frames -> encode MP4

It runs in a worker thread (OpenCV, x264 and numpy release the GIL in their hot
loops), takes plain values and returns plain values, and reports progress and
honours cancellation through the TaskContext.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from stillmotion.audio.backend import AudioBackend
from stillmotion.config import Settings
from stillmotion.engines.base import Engine, RenderRequest, SoundingRender
from stillmotion.engines.motion.notes import fails_strict
from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.errors import EngineFailure, MotionNotRendered
from stillmotion.inputs import decode_image
from stillmotion.media.encode import Mp4Writer
from stillmotion.media.framing import FRAME_SIZES, cover_crop, frame_size
from stillmotion.moderation import check_image
from stillmotion.pipeline.context import TaskContext
from stillmotion.prompts import enhance_prompt
from stillmotion.prompts.reading import region_asks, without_kinds

# Overall progress (0..100) given to each stage; rendering+encoding is the bulk.
_DECODE, _PLAN, _RENDER = (0.0, 3.0), (3.0, 8.0), (8.0, 99.0)


@dataclass(frozen=True)
class VideoSpec:
    """What to make, independent of where the request came from."""

    resolution: str
    duration: int
    fps: int
    seed: int
    prompt: str = ""
    negative_prompt: str = ""
    cfg_scale: float = 5.0
    enhance_prompt: bool = True
    enable_moderation: bool = True
    generate_audio: bool = False
    audio_prompt: str = ""

    @property
    def num_frames(self) -> int:
        return self.duration * self.fps


@dataclass
class Produced:
    width: int
    height: int
    frames: int
    plan: dict[str, Any] = field(default_factory=dict)
    enhanced_prompt: str | None = None
    notes: list[str] = field(default_factory=list)
    """What the prompt asked for and the engine did not render, and why (the task's `notes`)."""


def frame_input(image: np.ndarray, resolution: str) -> np.ndarray:
    width, height = frame_size(resolution, image.shape[1], image.shape[0])
    return cover_crop(image, width, height)


def produce_video(
    image_bytes: bytes,
    spec: VideoSpec,
    engine: Engine,
    audio: AudioBackend | None,
    out_path: Path,
    ctx: TaskContext,
    settings: Settings,
) -> Produced:
    ctx.stage(*_DECODE)
    # Big JPEGs decode at a reduced scale that still covers the output frame: faster, less memory.
    image = decode_image(image_bytes, reduce_to=max(max(size) for size in FRAME_SIZES[spec.resolution].values()))
    if spec.enable_moderation or settings.moderation_required:
        check_image(image, settings.moderation_image_threshold)
    framed = frame_input(image, spec.resolution)
    ctx.check()

    ctx.stage(*_PLAN)
    prompt, enhancement, scene = spec.prompt, None, None
    if spec.enhance_prompt:
        scene = analyze_scene(framed)  # read once: the enhancer and the motion engine share it
        enhancement = enhance_prompt(
            spec.prompt, spec.negative_prompt, framed, spec.duration, settings=settings, analysis=scene
        )
        prompt = enhancement.text
    request = RenderRequest(
        image=framed,
        prompt=prompt,
        negative_prompt=spec.negative_prompt,
        cfg_scale=spec.cfg_scale,
        seed=spec.seed,
        num_frames=spec.num_frames,
        fps=spec.fps,
        scene=scene,
        user_prompt=spec.prompt,
    )
    prepared = engine.prepare(request)
    plan = dict(prepared.plan)
    notes = list(plan.get("notes", ()))
    ctx.notes = notes
    enhanced = enhancement.text if enhancement is not None else None
    if enhancement is not None:
        plan["prompt_enhancement"] = {"source": enhancement.source, "note": enhancement.note}
        enhanced = without_kinds(enhanced or "", _dropped_regions(prompt, plan))
    refused = [text for text in notes if fails_strict(text)]
    if settings.motion_strict and refused:
        raise MotionNotRendered(" ".join(refused))
    ctx.check()

    ctx.stage(*_RENDER)
    height, width = framed.shape[:2]
    plan["size"] = f"{width}x{height}"  # the OpenAI face reports it as the video's size
    encoder = settings.encoder
    soundtrack = None
    if spec.generate_audio:
        # A model that sounds with the picture gives its own track; otherwise the track needs only
        # the plan's cues, so it is made before the frames stream.
        soundtrack = prepared.soundtrack(ctx) if isinstance(prepared, SoundingRender) else None
        if soundtrack is not None:
            plan["audio"] = ["the model's own sound track"]
        else:
            from stillmotion.audio import describe_audio  # scipy.signal: only for a task with sound

            assert audio is not None, "a task with generate_audio is given an audio backend"
            soundtrack = audio(
                prompt, spec.audio_prompt or None, prepared.audio_cues,
                num_frames=spec.num_frames, fps=spec.fps, seed=spec.seed,
            )
            plan["audio"] = [
                str(choice) for choice in describe_audio(prompt, spec.audio_prompt or None, prepared.audio_cues)
            ]
        ctx.check()
    with Mp4Writer(
        out_path, width, height, spec.fps, crf=encoder.crf, preset=encoder.preset, threads=encoder.threads,
        motion_search=encoder.motion_search,
        audio=soundtrack is not None,
    ) as writer:
        if soundtrack is not None:
            writer.write_audio(soundtrack)
        for frame in prepared.frames(ctx):
            ctx.check()
            writer.write(frame)
            ctx.report(writer.frames_written / spec.num_frames)
        if writer.frames_written != spec.num_frames:
            raise EngineFailure(
                f"Engine produced {writer.frames_written} frames instead of {spec.num_frames}."
            )
    return Produced(
        width=width,
        height=height,
        frames=spec.num_frames,
        plan=plan,
        enhanced_prompt=enhanced,
        notes=notes,
    )


def _dropped_regions(prompt: str, plan: dict[str, Any]) -> frozenset[str]:
    """Region kinds the prompt names that the plan does not render (too faint to see)."""
    return region_asks(prompt) - {region["kind"] for region in plan.get("regions", ())}
