"""Keep what is rigid rigid: flows stop short of anything their samples would drag along.

A flowing region (sky, water, smoke) is moved by sampling each of its pixels from
upstream: with a drift, the pixel at p shows what was at p - v t. Near a lattice
tower standing in the sky, that upstream point is on the tower, so the tower's
pixels are copied into the sky and the tower melts, however exactly the mask
hugs it. So the flow is switched off not only on what is not the region (its
mask below one half, or a colour far from the region's own colour around it: a
tower the soft 384-px mask half-covers) but on every cell whose samples could
reach such a pixel during the clip: the rigid map dilated along the flow by the
longest distance the flow travels (a drift's whole travel; a two-phase flow's
half period either way), plus a cell for its sideways turbulence. Everything
happens on the coarse field grid, once per task.
"""

from __future__ import annotations

import cv2
import numpy as np

from stillmotion.engines.motion.fields import FieldGrid

REGION_CORE = 0.5
"""Below this the mask is not the region: what is there stays where it is."""
EDGE_STEP = 80.0
"""Sobel gradient magnitude (3x3, 8-bit grey) of a sharp edge: a tower's strut against the sky
reaches hundreds, a cloud's soft rim a few tens, so clouds keep moving."""


def rigid_cells(image: np.ndarray | None, mask: np.ndarray, grid: FieldGrid) -> np.ndarray:
    """1 where a coarse cell holds anything that is not the flowing region (0..1, float32)."""
    region = grid.shrink(mask)
    rigid = region < REGION_CORE
    if image is not None:
        rigid |= _sharp_edges(image, mask, grid)
    return rigid.astype(np.float32)


def _sharp_edges(image: np.ndarray, mask: np.ndarray, grid: FieldGrid) -> np.ndarray:
    """Cells holding sharp edges where the mask is unsure: thin structures in front of the region.

    Measured at half resolution (thin structures survive it) and pooled into the cells,
    so a 4-px antenna marks its cell although it covers a quarter of it.
    """
    height, width = image.shape[:2]
    scale = 0.5 if max(height, width) > 1000 else 1.0
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale != 1.0 else image
    gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    edges = cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1)) > EDGE_STEP
    # Only where the mask is unsure: the coarse mask half-covers a lattice or an antenna; a sharp
    # edge where it is sure of its sky is the sky's own (a cloud's rim, a drawn sun) and moves.
    region = cv2.resize(mask, size, interpolation=cv2.INTER_LINEAR)
    near = (region >= 0.05) & (region < 0.9)
    pooled = grid.shrink((edges & near).astype(np.float32))  # area fraction of sharp-edge pixels per cell
    return pooled > 0.02


def flow_exclusion(rigid: np.ndarray, direction: tuple[float, float], reach_cells: float, symmetric: bool) -> np.ndarray:
    """Cells whose flow samples could land on a rigid cell: `rigid` dilated along the flow.

    A drift's pixel at p samples p - v t, so a rigid cell s affects s + v t (downstream);
    a two-phase flow samples both ways. One cell more in every direction covers the
    sideways turbulence and the bilinear reach of the sampling.
    """
    steps = int(np.ceil(reach_cells))
    out = cv2.dilate(rigid, np.ones((3, 3), np.uint8))
    grown = out.copy()
    dx, dy = direction
    for k in range(1, steps + 1):
        for sign in ((1, -1) if symmetric else (1,)):
            shift = np.float32([[1, 0, sign * dx * k], [0, 1, sign * dy * k]])
            moved = cv2.warpAffine(out, shift, (out.shape[1], out.shape[0]), flags=cv2.INTER_NEAREST,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            np.maximum(grown, moved, out=grown)
    return grown
