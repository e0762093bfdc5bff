"""The plan's added effects (steam, smoke, fog, heat shimmer), each anchored where the scene allows.

The planner keeps one of these effects only when `anchors` finds a place for
it (`notes.region_found`), so here an effect without an anchor is a plan made
by hand over a scene that lacks one, and is left out rather than drawn anywhere.
"""

from __future__ import annotations

import numpy as np

from stillmotion.engines.motion.anchors import ATMOSPHERE_KINDS, fog_bed, heat_band, plume_source
from stillmotion.engines.motion.atmosphere import Overlay
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.fog import Fog
from stillmotion.engines.motion.plan import RegionEffect
from stillmotion.engines.motion.plume import Plume
from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.shimmer import Shimmer


def build_overlays(
    effects: tuple[RegionEffect, ...], scene: SceneAnalysis | None, image: np.ndarray, grid: FieldGrid, *,
    fps: int, num_frames: int, loop: bool, seed: int, speed: float, strength: float, focus: float | None,
) -> tuple[Overlay, ...]:
    """One overlay per added effect of the plan that has somewhere to be, in the plan's order.

    `focus`: the camera path's focus depth (an overlay sits at its anchor's depth for the camera),
    None when the picture is warped flat (every overlay then moves with the window alone).
    """
    timing = dict(fps=fps, num_frames=num_frames, loop=loop, seed=seed, speed=speed, strength=strength, focus=focus)
    depth = scene.depth if scene is not None else None
    out: list[Overlay] = []
    for effect in effects:
        if effect.kind not in ATMOSPHERE_KINDS:
            continue
        if effect.kind in ("steam", "smoke"):
            source = plume_source(scene)
            if source is not None:
                out.append(Plume.build(effect, source, grid, depth=depth, **timing))
        elif effect.kind == "fog":
            bed = fog_bed(scene)
            if bed is not None:
                out.append(Fog.build(effect, bed[0], image, grid, depth=depth, **timing))
        else:
            band = heat_band(scene)
            if band is not None:
                out.append(Shimmer.build(effect, band[0], grid, depth=depth, **timing))
    return tuple(out)

