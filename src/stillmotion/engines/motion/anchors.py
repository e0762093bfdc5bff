"""Where an added effect belongs in the photo: the source a plume rises from, the bed fog lies on,
the band heat shimmers in.

Steam, smoke, fog and shimmer are not in the photo, so there is nothing to
find and move; what there is to find is a plausible place for them, from the
scene analysis alone (so the planner, the notes and the renderer agree on
it). Each finder returns None when the photo offers nothing plausible, and
the task's notes then say so instead of drawing the effect somewhere random.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.timing import smootherstep

ATMOSPHERE_KINDS = ("steam", "smoke", "fog", "heat")
"""Region kinds that are drawn over the photo where these finders place them, not found and moved in it."""
FOUND_LEVEL = 0.5
"""A mask counts where it reaches this (as `notes.FOUND_LEVEL`)."""
MIN_SOURCE_FRACTION = 0.0005
"""A source smaller than this share of the frame is a speck, not a cup or a fire."""
SOURCE_INSET = 0.2
"""A subject's plume starts this far down its blob (a cup's liquid sits below its rim)."""

FOG_CENTRE = 0.06
"""Fog lies on the ground just below the horizon (fraction of the height)..."""
FOG_SPREAD = (0.07, 0.15)
"""...thinning over this much of the height above and below it."""
FOG_MIN_COVER = 0.02
"""A fog bed at least half thick over less than this share of the frame is nothing worth calling fog."""
NEAR_CLEAR = 0.35
"""Nearer than this share of the depth range nothing is veiled by fog or bent by hot air (`_distant`)."""
HEAT_BAND = 0.05
"""Half-height of the shimmering band along a horizon (fraction of the height)."""


@dataclass(frozen=True)
class Source:
    """Where a plume or shimmer rises from, in fractions of the frame (resolution-free)."""

    x: float
    """Centre of the source, 0..1 of the width."""
    y: float
    """Where the rise starts, 0..1 of the height from the top."""
    width: float
    """Width of the source, 0..1 of the width."""
    depth: float
    """The depth proxy at the source, 0 near .. 1 far."""
    what: str
    """The source in words, for the notes and the explanation."""


def plume_source(scene: SceneAnalysis | None) -> Source | None:
    """What steam or smoke rises from: flames the fire detector is confident of, else a cup (a warm drink ringed by a pale rim,
    `scene_vessel.py`), else a clear main subject's top (a chimney stack, a kettle); None when
    the photo shows none of them."""
    if scene is None:
        return None
    flames = _flames(scene)
    if flames is not None:
        return flames
    vessel = scene.masks.get("vessel")
    if vessel is not None and float(vessel.max()) >= FOUND_LEVEL:
        drink = _middle_of(vessel >= FOUND_LEVEL, scene, what="the cup")
        if drink is not None:
            return drink
    subject = scene.masks.get("subject")
    if subject is not None and "subject" in scene.elements:
        return _top_of(subject >= FOUND_LEVEL, scene, inset=SOURCE_INSET, what="the top of the main subject")
    return None


def fog_bed(scene: SceneAnalysis | None) -> tuple[np.ndarray, str] | None:
    """Where fog lies (float32 0..1 at scene resolution) and where that is in words.

    On the ground along the horizon when there is sky, thicker with distance; on
    water where the plan names it; else in the far depth band. Never on what is
    near: fog between the camera and the subject would hide the photo.
    """
    if scene is None:
        return None
    height, width = scene.size
    far = _normalised(scene.depth)
    rows = (np.arange(height, dtype=np.float32)[:, None] + 0.5) / height
    water = scene.masks.get("water")
    if "sky" in scene.elements:
        below = rows - (scene.horizon + FOG_CENTRE)
        spread = np.where(below < 0, FOG_SPREAD[0], FOG_SPREAD[1])
        band = np.exp(-((below / spread) ** 2)) * np.ones((1, width), np.float32)
        bed = band * _distant(scene)
        where = "along the horizon"
        if water is not None and "water" in scene.elements:
            bed = np.maximum(bed, 0.8 * water * _distant(scene))
            where = "over the water and along the horizon"
    else:
        bed = smootherstep((far - 0.45) / 0.4) * _distant(scene)
        where = "in the distance"
    bed = bed.astype(np.float32)
    if float((bed >= 0.5).mean()) < FOG_MIN_COVER:
        return None
    return bed, where


def heat_band(scene: SceneAnalysis | None) -> tuple[np.ndarray, str] | None:
    """Where heat shimmers (float32 0..1 at scene resolution) and where in words: above flames, else
    along the horizon where it crosses distant ground (a clear sky shows no bent light)."""
    if scene is None:
        return None
    height, width = scene.size
    flames = _flames(scene)
    if flames is not None:
        return _column_above(flames, scene), "above the flames"
    if "sky" in scene.elements:
        rows = (np.arange(height, dtype=np.float32)[:, None] + 0.5) / height
        band = np.exp(-(((rows - scene.horizon) / HEAT_BAND) ** 2)) * _distant(scene)
        band *= 1.0 - scene.masks.get("sky", np.zeros_like(band))  # bent light shows on the ground, not a clear sky
        if float(band.max()) >= FOUND_LEVEL:
            return band.astype(np.float32), "along the horizon"
    return None


def place(kind: str, scene: SceneAnalysis | None) -> str | None:
    """Where an added effect of `kind` (steam, smoke, fog, heat) is drawn, in words, or None when
    the photo offers no plausible place for it."""
    if kind in ("steam", "smoke"):
        source = plume_source(scene)
        return None if source is None else f"rises from {source.what}"
    if kind == "fog":
        bed = fog_bed(scene)
        return None if bed is None else f"drifts {bed[1]}"
    band = heat_band(scene)
    return None if band is None else f"shimmers {band[1]}"


def _flames(scene: SceneAnalysis) -> Source | None:
    """The top of the flames when the fire detector is confident (a lamp's flare it half-matches is
    no fire to draw smoke or heat from)."""
    fire = scene.masks.get("fire")
    if fire is None or "fire" not in scene.elements:
        return None
    return _top_of(fire >= FOUND_LEVEL, scene, inset=0.0, what="the flames")


def _largest(binary: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int] | None:
    """Labels, stats, centroids and the label of the largest 8-connected blob of `binary`, or None."""
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    return labels, stats, centroids, 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))


def _middle_of(binary: np.ndarray, scene: SceneAnalysis, *, what: str) -> Source | None:
    """The middle of the largest blob of `binary` (a drink's surface: steam leaves all of it)."""
    found = _largest(binary)
    if found is None:
        return None
    _, stats, centroids, label = found
    height, width = binary.shape
    cx, cy = centroids[label]
    depth = float(scene.depth[min(height - 1, int(cy)), min(width - 1, int(cx))])
    return Source(x=float(cx + 0.5) / width, y=float(cy + 0.5) / height,
                  width=0.8 * float(stats[label, cv2.CC_STAT_WIDTH]) / width, depth=depth, what=what)


def _top_of(binary: np.ndarray, scene: SceneAnalysis, *, inset: float, what: str) -> Source | None:
    """The top of the largest blob of `binary`: the middle of its upper quarter, `inset` of its height down."""
    found = _largest(binary)
    if found is None:
        return None
    labels, stats, _, label = found
    height, width = binary.shape
    if stats[label, cv2.CC_STAT_AREA] < MIN_SOURCE_FRACTION * binary.size:
        return None
    top, blob_height = int(stats[label, cv2.CC_STAT_TOP]), int(stats[label, cv2.CC_STAT_HEIGHT])
    cols = np.flatnonzero((labels[top : top + max(1, blob_height // 4)] == label).any(axis=0))
    y = top + inset * blob_height
    x = float(cols.mean())
    depth = float(scene.depth[min(height - 1, int(round(y))), min(width - 1, int(round(x)))])
    span = float(cols[-1] - cols[0] + 1)
    return Source(x=(x + 0.5) / width, y=(y + 0.5) / height, width=span * 0.6 / width, depth=depth, what=what)


def _column_above(source: Source, scene: SceneAnalysis) -> np.ndarray:
    """A soft column rising from `source`, about twice its width, fading out a third of the height above it."""
    height, width = scene.size
    xs = (np.arange(width, dtype=np.float32)[None, :] + 0.5) / width
    ys = (np.arange(height, dtype=np.float32)[:, None] + 0.5) / height
    above = (source.y - ys) / 0.33
    lateral = np.exp(-(((xs - source.x) / max(source.width, 0.02)) ** 2))
    vertical = smootherstep(above / 0.05 + 1.0) * np.clip(1.0 - above, 0.0, 1.0)
    return (lateral * vertical).astype(np.float32)


def _distant(scene: SceneAnalysis) -> np.ndarray:
    """0 up to NEAR_CLEAR of the depth range, 1 from twice that, and 0 on the main subject and on
    people: what lies in front of fog or hot air (a person, a lamp post) is not veiled or bent with
    the distance behind it, and stays clear where the depth proxy misreads it as far (a pale face
    reads as far as a studio backdrop)."""
    far = smootherstep((_normalised(scene.depth) - NEAR_CLEAR) / NEAR_CLEAR)
    for near in ("subject", "people"):
        if (mask := scene.masks.get(near)) is not None:
            far = far * (1.0 - mask)
    return far


def _normalised(depth: np.ndarray) -> np.ndarray:
    low, high = float(depth.min()), float(depth.max())
    return ((depth - low) / max(high - low, 1e-6)).astype(np.float32)

