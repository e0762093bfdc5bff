"""Classical region detectors: sky, water, foliage, fire and the salient subject.

Each returns a soft float32 mask 0..1 snapped to image edges by a guided
filter, and whether the evidence is strong enough to animate the region
unasked. Thresholds use OpenCV's HSV ranges (hue 0..180, saturation and value
0..255) and gray gradients in units of intensity (0..1) per pixel.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from stillmotion.engines.motion.scene_features import NORMAL_EXPOSURE, Features

GUIDE_RADIUS = 6
GUIDE_EPS = 400.0
"""Guided-filter regulariser in (uint8 guide units)^2: edges weaker than ~20 levels are smoothed."""

SKY_MAX_TEXTURE = 0.035
"""Sky gradients are gentle; grass, trees and buildings sit well above this."""
SKY_SURE_FRACTION = 0.05
NEUTRAL_SKY_VALUE = 150
"""Value (0..255) of a grey or white sky in a normally exposed frame; scaled with exposure."""
SKY_MAX_GREEN = 0.1
"""`excess_green` above which a blue-green pixel is leaves, not sky: blurred leaves behind
a dahlia measure 0.33-0.73, the palest cyan skies near a horizon ~0.05."""
SUNSET_SKY_REACH = 0.6
"""Warm sky colours count as sky only in this upper share of the frame."""
SUNSET_MAX_TEXTURE = 0.012
"""Warm skies must be smoother than other skies: wood, skin and fur share their colours
(measured on `texture`: sunset gradients ~0.003, a wooden table ~0.027, a cat's blurred backdrop
~0.015). Compared with `denoised_texture`: pixel noise of 3 levels alone reads 0.0127 on
`texture` (1.08 sigma) and would push a noisy sunset out, ~0.004 after the pre-blur."""
SUNSET_MIN_COLOUR_CHANGE = 8.0
"""A warm sky grades from the zenith to the glow at the horizon: its top and bottom fifths differ
by at least this Lab distance (drawn sunsets 18 and 51). An evenly lit beige wall behind a
portrait measures 3.6 and is not sky."""
PORTRAIT_FACE_WIDTH = 0.12
"""A frontal face at least this share of the frame's width makes the photo a portrait."""
BACKDROP_BELOW_CHIN = 0.01
"""A portrait's "sky" with at least this share of the frame below the chin is a backdrop
(skimage's astronaut and matplotlib's grace_hopper: 2 % and more)."""
HOLE_FILL_FRACTION = 0.02
"""Enclosed gaps smaller than this (cloud edges, birds) count as sky."""
DEFAULT_HORIZON = 0.4
"""Horizon height (fraction from the top) when no sky is seen; photos put it near here."""

WATER_SKY_COLOUR_DISTANCE = 20.0
"""Lab distance at which water stops looking like a reflection of the sky."""
WATER_SURE_FRACTION = 0.05
WATER_MIN_ASPECT = 1.0
"""Width over height of a water region's bounding box, at least (the lake in sklearn's
china.jpg: 2.0 and 1.4 either side of the pagoda)."""
WATER_MIN_VALUE = 40
"""Water's own blue needs some light (value 0..255) to be told from a dark night."""
MIRROR_SEARCH = 0.3
"""The waterline is looked for down to this share of the height below the horizon."""
MIRROR_REACH = 0.15
"""Rows on each side of a candidate waterline compared when searching for it."""
MIRROR_MIN_STRUCTURE = 0.03
"""Mean gray difference between the blocks below: less means there is nothing to reflect."""
MIRROR_MAX_RATIO = 0.6
"""A waterline's flipped match must beat the unflipped one by this factor."""
MIRROR_SEARCH_STEP = 4
"""Every fourth column is enough to locate the waterline."""
FOLIAGE_SURE_FRACTION = 0.05
FOLIAGE_MIN_GREEN = 0.03
"""`excess_green` of a leaf pixel (skies, skin, wood: below; see scene_features)."""
FOLIAGE_SHARE_SIGMA = 3.0
FOLIAGE_GREEN_SHARE = 0.35
"""Share of green pixels in a ~6 px neighbourhood: the rest of a crown is yellow in sun,
brown twigs, or too dark to have a colour."""
FOLIAGE_MIN_CONTRAST = 0.03
"""Weber contrast of leaves, even blurred ones behind a flower (0.035 and up); painted
walls, car bodies and skies measure 0.005-0.02."""
FOLIAGE_SURE_CONTRAST = 0.06
"""Foliage is animated unasked only where it is clearly leafy on average (sunlit or shaded
trees 0.3-0.4, a blurred leafy backdrop 0.08)."""
FOLIAGE_EDGE_LENGTH = 0.025
"""A straight edge at least this share of the long side (10 px at the working size) counts as
built: a roof line, an eave's rim, a post, a window frame. Leaves are bounded by short, irregular
edges; blurred leaves behind a dahlia give almost no such segments."""
FOLIAGE_EDGE_SIGMA = 8.0
"""Neighbourhood (working pixels) over which straight edges are counted."""
FOLIAGE_MAX_EDGES = 1.3
"""Straight edges crossing a neighbourhood, at most, for leaves: the pagoda's eaves and roofs
are rims over rows of tiles and brackets, several parallel edges within a few pixels; a crown
meets at most one (the straight edge of a roof or a wall it stands against)."""
FIRE_MIN_FRACTION = 0.0005
FIRE_SURE_FRACTION = 0.0015
"""Glowing specks smaller than this are lamps and highlights: fire is animated unasked only
when one blob reaches it."""
FIRE_MIN_SATURATION = 140
"""Flames are deeply saturated orange (~0.55 and up; drawn flames 0.77-0.92); the drawn lamps
(0.33), lit windows (0.40), skin (0.36) and beige wall (0.40) are paler."""
FIRE_HOT_VALUE = 240
"""White-hot cores are near the top of the value range (and paler than the flame around them)."""
FIRE_HUE_MIN_SATURATION = 60
"""Hue is only read where there is colour: below this saturation it is noise."""
FIRE_MIN_HUE_SPREAD = 4
"""Flame-like texture: a flame shades from a yellow core to an orange rim, at least 8 degrees
(4 OpenCV hue units) between its 10th and 90th hue percentiles (drawn campfire 5, candle 7); a
lamp, a window or an evenly lit orange object is one colour (0-2)."""
SKIN_CR = (133, 173)
SKIN_CB = (77, 127)
"""Chai & Ngan's (1999) skin chroma box in YCrCb: faces and hands stay out of the fire mask
under any light; saturated flame orange has far less blue (drawn flames: Cb 49-60)."""
FIRE_WARM_SHARE = 0.35
"""At least this share of a flame blob is saturated orange-yellow (the rest: white-hot core)."""
FIRE_RING_DARKNESS = 0.6
"""A flame's surroundings are at most this bright relative to the flame itself: flames light up
a darker scene; a face on a wall of similar brightness has no such contrast."""
FIRE_MAX_FRACTION = 0.25
FIRE_CONTRAST = 40
"""Flames are at least this many value levels brighter than their surroundings."""
FIRE_SURROUND = 41
"""Side of the box whose mean is a flame's surroundings (working pixels)."""
SUBJECT_FRACTION = (0.01, 0.35)
"""A subject covers between 1% and 35% of the frame; outside that saliency is just texture."""
SUBJECT_DOMINANCE = 0.6
"""The largest salient blob holds at least this share of all salient area: one subject, not
several equal spots (lamps, clouds, bricks)."""
SUBJECT_MAX_SPAN = 0.6
"""A compact subject spans at most this share of the width and of the height, and touches at
most one border: saliency along a horizon spans the frame and is not an object."""
SUBJECT_CONTRAST = 5.0
"""Mean saliency inside the blob over the mean outside it: drawn figures and flames measure 5-50,
a road's vanishing point 4.8, a faint trunk in fog 4.3, a horizon line 2-3."""


def _soften(mask: np.ndarray, features: Features) -> np.ndarray:
    soft = cv2.ximgproc.guidedFilter(features.rgb, mask.astype(np.float32), GUIDE_RADIUS, GUIDE_EPS)
    return np.clip(soft, 0.0, 1.0).astype(np.float32)


def _components(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    return cv2.connectedComponentsWithStats(binary.astype(np.uint8), connectivity=8)[:3]


def _drop_small(binary: np.ndarray, min_fraction: float) -> np.ndarray:
    _, labels, stats = _components(binary)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_fraction * binary.size
    keep[0] = False
    kept: np.ndarray = keep[labels]
    return kept


def _fill_small_holes(binary: np.ndarray, max_fraction: float) -> np.ndarray:
    """Fill gaps fully enclosed by the mask (not touching the border) up to a size."""
    _, labels, stats = _components(~binary)
    h, w = binary.shape
    x, y, bw, bh = (stats[:, i] for i in range(4))
    inner = (x > 0) & (y > 0) & (x + bw < w) & (y + bh < h)
    small = stats[:, cv2.CC_STAT_AREA] <= max_fraction * binary.size
    fill = inner & small
    fill[0] = False  # label 0 is the mask itself
    filled: np.ndarray = binary | fill[labels]
    return filled


def sky_mask(f: Features) -> tuple[np.ndarray, bool]:
    """Blue, white, grey or sunset-coloured, smooth, and connected to the top border.

    Clouds count as sky (small enclosed gaps are filled).
    """
    hue, sat, val = (f.hsv[..., i].astype(np.int16) for i in range(3))
    # Dusk skies are dark; teal-green (out-of-focus leaves share the hue range) is not sky.
    leafy = f.excess_green >= SKY_MAX_GREEN
    blue = (hue >= 85) & (hue <= 135) & (sat >= 35) & (val >= 40) & ~leafy
    # Clouds and overcast skies are pale: the brightest part of the frame, by day or at dusk.
    neutral = (sat < 60) & (val >= NEUTRAL_SKY_VALUE * min(1.0, f.exposure / NORMAL_EXPOSURE))
    # Sunset and dawn skies: warm or pink, bright; only counted in the upper part of the frame
    # (a smooth orange wall lower down is more likely a wall).
    upper = np.arange(f.height)[:, None] < SUNSET_SKY_REACH * f.height
    warm_hue = (hue <= 35) | (hue >= 140)
    glowing = warm_hue & (val >= 120) & upper & (f.denoised_texture < SUNSET_MAX_TEXTURE)
    candidate = (blue | neutral | glowing) & (f.texture < SKY_MAX_TEXTURE)
    candidate = cv2.morphologyEx(
        candidate.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8)
    ).astype(bool)
    _, labels, stats = _components(candidate)
    touches_top = stats[:, cv2.CC_STAT_TOP] <= 1
    large = stats[:, cv2.CC_STAT_AREA] >= 0.005 * candidate.size
    keep = touches_top & large
    keep[0] = False
    warm_only = glowing & ~(blue | neutral)
    for label in np.flatnonzero(keep):
        region = labels == label
        if warm_only[region].mean() > 0.5:
            keep[label] = _vertical_colour_change(f.lab, region) >= SUNSET_MIN_COLOUR_CHANGE
    sky = _fill_small_holes(keep[labels], HOLE_FILL_FRACTION)
    return _soften(sky, f), bool(sky.mean() >= SKY_SURE_FRACTION)


def is_studio_backdrop(sky: np.ndarray, faces: Sequence[tuple[float, float, float, float]]) -> bool:
    """Whether a sky-like background is a portrait's backdrop (faces: x, y, width, height).

    A studio backdrop is as smooth and as blue, grey or white as a sky; what
    gives it away is framing: behind a head-and-shoulders portrait it runs
    down beside the face past the chin, where outdoors the horizon, trees or
    buildings would stand. A face seen against a sky from below keeps its sky.
    Outdoor portraits whose plain sky reaches below the chin are read as
    backdrops too: no sky motion there is the safer mistake.
    """
    inside = sky > 0.5
    height = inside.shape[0]
    for _, top, width, face_height in faces:
        if width < PORTRAIT_FACE_WIDTH:
            continue
        chin = min(height, round((top + face_height) * height))
        if inside[chin:].sum() >= BACKDROP_BELOW_CHIN * inside.size:
            return True
    return False


def _vertical_colour_change(lab: np.ndarray, region: np.ndarray) -> float:
    """Lab distance between the mean colours of the top and bottom fifths of a region's rows."""
    rows = np.flatnonzero(region.any(axis=1))
    fifth = max(1, len(rows) // 5)
    top = lab[rows[:fifth]][region[rows[:fifth]]].mean(axis=0)
    bottom = lab[rows[-fifth:]][region[rows[-fifth:]]].mean(axis=0)
    return float(np.linalg.norm(top - bottom))


def horizon_row(sky: np.ndarray, sky_sure: bool, height: int) -> int:
    """Median over sky columns of the lowest sky row; DEFAULT_HORIZON without a sky."""
    inside = sky > 0.5
    columns = inside.any(axis=0)
    if not sky_sure or not columns.any():
        return int(DEFAULT_HORIZON * height)
    lowest = height - 1 - np.argmax(inside[::-1], axis=0)
    return int(np.median(lowest[columns])) + 1


def water_mask(
    f: Features, sky: np.ndarray, sky_sure: bool, horizon: int
) -> tuple[np.ndarray, bool]:
    """Below the horizon, smooth or horizontally streaked, and sky-coloured or mirroring.

    Weak by nature (a grey road looks like an overcast lake): `sure` asks for
    a reflection or ripple streaks on top of the colour, and the planner only
    animates water unasked when `sure`.
    """
    h, w = sky.shape
    below = np.zeros((h, w), bool)
    below[min(horizon + 1, h):] = True
    hue, sat = f.hsv[..., 0].astype(np.int16), f.hsv[..., 1].astype(np.int16)
    # Hue is noise in near-black pixels: a night sky is not blue water.
    colour = (
        (hue >= 80) & (hue <= 130) & (sat >= 25) & (f.hsv[..., 2] >= WATER_MIN_VALUE)
        & (f.excess_green < SKY_MAX_GREEN)  # teal leaves, not water
    ).astype(np.float32) * 0.8
    sky_inside = sky > 0.5
    if sky_sure and sky_inside.any():
        distance = np.linalg.norm(f.lab - f.lab[sky_inside].mean(axis=0), axis=-1)
        colour = np.maximum(colour, np.exp(-((distance / WATER_SKY_COLOUR_DISTANCE) ** 2)))
    smooth = 1.0 - np.clip(f.texture / 0.08, 0.0, 1.0)
    gx2 = cv2.GaussianBlur(f.grad_x**2, (0, 0), 3.0)
    gy2 = cv2.GaussianBlur(f.grad_y**2, (0, 0), 3.0)
    # Ripples are horizontal lines: vertical gradients dominate (share 0.5 = no preference).
    streaks = np.clip((gy2 / (gx2 + gy2 + 1e-6) - 0.55) / 0.3, 0.0, 1.0) * (gy2 > 1e-4)
    mirror = _mirror_similarity(f.gray, f.texture, horizon)
    score = below * np.maximum(smooth, streaks) * np.maximum(colour, 0.9 * mirror)
    binary = _flat_bands(_drop_small(score >= 0.5, 0.01))
    inside = binary.sum()
    sure = bool(
        sky_sure  # water shows the sky's light; without a sky, never animate it unasked
        and inside >= WATER_SURE_FRACTION * binary.size
        and (mirror[binary].mean() >= 0.6 or streaks[binary].mean() >= 0.4)
    ) if inside else False
    return _soften(binary, f), sure


def _flat_bands(binary: np.ndarray) -> np.ndarray:
    """Keep the parts at least as wide as they are tall: seen from its shore, water recedes
    into a flat band. A tall smooth strip is a backdrop beside a portrait or a wall."""
    _, labels, stats = _components(binary)
    keep = stats[:, cv2.CC_STAT_WIDTH] >= WATER_MIN_ASPECT * stats[:, cv2.CC_STAT_HEIGHT]
    keep[0] = False
    kept: np.ndarray = keep[labels]
    return kept


def _mirror_similarity(gray: np.ndarray, texture: np.ndarray, horizon: int) -> np.ndarray:
    """How much each pixel below the waterline resembles its mirror image above it.

    The waterline is not the sky's horizon (trees and hills stand between
    them), so the mirror axis is searched between the horizon and the
    MIRROR_SEARCH share of the height below it.
    """
    h = gray.shape[0]
    out = np.zeros_like(gray)
    columns = gray[:, ::MIRROR_SEARCH_STEP]  # the axis is a row: a few columns find it
    best_axis, best_ratio = -1, MIRROR_MAX_RATIO
    for axis in range(max(horizon, 4), min(h - 4, horizon + int(MIRROR_SEARCH * h)) + 1, 2):
        reach = min(axis // 2, h - axis - 1, int(MIRROR_REACH * h))
        if reach < 4:
            continue
        rows = np.arange(axis + 1, axis + 1 + reach)
        flipped = float(np.abs(columns[rows] - columns[2 * axis - rows]).mean())
        # The same rows compared unflipped with the block above: a uniform area matches
        # both equally well, a reflection matches the flipped block clearly better.
        shifted = float(np.abs(columns[rows] - columns[rows - 2 * reach - 1]).mean())
        if shifted < MIRROR_MIN_STRUCTURE:
            continue  # nothing to mirror: a flat wall or a dark room
        ratio = flipped / shifted
        if ratio < best_ratio:
            best_axis, best_ratio = axis, ratio
    if best_axis < 0:
        return out
    rows = np.arange(best_axis + 1, min(h, 2 * best_axis + 1))
    difference = cv2.GaussianBlur(np.abs(gray[rows] - gray[2 * best_axis - rows]), (0, 0), 2.0)
    # 0.1 of the gray range: a reflection is darker and softer than what it mirrors.
    # Only structure can be seen to mirror: flat areas (a dark room) match any flip trivially.
    structure = np.clip(texture[2 * best_axis - rows] / MIRROR_MIN_STRUCTURE, 0.0, 1.0)
    out[rows] = (1.0 - np.clip(difference / 0.1, 0.0, 1.0)) * structure
    return out


def foliage_mask(f: Features, sky: np.ndarray) -> tuple[np.ndarray, bool]:
    """Mostly green and contrasty (leaves, grass), and not built up.

    Smooth green walls and cars stay out on contrast, green eaves and window frames on
    their crowded straight edges (`_built_up`).

    Both cues are relative, so trees in shade and at dusk are found as in sun:
    greenness is a chromaticity (`excess_green`), texture is Weber contrast
    (`contrast`), not gradient strength. Both are read over a neighbourhood:
    sunlit leaves turn yellow, shaded ones near-black, and a crown is a mix.
    """
    green_share = cv2.GaussianBlur(
        (f.excess_green >= FOLIAGE_MIN_GREEN).astype(np.float32), (0, 0), FOLIAGE_SHARE_SIGMA
    )
    binary = (green_share >= FOLIAGE_GREEN_SHARE) & (f.contrast >= FOLIAGE_MIN_CONTRAST) & (sky < 0.5)
    if binary.any():  # the line search is the costly part: skip it where nothing is green
        binary &= ~_built_up(f)
    binary = cv2.morphologyEx(
        binary.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
    ).astype(bool)
    binary = _drop_small(binary, 0.005)
    sure = bool(
        binary.mean() >= FOLIAGE_SURE_FRACTION
        and f.contrast[binary].mean() >= FOLIAGE_SURE_CONTRAST
    )
    return _soften(binary, f), sure


def _built_up(f: Features) -> np.ndarray:
    """Where straight edges crowd: more than FOLIAGE_MAX_EDGES per FOLIAGE_EDGE_SIGMA window.

    Green paint and glaze are as green and as contrasty as leaves; what sets a building apart
    is its many long straight edges (found with LSD, von Gioi et al. 2012). Swaying them would
    bend a roof. Counting edges per neighbourhood rather than clearing a band along each one
    catches an upturned eave whose curve LSD breaks into short pieces, and spares a tree that
    stands against one straight roof line. The gray is brought to a day's exposure first:
    LSD's gradient threshold is absolute, and at dusk the eaves' edges are a third as steep.
    """
    scaled = f.gray * (255.0 * NORMAL_EXPOSURE / max(f.exposure, 0.05))
    segments = cv2.createLineSegmentDetector().detect(np.clip(scaled, 0, 255).astype(np.uint8))[0]
    edges = np.zeros(f.gray.shape, np.float32)
    min_length = FOLIAGE_EDGE_LENGTH * max(f.height, f.width)
    for x0, y0, x1, y1 in np.zeros((0, 4)) if segments is None else segments.reshape(-1, 4):
        if np.hypot(x1 - x0, y1 - y0) >= min_length:
            cv2.line(edges, (round(x0), round(y0)), (round(x1), round(y1)), 1.0, 1)
    # One edge through a window, blurred, peaks at 1 / (sqrt(2 pi) sigma).
    one_edge = 1.0 / (np.sqrt(2.0 * np.pi) * FOLIAGE_EDGE_SIGMA)
    built: np.ndarray = cv2.GaussianBlur(edges, (0, 0), FOLIAGE_EDGE_SIGMA) > FOLIAGE_MAX_EDGES * one_edge
    return built


def fire_mask(f: Features, sky: np.ndarray) -> tuple[np.ndarray, bool]:
    """Glowing, saturated orange blobs that shade from yellow to orange, not set in the sky.

    Orange objects (a jacket, a cup of coffee) are bright and warm too; what
    sets flames apart is that they emit light: they outshine their ring of
    surroundings by a wide margin. Red is left out (hue < 5): red objects are
    common, red flames are not bright enough to be seen as red. Skin chroma,
    pale lamps and windows (not saturated enough) and one-coloured blobs (no
    hue spread: lamps, lit faces) are refused. A warm sky the sky detector
    missed fails the ring test: the sky above a glowing band is as bright.
    """
    hue, sat, val = (f.hsv[..., i].astype(np.int16) for i in range(3))
    ycrcb = cv2.cvtColor(f.rgb, cv2.COLOR_RGB2YCrCb)
    cr, cb = ycrcb[..., 1], ycrcb[..., 2]
    skin = (cr >= SKIN_CR[0]) & (cr <= SKIN_CR[1]) & (cb >= SKIN_CB[0]) & (cb <= SKIN_CB[1])
    warm = (hue >= 5) & (hue <= 35) & (sat >= FIRE_MIN_SATURATION) & (val >= 190) & ~skin
    near_warm = cv2.dilate(warm.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    hot_core = (val >= FIRE_HOT_VALUE) & (sat < FIRE_MIN_SATURATION) & near_warm & ~skin
    # Box mean over ~41 px (about a Gaussian of sigma 12) at a fraction of the cost.
    surround = cv2.blur(val.astype(np.float32), (FIRE_SURROUND, FIRE_SURROUND))
    candidate = (warm | hot_core) & (val - surround >= FIRE_CONTRAST) & (sky < 0.5)
    _, labels, stats = _components(candidate)
    area = stats[:, cv2.CC_STAT_AREA]
    keep = area >= FIRE_MIN_FRACTION * candidate.size
    keep[0] = False
    for label in np.flatnonzero(keep):
        keep[label] = _glows_like_fire(labels == label, warm, hue, sat, val, sky)
    fire = keep[labels]
    largest = area[keep].max(initial=0) / candidate.size
    sure = bool(largest >= FIRE_SURE_FRACTION and fire.mean() <= FIRE_MAX_FRACTION)
    return _soften(fire, f), sure


def _glows_like_fire(
    blob: np.ndarray,
    warm: np.ndarray,
    hue: np.ndarray,
    sat: np.ndarray,
    val: np.ndarray,
    sky: np.ndarray,
) -> bool:
    ring = cv2.dilate(blob.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool) & ~blob
    if not ring.any() or sky[ring].mean() > 0.5:  # the sun, not a fire
        return False
    coloured = hue[blob & (sat >= FIRE_HUE_MIN_SATURATION)]
    if coloured.size == 0:
        return False
    low, high = np.percentile(coloured, (10, 90))
    return bool(
        warm[blob].mean() >= FIRE_WARM_SHARE
        and val[ring].mean() <= FIRE_RING_DARKNESS * val[blob].mean()
        and high - low >= FIRE_MIN_HUE_SPREAD
    )


def subject_mask(f: Features) -> tuple[np.ndarray, bool]:
    """Spectral-residual saliency, smoothed to object scale and normalised.

    The mask is always returned (the camera aims at it); `sure` needs one
    compact, clearly dominant salient blob, see `_one_clear_subject`.
    """
    saliency = cv2.saliency.StaticSaliencySpectralResidual_create()  # type: ignore[attr-defined]
    ok, raw = saliency.computeSaliency(f.rgb)
    if not ok:
        return np.zeros(f.gray.shape, np.float32), False
    smooth = cv2.GaussianBlur(raw.astype(np.float32), (0, 0), 0.02 * max(f.height, f.width))
    low, high = float(smooth.mean()), float(np.percentile(smooth, 99.5))
    subject = np.clip((smooth - low) / max(high - low, 1e-6), 0.0, 1.0)
    return _soften(subject, f), _one_clear_subject(subject >= 0.5, smooth)


def _one_clear_subject(salient: np.ndarray, saliency: np.ndarray) -> bool:
    """Whether the salient area is one compact object that clearly stands out.

    All must hold for the largest connected blob of `salient`: it covers
    SUBJECT_FRACTION of the frame; it holds SUBJECT_DOMINANCE of the salient
    area; it spans at most SUBJECT_MAX_SPAN of the width and of the height and
    touches at most one border; and its mean saliency is SUBJECT_CONTRAST
    times the mean outside it. A low sun in a plain sky passes: it is the
    one object there is.
    """
    count, labels, stats = _components(salient)
    if count < 2:
        return False
    area = stats[1:, cv2.CC_STAT_AREA]
    label = 1 + int(np.argmax(area))
    h, w = salient.shape
    x, y, bw, bh = (int(stats[label, i]) for i in range(4))
    borders = (x == 0) + (y == 0) + (x + bw == w) + (y + bh == h)
    blob = labels == label
    # Short-circuit order matters: the size test guarantees pixels outside the blob.
    return bool(
        SUBJECT_FRACTION[0] <= area.max() / salient.size <= SUBJECT_FRACTION[1]
        and area.max() >= SUBJECT_DOMINANCE * area.sum()
        and bw <= SUBJECT_MAX_SPAN * w
        and bh <= SUBJECT_MAX_SPAN * h
        and borders <= 1
        and saliency[blob].mean() >= SUBJECT_CONTRAST * max(float(saliency[~blob].mean()), 1e-9)
    )
