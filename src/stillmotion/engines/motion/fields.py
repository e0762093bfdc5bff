"""Smooth per-pixel fields computed at reduced resolution and applied at full resolution.

Displacements that vary slowly across the frame (parallax, sway, flow) do not
need full-resolution maths: they are computed on a coarse grid (`FIELD_CELLS`
cells along the long side, whatever the resolution) and upsampled bilinearly,
which reproduces the camera's affine part exactly and interpolates the rest
smoothly. The coarse grid has one extra cell beyond each edge of the frame, so
`cv2.resize` interpolates all the way to the frame's edges (then crops) instead
of clamping the outermost pixels to the nearest cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FIELD_CELLS = 240
"""Cells along the frame's long side: 8 px cells at 1080p (240x135), 5 px at 720p. Finer than
the fields need (they change over tens of pixels) and no coarser than the scene analysis
they come from (384 px wide) by much; a grid fixed relative to the frame makes a 720p and a
1080p render of one plan move alike, and costs the same per frame at any resolution. At 4 px
cells a 1080p frame spent ~3 ms of its ~17 on coarse-grid arithmetic."""


@dataclass(frozen=True)
class FieldGrid:
    """Full- and reduced-resolution coordinate grids for one frame size."""

    width: int
    height: int
    divisor: int
    """Full-resolution pixels per cell along each axis."""
    small_width: int
    small_height: int
    small_xs: np.ndarray  # (h, w) float32: full-resolution x of each coarse cell's centre
    small_ys: np.ndarray

    @classmethod
    def for_size(cls, width: int, height: int) -> FieldGrid:
        d = max(1, round(max(width, height) / FIELD_CELLS))
        cells_x, cells_y = -(-width // d), -(-height // d)
        # Cell j (0 = the pad before the frame) is centred on full pixel (j - 1/2) * d - 1/2,
        # the half-pixel convention cv2.resize uses when it enlarges by exactly d.
        centres = lambda n: ((np.arange(n + 2, dtype=np.float32) - 0.5) * d - 0.5)
        small_xs, small_ys = np.meshgrid(centres(cells_x), centres(cells_y))
        return cls(width, height, d, cells_x + 2, cells_y + 2, small_xs, small_ys)

    def to_small(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Full-resolution coordinates -> coarse-grid coordinates (pad included)."""
        scale, offset = np.float32(1.0 / self.divisor), np.float32(0.5 / self.divisor + 0.5)
        return x * scale + offset, y * scale + offset

    def shrink(self, field: np.ndarray) -> np.ndarray:
        """A field of any resolution resampled onto the coarse grid, edges repeated into the pad."""
        if field.shape[:2] == (self.small_height, self.small_width):
            return field.astype(np.float32, copy=False)
        inner = cv2.resize(
            field.astype(np.float32), (self.small_width - 2, self.small_height - 2), interpolation=cv2.INTER_AREA
        )
        return cv2.copyMakeBorder(inner, 1, 1, 1, 1, cv2.BORDER_REPLICATE)

    def grow(self, field: np.ndarray, roi: tuple[int, int, int, int] | None = None) -> np.ndarray:
        """A coarse field brought to full resolution, whole or just the window `roi` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = roi or (0, 0, self.width, self.height)
        d = self.divisor
        a_x, a_y = x0 // d, y0 // d
        b_x, b_y = -(-x1 // d), -(-y1 // d)
        window = field[a_y : b_y + 2, a_x : b_x + 2]
        grown = cv2.resize(window, (window.shape[1] * d, window.shape[0] * d), interpolation=cv2.INTER_LINEAR)
        # Pixel X of `grown` lies at full x = X + (a - 1) * d.
        ox, oy = x0 - (a_x - 1) * d, y0 - (a_y - 1) * d
        return grown[oy : oy + (y1 - y0), ox : ox + (x1 - x0)]

    def cell_box(
        self, active: np.ndarray, margin: int, roi: tuple[int, int, int, int] | None = None
    ) -> tuple[int, int, int, int] | None:
        """The output window (x0, y0, x1, y1), inside `roi`, that the coarse cells marked in
        `active` reach once grown to full resolution, widened by `margin` cells; None if none.

        Cell j (pad included) is centred on full pixel (j - 1/2) d - 1/2, and bilinear
        growth carries its value as far as its neighbours' centres.
        """
        rows, cols = np.flatnonzero(active.any(axis=1)), np.flatnonzero(active.any(axis=0))
        if len(rows) == 0:
            return None
        d = self.divisor
        rx0, ry0, rx1, ry1 = roi or (0, 0, self.width, self.height)
        x0 = max(rx0, int(np.floor((cols[0] - 1.5 - margin) * d - 0.5)))
        y0 = max(ry0, int(np.floor((rows[0] - 1.5 - margin) * d - 0.5)))
        x1 = min(rx1, int(np.ceil((cols[-1] + 0.5 + margin) * d - 0.5)) + 1)
        y1 = min(ry1, int(np.ceil((rows[-1] + 0.5 + margin) * d - 0.5)) + 1)
        return (x0, y0, x1, y1) if x0 < x1 and y0 < y1 else None


def window(active: np.ndarray) -> tuple[slice, slice] | None:
    """The bounding rows and columns of `active` cells, or None: what is worth computing at all."""
    rows, cols = np.flatnonzero(active.any(axis=1)), np.flatnonzero(active.any(axis=0))
    if len(rows) == 0:
        return None
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def full_maps(
    grid: FieldGrid, source_x: np.ndarray, source_y: np.ndarray, roi: tuple[int, int, int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Remap maps for the output window `roi` (x0, y0, x1, y1), from coarse source positions.

    `source_x`/`source_y` are, per coarse cell (pad included), the full-resolution
    source point it shows: the pose's affine plus any residual. Bilinear
    upsampling reproduces an affine function exactly (to float32 rounding, ~1e-4
    px at 1080p), so one float `resize` per map gives the exact camera plus the
    smoothly interpolated residual; adding the residual to a full-resolution
    affine grid instead costs a second full-frame pass per map.
    """
    return grid.grow(source_x, roi), grid.grow(source_y, roi)


def smooth_noise_field(rng: np.random.Generator, shape: tuple[int, int], cells: int) -> np.ndarray:
    """Seeded smooth noise in about -1..1 on `shape`: a `cells`-wide random grid, cubic-upsampled."""
    h, w = shape
    ch = max(2, round(cells * h / max(w, 1)))
    coarse = rng.uniform(-1.0, 1.0, (ch, cells)).astype(np.float32)
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
