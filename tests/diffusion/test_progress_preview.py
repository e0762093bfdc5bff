"""Progress follows where the time goes, and a Wan task shows a small picture of its current latent."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import torch

from stillmotion.engines.diffusion.preview import LatentPreview, _fitting_images
from stillmotion.engines.diffusion.progress import StageClock, Work
from stillmotion.pipeline.context import TaskContext
from tests.diffusion.test_engine import _engine, _request


def test_measured_stage_times_set_the_shares() -> None:
    clock = StageClock()
    work = Work(denoise=100.0, decode=10.0, retime=10.0)
    for _ in range(8):  # a machine where decoding is slow and denoising fast
        clock.record("denoise", 1.0, 100.0)
        clock.record("decode", 8.0, 10.0)
        clock.record("retime", 1.0, 10.0)
    shares = clock.shares(work)
    assert abs(shares.denoise + shares.decode + shares.retime - 1) < 1e-9
    assert shares.decode > 0.75 > 0.15 > shares.denoise


def test_progress_is_even_over_a_render_and_reaches_the_end(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1")
    list(engine.prepare(_request()).frames(TaskContext()))  # measure this machine once
    ctx = TaskContext()
    render = engine.prepare(_request())
    seen: list[float] = []
    for _ in render.frames(ctx):
        seen.append(ctx.progress)
    assert ctx.progress > 99.9
    shares = render._shares
    # After the clock has measured a render, no stage keeps a share its time does not justify:
    # the shares are each stage's measured seconds over the task's.
    assert all(0.0 < share < 1.0 for share in (shares.denoise, shares.decode, shares.retime))
    assert seen == sorted(seen)


def test_the_fitted_projection_recovers_the_colours_it_was_fitted_on(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1")
    preview = LatentPreview.fit(engine.pipe)
    images = _fitting_images()
    vae = engine.pipe.vae
    video = torch.from_numpy(images * 2 - 1).permute(0, 3, 1, 2).unsqueeze(2)
    with torch.inference_mode():
        latents = vae.encode(video).latent_dist.mode()
    mean = torch.tensor(vae.config.latents_mean).view(1, -1, 1, 1, 1)
    std = torch.tensor(vae.config.latents_std).view(1, -1, 1, 1, 1)
    normalised = (latents - mean) / std
    errors, baseline = [], []
    mean_colour = images.mean(axis=(0, 1, 2))
    for index in range(len(images)):
        rgb = preview.rgb(normalised[index : index + 1]).astype(float) / 255
        target = cv2.resize(images[index], rgb.shape[1::-1], interpolation=cv2.INTER_AREA)
        errors.append(np.abs(rgb - target).mean())
        baseline.append(np.abs(mean_colour - target).mean())
    # A random tiny VAE is a poor linear function of colour (about 9% better than grey here), so the bar is only "better than
    # one flat grey"; a map applied in the wrong layout (channels, frames, axes) does worse than that.
    assert np.mean(errors) < 0.95 * np.mean(baseline), (np.mean(errors), np.mean(baseline))


def test_a_wan_task_with_preview_keeps_a_jpeg_of_its_latent(tiny_weights_root: Path) -> None:
    engine = _engine(tiny_weights_root, "wan2.1", preview=True)
    ctx = TaskContext()
    request = _request()
    engine.generate(request, engine.prepare(request).settings, ctx)
    assert ctx.preview is not None
    image = cv2.imdecode(np.frombuffer(ctx.preview, np.uint8), cv2.IMREAD_COLOR)
    assert image.shape[1] == 256 and image.shape[0] > 0
    assert _engine(tiny_weights_root, "wan2.1").preview is None  # off unless the spec asks
