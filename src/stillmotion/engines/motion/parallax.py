"""2.5D parallax: the camera pose applied per pixel by depth, in two layers that never tear.

A single backward warp over a depth map with steps either stretches the
background at a foreground's edge or leaves holes. Done by hand (After Effects)
the foreground is cut out, the background filled behind it, and each is moved
on its own. Here:

* the foreground is where depth steps nearer than its surroundings (a
  max-filter of depth says "what lies behind"), cut at half-way and grown a
  little past the cut, so that it holds the object whole; an object wider than the
  search radius shows a step only along its outline, so the layer spreads from there over
  everything nearer than that step's cut (`_whole_object`): a layer edge without a step
  behind it is a seam that parts on any move;
* the background plate is the image with all of that foreground inpainted
  away, rim included (Telea, on the coarse grid: disocclusions are thin bands,
  a soft fill reads as out-of-focus background), and its depth filled the same
  way: nothing of the object stays behind to show twice;
* each layer's depth is smoothed, so each layer's warp is a gentle bend, and
  `supported_parallax` caps the move so that no layer stretches the picture
  by more than a few percent: no tearing; the foreground is composited over
  the background with its warped alpha.

The warp of a layer follows the pose model of `camera.py`, with depth sampled
at the source point by two fixed-point iterations (an approximate forward warp).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPath, CameraPose
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.regions import RegionFields
from stillmotion.engines.motion.warp import (
    Positions,
    Residual,
    apply_gain,
    copy_positions,
    sample,
    sample_coarse,
    source_positions,
)

STEP_LOW, STEP_HIGH = 0.12, 0.22
"""A pixel belongs to the foreground when it is nearer than what lies around it by more than
0.12..0.22 of the depth range (a ramp, so the cut is feathered); a smooth ground plane rises
by less than that across the search radius and stays one continuous layer."""
SEARCH_FRACTION = 0.03
"""Least radius, as a fraction of the frame width, within which "what lies behind" is looked
for; it grows to the farthest a pixel moves, the width of the band the move can uncover."""
MIN_FOREGROUND_AREA = 0.002
MIN_LAYER_AREA = 0.01
"""A piece of foreground smaller than 1% of the frame is a blotch of the depth proxy, not an
object: moving it on its own would tear the picture for no visible depth."""
DEPTH_SMOOTHING_CELLS = 1.5
"""Below 0.2% of the frame a foreground layer is not worth a second warp."""
FIXED_POINT_ITERATIONS = 2
LAYER_INTERPOLATION = cv2.INTER_LINEAR
"""Per-pixel remaps cost ~11 ms (linear) vs ~35 ms (cubic) at 1080p; parallax moves hide the
difference, the flat camera path keeps cubic."""


RIGID_DEPTH_FRACTION = 0.02
"""Each layer's depth is smoothed with a Gaussian of 2% of the width (38 px at 1080p)."""
STRAIN_LIMIT, STRAIN_QUANTILE = 0.04, 0.995
"""Within a layer, neighbouring pixels may part by at most 4% of their distance (a 100-px fork
bends by 4 px at most): `supported_parallax` caps the move's parallax so. Measured on the
99.5th percentile of the layer depth's gradient, so a few stray cells do not decide."""
FOREGROUND_GROW_CELLS = 3
"""The foreground layer reaches 3 cells (24 px at 1080p) past the depth cut: a smoothed depth step
falls short of an object's tip or rim by about that much, and whatever of the object the layer
leaves out stays in the plate and shows twice once the layers part (the doubled edge, the ghost).
The ring of background it carries instead moves with the object over the plate's fill, which is
the same background, softened."""
FILL_FROM_ALPHA, FILL_MARGIN_PIXELS = 0.02, 3
"""The plate shows its fill wherever the (grown) foreground has any coverage, and 3 px beyond."""

VISIBLE_ALPHA = 0.5 / 255.0
"""Coverage below this rounds to 0 in the uint8 alpha channel: nothing to composite."""
BAND_MARGIN_CELLS = 2
"""Coarse cells added around where the warped foreground shows: coverage is estimated at
cell centres, and the full-resolution alpha also lies between them."""
BAND_GAP_CELLS = 8
"""Bands of the foreground closer than this (64 px at 1080p) are composited as one: each band costs
its own OpenCV calls."""
OPAQUE_ALPHA = 254.5 / 255.0
"""Coverage from which the uint8 alpha channel rounds to 255: the foreground hides the plate."""


@dataclass(frozen=True)
class Layer:
    depth: np.ndarray  # coarse (h, w) float32, smooth
    roi: tuple[int, int, int, int]  # x0, y0, x1, y1 of the output the layer can cover
    alpha: np.ndarray | None = None  # coarse (h, w) coverage 0..1 of a layer that is not opaque
    solid: np.ndarray | None = None
    """Coarse 0/1 float32: cells whose whole 3x3 neighbourhood is opaque, so that any point
    within a cell of them samples alpha 255 at full resolution."""


@dataclass
class ParallaxWarp:
    """Prepared layers of one image for one camera path."""

    grid: FieldGrid
    focus: float
    plate: np.ndarray
    """The image with the foreground filled in (RGBA uint8), the background layer's source."""
    background: Layer
    foreground: Layer | None
    foreground_rgba: np.ndarray | None = None
    """The image premultiplied by the foreground's alpha, alpha as the fourth channel (uint8).
    Premultiplied, bilinear resampling does not bleed the colour of transparent pixels into
    the rim, and compositing is one multiply and one add."""

    @classmethod
    def build(cls, image: np.ndarray, depth: np.ndarray, path: CameraPath, grid: FieldGrid) -> ParallaxWarp:
        small_depth = np.clip(grid.shrink(depth), 0.0, 1.0)
        full = (0, 0, grid.width, grid.height)
        split = _split(small_depth, grid, _max_reach(path, grid))
        if split.alpha is None:
            return cls(grid, path.focus, cv2.cvtColor(image, cv2.COLOR_RGB2RGBA), Layer(split.background, full), None)

        # The layer carries the object whole (`FOREGROUND_GROW_CELLS`), feathered as the cut is.
        alpha_small = split.alpha
        alpha = grid.grow(alpha_small)

        # The plate has the whole foreground taken out, its soft rim included, and filled from
        # around it (the background: nothing that stands out nearby lends its colour either).
        # A rim left in the plate is a second copy of the object's edge once the layers part:
        # the doubled sliver, the ghost outline.
        small_image = cv2.resize(image, (grid.small_width, grid.small_height), interpolation=cv2.INTER_AREA)
        filled = cv2.inpaint(small_image, split.hole * 255, 3, cv2.INPAINT_TELEA)
        # Only inside the hole: elsewhere under the layer (a cut with no step) the photo itself.
        filled_over = (alpha > FILL_FROM_ALPHA) & (grid.grow(split.hole.astype(np.float32)) > 0.5)
        rim = cv2.dilate(filled_over.astype(np.uint8), cv2.getStructuringElement(
            cv2.MORPH_ELLIPSE, (2 * FILL_MARGIN_PIXELS + 1, 2 * FILL_MARGIN_PIXELS + 1)))
        hole = cv2.GaussianBlur(rim.astype(np.float32), (0, 0), FILL_MARGIN_PIXELS / 2.0)
        plate = _blend(_grow_image(filled, grid), image, hole)

        roi = _roi(alpha_small, _max_reach(path, grid), grid)
        return cls(
            grid,
            path.focus,
            cv2.cvtColor(plate, cv2.COLOR_RGB2RGBA),
            Layer(split.background, full),
            Layer(split.foreground, roi, alpha_small, _solid(alpha_small)),
            _premultiplied(image, alpha),
        )

    def warp(self, pose: CameraPose, fields: RegionFields | None, screen: Residual = None) -> np.ndarray:
        """The frame (RGBA) at `pose`, with the regions' motion and the `screen` displacement
        (`warp.copy_positions`) folded into each layer's warp."""
        grid = self.grid
        weights = fields.weights if fields is not None else (1.0,)
        background = self.residual(self.background, pose)
        boxes: list[tuple[int, int, int, int]] = []
        copies: list[Positions] = []
        covered = None
        if self.foreground is not None and self.foreground_rgba is not None:
            copies = copy_positions(grid, pose, self.residual(self.foreground, pose), fields, screen)
            seen = [sample_coarse(self.foreground.alpha, *grid.to_small(*positions))
                    for positions in copies] if self.foreground.alpha is not None else []
            # Only where the foreground shows at this pose: its reach-padded window is most of
            # the frame, what it covers at any one moment usually far less.
            boxes = self.visible_boxes(self.foreground, seen)
            covered = self.covered_rows(self.foreground, copies, boxes)
        # The plate is resampled only in the rows the foreground does not cover opaquely from
        # edge to edge (a horizon-wide band of ground in front of the sky, say): the composite
        # below writes every pixel of those rows, so what the frame held there never shows.
        frame = np.empty((grid.height, grid.width, 4), np.uint8)
        bands = [(0, grid.height)] if covered is None else [(0, covered[0]), (covered[1], grid.height)]
        back_copies = copy_positions(grid, pose, background, fields, screen)
        for y0, y1 in bands:
            if y0 < y1:
                sample(self.plate, grid, back_copies, weights, LAYER_INTERPOLATION, (0, y0, grid.width, y1),
                       frame[y0:y1])
        if self.foreground_rgba is not None:
            for box in boxes:
                parts = [box]
                if covered is not None and box[0] == 0 and box[2] == grid.width and box[1] <= covered[0] \
                        and covered[1] <= box[3]:
                    # Opaque rows are the layer itself (alpha 255: `_over` would give `top`
                    # exactly): resampled straight into the frame, no composite.
                    sample(self.foreground_rgba, grid, copies, weights, LAYER_INTERPOLATION,
                           (0, covered[0], grid.width, covered[1]), frame[covered[0] : covered[1]])
                    parts = [(0, box[1], grid.width, covered[0]), (0, covered[1], grid.width, box[3])]
                for x0, y0, x1, y1 in parts:
                    if y0 < y1:
                        # Colour and alpha travel together: one 4-channel remap.
                        top = sample(self.foreground_rgba, grid, copies, weights, LAYER_INTERPOLATION,
                                     (x0, y0, x1, y1))
                        _over(top, frame[y0:y1, x0:x1])
        if fields is not None and fields.gain is not None:
            apply_gain(frame, grid, source_positions(grid, pose, background), fields.gain)
        return frame

    def visible_boxes(self, layer: Layer, seen: list[np.ndarray]) -> list[tuple[int, int, int, int]]:
        """Windows (x0, y0, x1, y1) of the output, inside the layer's roi, outside which the
        layer is fully transparent; `seen`: its coarse alpha sampled at each copy's positions."""
        if layer.alpha is None:
            return [layer.roi]
        grid = self.grid
        active = np.zeros(seen[0].shape, bool)
        for alpha in seen:
            active |= alpha > VISIBLE_ALPHA
        rows = np.flatnonzero(active.any(axis=1))
        boxes = []
        for run in np.split(rows, np.flatnonzero(np.diff(rows) > BAND_GAP_CELLS) + 1) if len(rows) else []:
            band = np.zeros_like(active)
            band[run[0] : run[-1] + 1] = active[run[0] : run[-1] + 1]
            box = grid.cell_box(band, BAND_MARGIN_CELLS, layer.roi)
            if box is not None:
                boxes.append(box)
        return boxes

    def covered_rows(
        self, layer: Layer, copies: list[Positions], boxes: list[tuple[int, int, int, int]]
    ) -> tuple[int, int] | None:
        """The longest run of output rows (y0, y1) where the layer, at every copy, is opaque
        (alpha 255) across the whole width and composited by one of `boxes`; None if none.

        A coarse row counts when every cell samples `solid` fully, and so do the rows either
        side of it: a full-resolution row interpolates its source position between two coarse
        rows, and `solid`'s one-cell erosion covers the way from their sample points to it.
        """
        if layer.solid is None:
            return None
        grid = self.grid
        full = np.ones(grid.small_height, bool)
        for positions in copies:
            full &= (sample_coarse(layer.solid, *grid.to_small(*positions)) >= 1.0).all(axis=1)
        full[1:-1] &= full[:-2] & full[2:]
        rows = np.flatnonzero(full)
        if len(rows) == 0:
            return None
        runs = np.split(rows, np.flatnonzero(np.diff(rows) > 1) + 1)
        run = max(runs, key=len)
        d = grid.divisor
        # Coarse row j (pad included) is centred on full-resolution row (j - 1/2) d - 1/2.
        y0 = max(0, int(np.ceil((run[0] - 0.5) * d - 0.5)))
        y1 = min(grid.height, int(np.floor((run[-1] - 0.5) * d - 0.5)) + 1)
        if y0 >= y1:
            return None
        for bx0, by0, bx1, by1 in boxes:
            if bx0 == 0 and bx1 == grid.width and by0 <= y0 and y1 <= by1:
                return y0, y1
        return None

    def residual(self, layer: Layer, pose: CameraPose) -> tuple[np.ndarray, np.ndarray]:
        """The layer's coarse per-depth offset from the pose's affine, depth sampled at the source.

        A cell at `rel` (its offset from the frame centre over the zoom) with nearness r
        shows the source point centre + shift * r + rel / (1 + parallax_zoom * r); the
        residual is that minus the affine (r = 0): shift * r + rel * (1 / (1 + parallax_zoom
        * r) - 1). r is first taken where the cell lands, then where its content comes from.
        """
        grid = self.grid
        cx, cy = (grid.width - 1) / 2.0, (grid.height - 1) / 2.0
        # Python floats keep float32 arrays float32 (NumPy scalars would promote to float64).
        inv, focus = float(1.0 / pose.zoom), float(self.focus)
        shift_x, shift_y = (float(v) for v in pose.parallax_shift)
        parallax_zoom = float(pose.parallax_zoom)
        rel_x = (grid.small_xs - cx) * inv
        rel_y = (grid.small_ys - cy) * inv
        depth = layer.depth
        # In-place passes over preallocated coarse arrays: this runs twice per layer per frame,
        # and at 242x137 cells each fresh temporary costs about as much as the arithmetic.
        r, shrink = np.empty_like(depth), np.empty_like(depth)
        res_x, res_y = np.empty_like(depth), np.empty_like(depth)
        for iteration in range(FIXED_POINT_ITERATIONS):
            np.subtract(focus, depth, out=r)
            np.multiply(r, parallax_zoom, out=shrink)
            shrink += 1.0
            np.reciprocal(shrink, out=shrink)
            shrink -= 1.0
            np.multiply(rel_x, shrink, out=res_x)
            np.multiply(rel_y, shrink, out=res_y)
            if shift_x:
                res_x += r * shift_x
            if shift_y:
                res_y += r * shift_y
            if iteration + 1 < FIXED_POINT_ITERATIONS:
                # Depth where this pixel's content comes from, not where it lands.
                depth = sample_coarse(layer.depth, *grid.to_small(*source_positions(grid, pose, (res_x, res_y))))
        return res_x, res_y


def _foreground_alpha(depth: np.ndarray, grid: FieldGrid, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Where the depth lies in front of a step that the move will uncover (feathered 0..1),
    and (uint8 0/1) every pixel markedly nearer than its surroundings, object-sized or not.

    Depth proxies are blotchy; steps are looked for on a smoothed copy, and only
    regions large enough to be an object (not a blotch) become a layer.
    """
    kernel = _search_kernel(grid, reach)
    smooth = cv2.GaussianBlur(depth, (0, 0), DEPTH_SMOOTHING_CELLS)
    behind = cv2.dilate(smooth, kernel)  # farthest depth nearby
    step = behind - smooth
    alpha = np.clip((step - STEP_LOW) / (STEP_HIGH - STEP_LOW), 0.0, 1.0)
    # Fill the foreground's interior (a flat subject is "behind" only near its rim).
    alpha = cv2.morphologyEx(alpha, cv2.MORPH_CLOSE, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats((alpha > 0.5).astype(np.uint8))
    keep = np.zeros(count, bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= MIN_LAYER_AREA * alpha.size
    alpha *= cv2.dilate(keep[labels].astype(np.uint8), kernel).astype(np.float32)
    # Only an object-sized outline spreads over its inside: a blotch's would claim half the frame.
    alpha = np.maximum(alpha, _whole_object(smooth, behind, keep[labels]))
    standing_out = (step > STEP_LOW).astype(np.uint8)
    return cv2.GaussianBlur(alpha, (0, 0), 0.75).astype(np.float32), standing_out


def _search_kernel(grid: FieldGrid, reach: float) -> np.ndarray:
    """The disc (coarse cells) within which "what lies behind" a cell is looked for."""
    radius = max(1, round(max(SEARCH_FRACTION * grid.width, reach) / grid.divisor))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _uncovered_kernel(grid: FieldGrid, reach: float) -> np.ndarray:
    """The disc (coarse cells) around a depth step that the move can uncover: the layer's grown
    rim and the farthest the layers part, a cell to spare. The plate is filled there only: filled
    out to the search radius instead, the fill showed through the layer's feather along a cut with
    no step behind it (china, "pan right": a wash over the hazy shore, a dark streak on the lake)."""
    radius = FOREGROUND_GROW_CELLS + int(np.ceil(reach / grid.divisor)) + 1
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def _whole_object(smooth: np.ndarray, behind: np.ndarray, rim: np.ndarray) -> np.ndarray:
    """The rim's object whole (float 0/1): every cell joined to the rim through cells nearer
    than the rim's own cut (what lies behind the nearest rim cell, less the mid step).

    A step is found within the search radius only, so an object wider than twice that radius
    (a pagoda across half the frame) is cut as a ribbon along its skyline; its inside stayed in
    the background layer, and once the layers parted, the ribbon's inner edge tore through the
    roof and showed the plate's fill there (a grey, see-through copy of the roof's outline).
    The far side of a step lies behind the cut and stops the spread."""
    if not rim.any():
        return np.zeros_like(smooth)
    _, nearest = cv2.distanceTransformWithLabels(
        (~rim).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    ys, xs = np.nonzero(rim)
    levels = np.zeros(len(ys) + 1, np.float32)
    levels[1:] = behind[ys, xs] - (STEP_LOW + STEP_HIGH) / 2.0
    near = (smooth < levels[nearest]) | rim
    count, labels = cv2.connectedComponents(near.astype(np.uint8))
    touches = np.zeros(count, bool)
    touches[np.unique(labels[rim])] = True
    touches[0] = False
    whole = touches[labels]
    # A patch the proxy reads as farther but that the object encloses (windows under a roof)
    # is the object's too: its edge has no step, and a layer edge without one is a seam.
    count, labels = cv2.connectedComponents((~whole).astype(np.uint8))
    border = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    enclosed = np.ones(count, bool)
    enclosed[border] = False
    enclosed[0] = False
    return (whole | enclosed[labels]).astype(np.float32)


def _solid(alpha_small: np.ndarray) -> np.ndarray:
    """Cells whose 3x3 neighbourhood is all opaque (see `Layer.solid`)."""
    opaque = (alpha_small >= OPAQUE_ALPHA).astype(np.float32)
    return cv2.erode(opaque, np.ones((3, 3), np.uint8), borderType=cv2.BORDER_REPLICATE)


@dataclass(frozen=True)
class _Split:
    """The coarse layer decomposition of a depth map."""

    background: np.ndarray
    """Depth of the background layer, filled behind the foreground, smooth (coarse float32)."""
    foreground: np.ndarray | None = None
    alpha: np.ndarray | None = None
    hole: np.ndarray | None = None
    """uint8 0/1 cells the plate is filled over: the foreground grown, and whatever stands out near it."""

    def strain(self) -> float:
        """How fast the depth changes within a layer where it shows (depth per full-resolution pixel,
        the 99.5th percentile): each unit of the move's reach stretches the picture this much."""
        inside = [np.ones(self.background.shape, bool)] if self.alpha is None else [
            cv2.dilate((self.alpha > 0.02).astype(np.uint8), np.ones((3, 3), np.uint8)) == 0, self.alpha > 0.98
        ]
        layers = [self.background] if self.foreground is None else [self.background, self.foreground]
        return max(
            float(np.quantile(_gradient(layer)[1:-1, 1:-1][shown[1:-1, 1:-1]], STRAIN_QUANTILE))
            for layer, shown in zip(layers, inside) if shown[1:-1, 1:-1].any()
        )


def _split(small_depth: np.ndarray, grid: FieldGrid, reach: float) -> _Split:
    """Cut the coarse depth into a background and (if the depth has an object-sized step) a
    foreground, each with a smooth depth of its own (`_rigid`)."""
    alpha, standing_out = _foreground_alpha(small_depth, grid, reach)
    if float(alpha.mean()) < MIN_FOREGROUND_AREA:
        return _Split(_rigid(small_depth, grid))
    side = 2 * FOREGROUND_GROW_CELLS + 1
    # Half-decided coverage spread over an object (a lattice tower the depth half puts in front)
    # would show it half-transparent over the fill: an object is in the layer or not, with a
    # one-cell feather.
    cut = cv2.GaussianBlur((alpha > 0.5).astype(np.float32), (0, 0), 0.75)
    alpha = cv2.dilate(cut, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    # The plate is filled over all of it and two cells beyond, so no rim colour leaks into the fill.
    hole = cv2.dilate((alpha > 0.02).astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5)))
    near_hole = cv2.dilate(hole, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    hole = cv2.bitwise_or(hole, cv2.bitwise_and(standing_out, near_hole))
    # Only near a step does the layer hide what its move uncovers. Where its cut runs through a
    # depth ramp instead (the proxy's level crossing inside a tree's crown: china, "pan right"),
    # the plate keeps the photo, so the parting edge shows the same leaves, not a smooth band of
    # fill (a grey-green ring that grew across the crown as the layers parted). And only near a
    # step of its own: something small standing out just behind its edge (china's island beside
    # the lake) is not uncovered by it, and filled over it slid out as a dark streak.
    own_steps = cv2.bitwise_and(standing_out, (cut > 0.5).astype(np.uint8))
    hole = cv2.bitwise_and(hole, cv2.dilate(own_steps, _uncovered_kernel(grid, reach)))
    # Telea on float data can overshoot; the overscan assumed the image's own depth range.
    low, high = float(small_depth.min()), float(small_depth.max())
    # Behind the foreground the background's depth is what surrounds it, all the way out to
    # where the foreground's rim fades, so the background behind a rim is not pulled along.
    background = np.clip(cv2.inpaint(small_depth, hole, 3, cv2.INPAINT_TELEA), low, high)
    # The foreground's own depth, extended outward from its pixels so its warp is smooth.
    outside = ((cut <= 0.5) * 255).astype(np.uint8)
    foreground = np.clip(cv2.inpaint(small_depth, outside, 3, cv2.INPAINT_TELEA), low, high)
    return _Split(_rigid(background, grid), _rigid(foreground, grid), alpha, hole)


def _rigid(depth: np.ndarray, grid: FieldGrid) -> np.ndarray:
    """A layer's depth smoothed over `RIGID_DEPTH_FRACTION` of the width: within a layer the warp
    bends the picture gently instead of following the proxy's texture (a bright tank read as far,
    a dark tyre as near: a fork that bends, a box corner that folds)."""
    sigma = RIGID_DEPTH_FRACTION * grid.width / grid.divisor
    return cv2.GaussianBlur(depth, (0, 0), sigma, borderType=cv2.BORDER_REPLICATE)


def _gradient(depth: np.ndarray) -> np.ndarray:
    return np.hypot(*np.gradient(depth)).astype(np.float32)


def supported_parallax(depth: np.ndarray, grid: FieldGrid) -> float:
    """The largest near/far separation (fraction of the width, as `camera.PARALLAX_LIMIT_*`) at
    which no layer of this depth stretches the picture by more than `STRAIN_LIMIT`.

    The separation is span x reach (reach: a pixel's travel per unit of nearness); within a layer
    the picture stretches by gradient x reach, with the gradient in depth per pixel."""
    small_depth = np.clip(grid.shrink(depth), 0.0, 1.0)
    span = float(small_depth.max() - small_depth.min())
    strain = _split(small_depth, grid, 0.0).strain() / grid.divisor
    if strain <= 0.0 or span <= 0.0:
        return float("inf")
    return span * STRAIN_LIMIT / strain / grid.width


def _max_reach(path: CameraPath, grid: FieldGrid) -> float:
    """The most any pixel moves relative to its neighbours at another depth, in full pixels."""
    half_diagonal = float(np.hypot(grid.width, grid.height)) / 2.0
    return max(
        (float(np.hypot(*pose.parallax_shift)) + abs(pose.parallax_zoom) * half_diagonal for pose in path.poses),
        default=0.0,
    )


def _roi(alpha_small: np.ndarray, reach: float, grid: FieldGrid) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(alpha_small > 0.005)
    pad = reach + 2 * grid.divisor
    x0 = int(max(0, np.floor(grid.small_xs[0, xs.min()] - pad)))
    y0 = int(max(0, np.floor(grid.small_ys[ys.min(), 0] - pad)))
    x1 = int(min(grid.width, np.ceil(grid.small_xs[0, xs.max()] + pad) + 1))
    y1 = int(min(grid.height, np.ceil(grid.small_ys[ys.max(), 0] + pad) + 1))
    return x0, y0, x1, y1


def _grow_image(small: np.ndarray, grid: FieldGrid) -> np.ndarray:
    return cv2.resize(small, (grid.width, grid.height), interpolation=cv2.INTER_CUBIC)


def _blend(top: np.ndarray, bottom: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """top * alpha + bottom * (1 - alpha) on uint8 images, in OpenCV (no full-frame numpy floats)."""
    return cv2.blendLinear(top, bottom, alpha, 1.0 - alpha)


def _premultiplied(image: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """RGB x alpha with alpha (0..1 float) as a fourth channel, all uint8."""
    alpha8 = np.clip(alpha * 255.0 + 0.5, 0, 255).astype(np.uint8)
    rgba = cv2.cvtColor(image, cv2.COLOR_RGB2RGBA)
    return cv2.multiply(rgba, cv2.merge([alpha8] * 4), scale=1.0 / 255.0)


def _over(top: np.ndarray, bottom: np.ndarray) -> None:
    """Composite premultiplied `top` over `bottom` in place (both RGBA uint8): bottom * (1 - alpha) + top.

    Uint8 passes in OpenCV, written straight into `bottom` (a window of the frame): ~3x
    cheaper than `blendLinear`'s float weights.
    """
    clear = cv2.cvtColor(cv2.bitwise_not(cv2.extractChannel(top, 3)), cv2.COLOR_GRAY2RGBA)
    cv2.multiply(bottom, clear, dst=bottom, scale=1.0 / 255.0)
    cv2.add(bottom, top, dst=bottom)
