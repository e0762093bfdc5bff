"""Seeded noise that tiles, sampled at moving coordinates: density and displacement over time.

Steam, fog and heat shimmer all need a texture that travels (rises, drifts) as a
closed-form function of t with no per-frame random draws. A texture that is
periodic in both axes does it: it is drawn once from the seed (random phases
under a 1/f^beta amplitude spectrum, made real by an inverse FFT, so it is
periodic by construction), and frame k samples it at coordinates shifted by
velocity * t, wrapped. A clip that loops rounds each velocity so the texture
travels a whole number of tiles over the clip, and the last frame flows into
the first.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.noise import rng_for

TILE = 128
"""Texture side in texels: ~2^14 samples, a few milliseconds to draw, small enough to stay in cache."""


def periodic_noise(seed: int, stream: str, *, low: float = 2.0, high: float = 24.0, falloff: float = 1.2) -> np.ndarray:
    """(TILE, TILE) float32 noise, zero mean, unit deviation, periodic in both axes.

    Frequencies between `low` and `high` cycles per tile, amplitude falling as
    1/f^falloff: large soft shapes with finer wisps inside, no grid artefacts.
    """
    rng = rng_for(seed, f"tiling.{stream}")
    fy = np.fft.fftfreq(TILE)[:, None] * TILE
    fx = np.fft.rfftfreq(TILE)[None, :] * TILE
    radius = np.hypot(fx, fy)
    band = (radius >= low) & (radius <= high)
    amplitude = np.where(band, 1.0 / np.maximum(radius, 1.0) ** falloff, 0.0)
    spectrum = amplitude * np.exp(2j * np.pi * rng.uniform(0.0, 1.0, amplitude.shape))
    field = np.fft.irfft2(spectrum, s=(TILE, TILE))
    field -= field.mean()
    field /= max(float(field.std()), 1e-9)
    return field.astype(np.float32)


@dataclass(frozen=True)
class TilingNoise:
    """A periodic texture and how it is stretched across the frame."""

    texture: np.ndarray
    scale: tuple[float, float]
    """Texels per full-resolution pixel along x and y (anisotropic: tendrils, banks)."""

    @classmethod
    def draw(cls, seed: int, stream: str, cell_px: tuple[float, float], **spectrum: float) -> TilingNoise:
        """`cell_px`: full-resolution pixels per texel along x and y."""
        return cls(periodic_noise(seed, stream, **spectrum), (1.0 / cell_px[0], 1.0 / cell_px[1]))

    def sample(self, x: np.ndarray, y: np.ndarray, shift: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """The noise at full-resolution points (x, y), the texture moved by `shift` px (float32).

        `BORDER_WRAP` wraps texel coordinates of any size (within remap's +-32767), so only the
        shift, which grows with t, is wrapped, once, as a scalar: a per-cell `np.mod` cost more
        than the remap itself.
        """
        u = (x * self.scale[0]).astype(np.float32, copy=False)
        u -= (shift[0] * self.scale[0]) % TILE
        v = (y * self.scale[1]).astype(np.float32, copy=False)
        v -= (shift[1] * self.scale[1]) % TILE
        return cv2.remap(self.texture, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)

    def whole_tiles(self, velocity: tuple[float, float], duration: float) -> tuple[float, float]:
        """`velocity` (px/s) bent so the texture travels a whole number of tiles in `duration`
        (at least one along any axis it moves on): a looping clip's seam is then exact."""
        out = []
        for v, s in zip(velocity, self.scale):
            if v == 0.0:
                out.append(0.0)
                continue
            tile_px = TILE / s
            turns = np.sign(v) * max(1.0, round(abs(v) * duration / tile_px))
            out.append(float(turns * tile_px / duration))
        return out[0], out[1]
