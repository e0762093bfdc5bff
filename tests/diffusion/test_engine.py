"""Every family renders through `DiffusionEngine` on CPU with tiny random weights, loaded offline.

These check the contract (frame count, size, fps, first frame, determinism, progress,
cancellation), not the look: random weights make noise.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from stillmotion.engines.base import RenderRequest
from stillmotion.engines.diffusion import DiffusionEngine, SpeedOptions
from stillmotion.engines.motion.notes import fails_strict
from stillmotion.errors import NotReady, TaskCancelled
from stillmotion.media.encode import Mp4Writer
from stillmotion.pipeline.context import TaskContext
from tests.diffusion.tiny_models import VARIANTS, Variant, tiny_spec

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "diffusion"
_engines: dict[tuple[str, str], DiffusionEngine] = {}


def _engine(root: Path, variant: Variant, **options: object) -> DiffusionEngine:
    """Engines stay resident like in a worker: each configuration is loaded once per session."""
    key = (variant, repr(sorted(options.items())))
    if key not in _engines:
        _engines[key] = DiffusionEngine(tiny_spec(root, variant, name=f"tiny-{variant}", **options))
    return _engines[key]


def _request(width: int = 64, height: int = 36, num_frames: int = 24, fps: int = 24, seed: int = 7) -> RenderRequest:
    rng = np.random.default_rng(0)
    image = (rng.random((height, width, 3)) * 255).astype(np.uint8)
    return RenderRequest(
        image=image, prompt="a cat walks on the beach", negative_prompt="blurry", cfg_scale=5.0,
        seed=seed, num_frames=num_frames, fps=fps,
    )


def _smooth_picture(width: int, height: int) -> np.ndarray:
    """A picture that survives resampling (gradients and soft blobs), so that where the model's
    conditioning image put it can be measured; noise would not survive the native resize."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    red = 255 * x / (width - 1)
    green = 255 * y / (height - 1)
    blue = 255 * np.exp(-(((x - 0.3 * width) / (0.15 * width)) ** 2 + ((y - 0.6 * height) / (0.2 * height)) ** 2))
    return np.stack([red, green, blue], axis=-1).astype(np.uint8)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_family_renders_exact_frames_at_the_output_size(
    tiny_weights_root: Path, variant: Variant, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Frame 0 is the input as the engine's contract says; what can go wrong is the rest of the clip
    not continuing from it: the model conditioned on another picture, or on it placed elsewhere on
    the native grid than where the generated frames are cut (a jump at frame 1). So the picture the
    pipeline is given, cut at the box the frames are cut at and brought to the output size, must be
    the frame-0 picture, and the frames after it must come from that box."""
    engine = _engine(tiny_weights_root, variant)
    request = replace(_request(num_frames=30, fps=30), image=_smooth_picture(64, 36))
    given: list[dict[str, object]] = []
    call_arguments = engine._call_arguments

    def recording(req: RenderRequest, settings: object) -> dict[str, object]:
        arguments = call_arguments(req, settings)  # type: ignore[arg-type]
        given.append(arguments)
        return arguments

    monkeypatch.setattr(engine, "_call_arguments", recording)
    render = engine.prepare(request)
    ctx = TaskContext()
    frames = list(render.frames(ctx))

    assert len(frames) == 30
    assert all(frame.shape == (36, 64, 3) and frame.dtype == np.uint8 for frame in frames)
    assert render.audio_cues is None
    native = render.plan["native"]
    assert render.generated_frames is not None and render.generated_frames >= 2
    # The native clip covers the second (or the model's whole span) at the native rate.
    assert render.plan["family"] == tiny_spec(tiny_weights_root, variant).family
    assert native["steps"] == 2 and ctx.progress == pytest.approx(100.0)
    print(f"\n{variant}: native {native['width']}x{native['height']}, {render.generated_frames} frames "
          f"at {native['fps']} fps -> 30 frames at 30 fps, 64x36; load {engine.load_seconds:.2f} s")

    assert np.array_equal(frames[0], request.image)
    [arguments] = given
    conditioning = np.asarray(arguments["image"])
    settings = render.settings
    assert conditioning.shape == (settings.height, settings.width, 3)
    x, y, width, height = settings.box
    in_box = cv2.resize(conditioning[y : y + height, x : x + width], (request.width, request.height),
                        interpolation=cv2.INTER_AREA)  # fmt: skip
    # Resampled twice (to the native grid and back): close, not exact. Discriminating: a mirrored
    # input, or a box one eighth of its width off, scores below 24 dB.
    rolled = np.roll(conditioning, max(1, width // 8), axis=1)[y : y + height, x : x + width]
    scores = (_psnr(in_box, request.image), _psnr(in_box, request.image[:, ::-1]),
              _psnr(cv2.resize(rolled, (request.width, request.height), interpolation=cv2.INTER_AREA), request.image))
    print(f"\n{variant}: PSNR in box {scores[0]:.1f} dB, mirrored {scores[1]:.1f} dB, box shifted {scores[2]:.1f} dB")
    assert scores[0] > 27, f"the model was conditioned on another picture or place: {scores}"
    assert scores[1] < 24 and scores[2] < 24, scores
    assert render._generated is not None and render._generated.frames.shape[1:3] == (height, width)


def test_same_seed_same_frames_and_another_seed_differs(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.2-ti2v")
    first = list(engine.prepare(_request(seed=1)).frames(TaskContext()))
    again = list(engine.prepare(_request(seed=1)).frames(TaskContext()))
    other = list(engine.prepare(_request(seed=2)).frames(TaskContext()))
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[-1], other[-1])


def test_cancel_during_denoising_stops_the_pipeline(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "ltx")
    ctx = TaskContext()
    pipe = engine.pipe
    original = pipe.transformer.forward
    calls = 0

    def cancel_after_first_step(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        ctx.cancel()
        return original(*args, **kwargs)

    pipe.transformer.forward = cancel_after_first_step
    try:
        with pytest.raises(TaskCancelled):
            list(engine.prepare(_request()).frames(ctx))
    finally:
        del pipe.transformer.forward
    assert calls == 1  # the step callback stopped it before a second denoising step


def test_mp4_has_the_requested_fps_size_and_frame_count(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1")
    request = _request(width=64, height=64, num_frames=24, fps=24)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "tiny_wan.mp4"
    with Mp4Writer(path, 64, 64, 24) as writer:
        for frame in engine.prepare(request).frames(TaskContext()):
            writer.write(frame)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoded = sum(1 for _ in container.decode(stream))
        assert (stream.average_rate, stream.width, stream.height, decoded) == (24, 64, 64, 24)
    print(f"\nMP4: {path}")


def test_cfg_batching_gives_the_same_video_as_two_passes(tiny_weights_root: Path) -> None:
    plain = _engine(tiny_weights_root, "wan2.2")
    batched = _engine(tiny_weights_root, "wan2.2", speed=SpeedOptions(dtype="float32", device="cpu", cfg_batch=True))
    calls = 0
    original = batched.pipe.transformer.forward

    def count(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    request = _request()
    reference = plain.generate(request, plain.prepare(request).settings, TaskContext()).frames
    batched.pipe.transformer.forward = count
    try:
        result = batched.generate(request, batched.prepare(request).settings, TaskContext()).frames
    finally:
        del batched.pipe.transformer.forward
    assert calls == 1  # 2 steps, boundary 0.875: one high-noise step, batched cond+uncond in one call
    assert np.abs(reference.astype(int) - result.astype(int)).max() <= 1


def test_engine_refuses_to_start_on_an_incomplete_directory(tmp_path: Path) -> None:
    from stillmotion.engines.diffusion import DiffusionSpec

    with pytest.raises(NotReady, match="cannot be served"):
        DiffusionEngine(DiffusionSpec(name="w", family="wan", weights_dir=tmp_path))


def test_distillation_lora_from_a_local_file_is_fused(
    tiny_weights_root: Path, tiny_wan_dir: Path, tmp_path: Path
) -> None:
    from stillmotion.engines.diffusion.spec import LoraOptions
    from tests.diffusion.tiny_models import build_tiny_lora

    lora = build_tiny_lora(tiny_wan_dir, tmp_path / "lora")
    plain = _engine(tiny_weights_root, "wan2.1")
    fused = DiffusionEngine(tiny_spec(tiny_weights_root, "wan2.1", lora=(LoraOptions(lora, 1.0),)))
    request = _request()
    reference = plain.generate(request, plain.prepare(request).settings, TaskContext()).frames
    result = fused.generate(request, fused.prepare(request).settings, TaskContext()).frames
    assert not any("lora" in name for name, _ in fused.pipe.transformer.named_modules())  # merged, no adapters
    assert np.abs(reference.astype(int) - result.astype(int)).mean() > 1
    assert plain.version != fused.version


def test_plan_records_interpolation_and_slows_a_clip_longer_than_the_model_limit(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1")
    plan = engine.prepare(_request(num_frames=24, fps=24)).plan
    assert plan["interpolated"] and plan["speed"] == pytest.approx(1.0, abs=0.01)
    capped = _engine(tiny_weights_root, "wan2.1", max_frames=9)  # 9 frames = 0.5 s at 16 fps
    plan = capped.prepare(_request(num_frames=24, fps=24)).plan
    assert plan["native"]["num_frames"] == 9
    assert plan["speed"] == pytest.approx(0.5 / (23 / 24), abs=0.01)
    assert plan["notes"] == ["The clip is rendered at 0.52x speed: model tiny-wan2.1 generates at most 9 frames at 16 fps."]
    assert not fails_strict(plan["notes"][0])  # how it is rendered, not something left out
