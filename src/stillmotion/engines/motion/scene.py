"""Seeing the image without weights: a depth proxy, region masks and what was seen.

Everything is computed at a reduced working resolution (long side
WORK_LONG_SIDE): the cues are smooth, the renderer resizes the fields to the
frame size, and a 1080p photo is analysed in tens of milliseconds. The
detectors are classical and weak (research notes, cpu-animation.md section 3);
`elements` only lists what they are confident about, so the planner adds
motion on its own only where the image clearly shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from stillmotion.engines.motion.light_rays import emitter_map
from stillmotion.engines.motion.regions import lamp_mask
from stillmotion.engines.motion.scene_depth import estimate_depth
from stillmotion.engines.motion.scene_faces import face_mask, find_faces, people_mask
from stillmotion.engines.motion.scene_features import compute_features
from stillmotion.engines.motion.scene_masks import (
    PORTRAIT_FACE_WIDTH,
    fire_mask,
    foliage_mask,
    horizon_row,
    is_studio_backdrop,
    sky_mask,
    subject_mask,
    water_mask,
)
from stillmotion.engines.motion.scene_vessel import vessel_mask
from stillmotion.engines.motion.twinkle import point_light_map

WORK_LONG_SIDE = 384
"""Long side of the analysis: enough for region shapes and a smooth depth, ~10x fewer pixels
than 1080p."""


@dataclass(frozen=True)
class SceneAnalysis:
    """What the engine sees in one image, at the working resolution."""

    depth: np.ndarray
    """float32 (h, w): 0 near .. 1 far; the sky is the farthest plane."""
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    """float32 (h, w) soft masks 0..1: "sky", "water" (weak: use only when the plan names it),
    "foliage", "fire", "subject", "vessel" (a drink ringed by a pale rim: where steam rises), "people"
    (a head and body under each portrait-sized face, `scene_faces.people_mask`), "faces" (the faces
    themselves: what a push-in closes on), "light" (where
    lamps and flames glow: `regions.lamp_mask`); "twinkle"
    (the point lights, found on the full image: each one's contrast at its pixel) and "rays" (the bright
    sky or gap light rays could come from)."""
    elements: frozenset[str] = frozenset()
    """Mask names the detectors are confident about; what no-prompt plans animate."""
    horizon: float = 0.4
    """Where the ground meets the sky, as a fraction of the height from the top."""

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of every field."""
        return int(self.depth.shape[0]), int(self.depth.shape[1])


def analyze_scene(image: np.ndarray) -> SceneAnalysis:
    """Depth proxy, masks and confident elements of an RGB uint8 image of any size."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError("analyze_scene expects an RGB uint8 (height, width, 3) array")
    features = compute_features(_working_copy(image))
    sky, sky_sure = sky_mask(features)
    faces = _faces(features.rgb)
    if sky.max() > 0.5 and is_studio_backdrop(sky, faces):
        sky, sky_sure = np.zeros_like(sky), False
    horizon = horizon_row(sky, sky_sure, features.height)
    water, water_sure = water_mask(features, sky, sky_sure, horizon)
    # A hazy lake is as pale and smooth as the sky and joins it; below the horizon, what
    # reads as water is water.
    sky = (sky * (1.0 - water)).astype(np.float32)
    foliage, foliage_sure = foliage_mask(features, sky)
    fire, fire_sure = fire_mask(features, sky)
    subject, subject_sure = subject_mask(features)
    depth = estimate_depth(features, sky, sky_sure, horizon, subject)
    points = point_light_map(image, sky.shape)
    sure = {"sky": sky_sure, "water": water_sure, "foliage": foliage_sure, "fire": fire_sure,
            "subject": subject_sure}
    return SceneAnalysis(
        depth=depth,
        masks={"sky": sky, "water": water, "foliage": foliage, "fire": fire, "subject": subject,
               "vessel": vessel_mask(features), "people": people_mask(faces, *sky.shape),
               "faces": face_mask(faces, *sky.shape),
               "twinkle": points, "light": lamp_mask(features.rgb, points, fire if fire_sure else None),
               "rays": emitter_map(features.rgb, sky, foliage)},
        elements=frozenset(name for name, yes in sure.items() if yes),
        horizon=horizon / features.height,
    )


def _faces(image: np.ndarray) -> list[tuple[float, float, float, float]]:
    return list(find_faces(image, min_share=PORTRAIT_FACE_WIDTH))


def _working_copy(image: np.ndarray) -> np.ndarray:
    height, width = image.shape[:2]
    scale = WORK_LONG_SIDE / max(height, width)
    if scale >= 1.0:
        return np.ascontiguousarray(image)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


__all__ = ["SceneAnalysis", "analyze_scene"]
