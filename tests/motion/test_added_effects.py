"""Vapour (fog) and light (twinkle, rays) added effects in one plan: one list on the renderer,
each drawn and visible where it acts, frame 0 the input; an effect with no place is left out."""

from __future__ import annotations

import dataclasses

import numpy as np

from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.plan import CameraMove, MotionPlan, RegionEffect
from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.engines.motion.visibility import VISIBLE_CHANGE
from tests.motion.harness import request_for
from tests.motion.scenes import landscape_depth, lit_lake, sky_mask

W, H = 320, 180
STILL = CameraMove("static", None, 0.0, 0.0)


def lit_lake_scene(image: np.ndarray) -> SceneAnalysis:
    """The analysed lit lake with the landscape's known sky and depth, so fog has a horizon to lie on."""
    scene = analyze_scene(image)
    return dataclasses.replace(scene, depth=landscape_depth(W, H), masks=scene.masks | {"sky": sky_mask(W, H)},
                               elements=frozenset({"sky"}), horizon=0.4)


def test_fog_twinkle_and_rays_are_all_drawn_in_one_render() -> None:
    """Each of the three changes the joint frame where it acts: leaving it out of the plan
    changes that frame there by more than a visible amount."""
    image = lit_lake(W, H)
    scene = lit_lake_scene(image)
    kinds = ("fog", "twinkle", "rays")

    def prepared_without(left_out: str | None):
        regions = tuple(RegionEffect(kind=k, strength=0.8) for k in kinds if k != left_out)
        plan = MotionPlan(camera=STILL, regions=regions)
        return prepare_plan(request_for(image, frames=24, fps=12), plan, scene)

    prepared = prepared_without(None)
    assert [effect.kind for effect in prepared.renderer.added] == list(kinds)
    assert [region["kind"] for region in prepared.plan["regions"]] == list(kinds)
    assert any(line.startswith("fog: ") for line in prepared.plan["explanation"]), "where the fog lies is said"
    assert np.array_equal(prepared.renderer.render(0), image)
    joint = prepared.renderer.render(18).astype(np.int16)
    for effect in prepared.renderer.added:
        without = prepared_without(effect.kind).renderer.render(18).astype(np.int16)
        where = effect.footprint(18)
        change = float(np.abs(joint - without).mean(axis=2)[where].mean()) if where.any() else 0.0
        assert change > VISIBLE_CHANGE, f"{effect.kind} adds {change:.2f} levels where it acts"


def test_an_added_effect_with_no_place_is_left_out_not_drawn() -> None:
    """Steam needs a cup, flames or a sure subject: the lit lake has none, so a hand-made plan's
    steam is dropped (measured 0) while its twinkle is still drawn."""
    image = lit_lake(W, H)
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="steam"), RegionEffect(kind="twinkle", strength=0.8)))
    prepared = prepare_plan(request_for(image, frames=24, fps=12), plan, lit_lake_scene(image))
    assert [effect.kind for effect in prepared.renderer.added] == ["twinkle"]
    assert [region["kind"] for region in prepared.plan["regions"]] == ["twinkle"]
    assert any(line.startswith("steam: ") and "dropped" in line for line in prepared.plan["explanation"])
