"""Particles are visible, fall (or drift) the right way, and fade in so frame 0 is the input."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.plan import CameraMove, MotionPlan, ParticleEffect
from tests.motion.harness import render_all, request_for
from tests.motion.scenes import dark_texture

W, H = 320, 180


def particle_layer(frame: np.ndarray, background: np.ndarray) -> np.ndarray:
    """What the particles changed, as a float image (light particles brighten, rain also dims)."""
    return np.abs(frame.astype(np.float32) - background.astype(np.float32)).mean(axis=2)


@pytest.mark.parametrize(
    ("kind", "direction", "expect"),
    [("snow", None, (0, 1)), ("rain", None, (0, 1)), ("rain", "left", (-1, 1)), ("petals", "right", (1, 1)),
     ("fireflies", None, None), ("sparkles", None, None), ("dust", None, None), ("leaves", None, (0, 1))],
)
def test_particles_are_visible_and_move_the_right_way(
    kind: str, direction: str | None, expect: tuple[int, int] | None
) -> None:
    image = dark_texture(W, H)
    plan = MotionPlan(camera=CameraMove(kind="static"),
                      particles=(ParticleEffect(kind=kind, density=0.8, direction=direction),))
    frames = render_all(prepare_plan(request_for(image, frames=18, fps=12), plan))
    assert np.array_equal(frames[0], image), "particles fade in: frame 0 is the input"
    layers = [particle_layer(f, image) for f in frames]
    visible = (layers[12] > 12).mean()
    assert visible > 0.0005, f"{kind}: only {visible:.5f} of the frame shows particles"
    if expect is None:
        return
    # Rain dims the whole frame: keep the bright streaks only.
    a, b = (np.where(layer > 12, layer, 0).astype(np.float32) for layer in (layers[12], layers[13]))
    (dx, dy), _ = cv2.phaseCorrelate(a, b)
    if expect[1]:
        assert dy * expect[1] > 0.2, (dx, dy)
    if expect[0]:
        assert dx * expect[0] > 0.1, (dx, dy)
    else:
        assert abs(dx) < abs(dy), (dx, dy)


def test_near_particles_are_bigger_and_faster() -> None:
    from stillmotion.engines.motion.particles import ParticleSystem

    system = ParticleSystem.build(
        (ParticleEffect(kind="snow", density=1.0),), width=W, height=H, fps=12, num_frames=24, loop=False,
        seed=4, speed=1.0, strength=0.5,
    )
    assert system is not None
    snow = system.sets[0]
    big = snow.size > np.median(snow.size)
    assert snow.velocity[big, 1].mean() > 1.3 * snow.velocity[~big, 1].mean()


def test_particles_move_with_the_camera_more_when_nearer() -> None:
    """On "pan left" the content slides right: so does the snow, the near layer most, on top of its fall."""
    from stillmotion.engines.motion.scene import SceneAnalysis
    from tests.motion.scenes import landscape, landscape_depth

    snow = (ParticleEffect(kind="snow", density=1.0),)
    depth_scene = SceneAnalysis(depth=landscape_depth(W, H), masks={})
    pan = MotionPlan(camera=CameraMove(kind="pan", direction="left", amount=1.0), particles=snow)
    renderer = prepare_plan(request_for(landscape(W, H), frames=36, fps=12), pan, depth_scene).renderer
    system, poses = renderer.particles, renderer.camera.poses
    assert system is not None
    a, b = 12, 24
    (flakes,) = system.sets
    own = system.positions(flakes, b / 12) - system.positions(flakes, a / 12)
    seen = system.on_screen(flakes, b / 12, poses[b])[0] - system.on_screen(flakes, a / 12, poses[a])[0]
    # Flakes that wrapped between the two times jumped a whole frame; compare the rest.
    kept = (np.abs(own) < W / 2).all(axis=1) & (np.abs(seen) < W / 2).all(axis=1)
    camera_dx = (seen - own)[kept, 0]
    nearness = flakes.nearness[kept]
    far, near = camera_dx[nearness == nearness.min()].mean(), camera_dx[nearness == nearness.max()].mean()
    assert far > 1.0, f"the far layer must follow the pan to the right, moved {far:.2f} px"
    # A pan's parallax is a quarter of its travel at the nearest depth (camera.PAN_PARALLAX).
    assert near > 1.1 * far, f"near flakes ({near:.2f} px) must move more than far ones ({far:.2f} px)"
    assert (seen[kept, 1] > 0).mean() > 0.8, "and they still fall"

    # Rendered: the particles' own layer (frame minus the same render without snow) moves right.
    image = dark_texture(W, H)
    frames = render_all(prepare_plan(request_for(image, frames=36, fps=12), pan))
    bare = render_all(prepare_plan(request_for(image, frames=36, fps=12), MotionPlan(camera=pan.camera)))
    still = render_all(prepare_plan(request_for(image, frames=36, fps=12),
                                    MotionPlan(camera=CameraMove(kind="static"), particles=snow)))
    layers = [particle_layer(f, g).astype(np.float32) for f, g in zip(frames, bare)]
    panned_dx = cv2.phaseCorrelate(layers[16], layers[20])[0][0]
    still_dx = cv2.phaseCorrelate(*(particle_layer(still[k], image).astype(np.float32) for k in (16, 20)))[0][0]
    assert panned_dx > still_dx + 1.0, (panned_dx, still_dx)
