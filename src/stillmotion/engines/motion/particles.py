"""Procedural particles in three depth layers, drawn on the finished frame.

Each particle is drawn once per clip from the seed (start point, layer,
wobble phase) and its position is a closed-form function of t, wrapped
modulo the frame plus a margin: no per-frame random draws. Nearer layers are
bigger, faster, brighter and fewer, which is what sells depth. For a looping
clip each particle's speed is rounded so it wraps a whole number of times.
Particles fade in over the first half second, so frame 0 stays the input.

Particles live in the scene, not on the screen: each layer sits at a nearness
r (the camera's r = focus - depth, from the depth range the parallax warp
uses) and is carried by the frame's camera pose exactly as a pixel at that
depth is, so a pan slides the far layer with the background and the near one
with the foreground, and a push-in spreads them from its anchor and grows
them with depth-consistent scale. Their closed-form positions are in the
image's (frame 0) coordinates, wrapped over the image plus a margin; the
overscan keeps every visible source inside the image, so the wrap never shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.noise import rng_for
from stillmotion.engines.motion.plan import ParticleEffect
from stillmotion.engines.motion.scale import REFERENCE_WIDTH, strength_gain
from stillmotion.engines.motion.timing import fade_envelope

FADE_SECONDS = 0.5
LAYERS = (  # (share of particles, size, speed, brightness): far, middle, near
    (0.55, 0.6, 0.55, 0.55),
    (0.32, 1.0, 1.0, 0.8),
    (0.13, 1.9, 1.7, 1.0),
)
LAYER_DEPTH = (0.85, 0.5, 0.15)
"""Where each layer sits in the scene's depth range (0: nearest pixel, 1: farthest): inside
the range, so the camera's overscan, planned for that range, covers the particles too."""


@dataclass(frozen=True)
class ParticleStyle:
    count: int  # at density 0.5 on a 1080p frame
    velocity: tuple[float, float]  # px/s at 1080p, before layer speed
    size: float  # px at 1080p (radius, or streak width)
    colour: tuple[int, int, int]
    wobble: float = 0.0  # px of sideways sway
    wobble_hz: float = 0.3
    additive: bool = True  # light particles add light; petals and leaves are opaque
    streak: bool = False
    twinkle_hz: float = 0.0


STYLES: dict[str, ParticleStyle] = {
    "rain": ParticleStyle(420, (60.0, 1100.0), 1.2, (120, 125, 135), streak=True),
    "snow": ParticleStyle(320, (8.0, 70.0), 2.4, (235, 235, 240), wobble=22.0, wobble_hz=0.25),
    "petals": ParticleStyle(70, (25.0, 75.0), 6.0, (238, 170, 190), wobble=45.0, wobble_hz=0.35, additive=False),
    "leaves": ParticleStyle(45, (30.0, 95.0), 7.0, (170, 115, 45), wobble=55.0, wobble_hz=0.3, additive=False),
    "dust": ParticleStyle(160, (10.0, -4.0), 1.4, (110, 100, 80), wobble=14.0, wobble_hz=0.1, twinkle_hz=0.3),
    "fireflies": ParticleStyle(45, (0.0, -6.0), 2.6, (190, 230, 90), wobble=60.0, wobble_hz=0.15, twinkle_hz=0.6),
    "sparkles": ParticleStyle(70, (0.0, -12.0), 2.0, (230, 225, 200), wobble=6.0, wobble_hz=0.2, twinkle_hz=1.5),
}
WIND = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, -1.0), "down": (0.0, 1.0)}
WIND_SPEED = 0.35
"""A named direction bends the fall by this fraction of the fall speed (rain slants, snow drifts)."""


@dataclass(frozen=True)
class ParticleSet:
    style: ParticleStyle
    start: np.ndarray  # (n, 2) px
    velocity: np.ndarray  # (n, 2) px/s
    size: np.ndarray  # (n,)
    brightness: np.ndarray  # (n,)
    phase: np.ndarray  # (n,)
    angle: np.ndarray  # (n,) radians, for petals/leaves
    nearness: np.ndarray  # (n,) the camera's r = focus - depth of each particle's layer


@dataclass
class ParticleSystem:
    sets: list[ParticleSet]
    width: int
    height: int
    fps: int
    num_frames: int
    loop: bool
    margin: float
    rain: bool
    _light: np.ndarray | None = field(default=None, init=False, repr=False)

    @classmethod
    def build(
        cls,
        effects: tuple[ParticleEffect, ...],
        *,
        width: int,
        height: int,
        fps: int,
        num_frames: int,
        loop: bool,
        seed: int,
        speed: float,
        strength: float,
        depth_range: tuple[float, float] | None = None,
        focus: float = 1.0,
    ) -> ParticleSystem | None:
        """`depth_range` and `focus`: the camera path's (None when the frame is warped flat,
        then every layer moves with the window alone, as the picture does)."""
        if not effects:
            return None
        scale = width / REFERENCE_WIDTH
        area = (width * height) / (1920.0 * 1080.0)
        margin = 40.0 * scale
        duration = num_frames / fps
        if depth_range is None:
            layer_r = np.zeros(len(LAYERS))
        else:
            near, far = depth_range
            layer_r = focus - (near + (far - near) * np.array(LAYER_DEPTH))
        sets = []
        for index, effect in enumerate(effects):
            style = STYLES[effect.kind]
            rng = rng_for(seed, f"particles.{effect.kind}.{index}")
            gain = strength_gain(strength)
            count = max(4, int(style.count * (effect.density / 0.5) * area ** 0.5 * gain))
            layer = rng.choice(len(LAYERS), size=count, p=[share for share, *_ in LAYERS])
            size_k, speed_k, bright_k = (np.array([spec[i] for spec in LAYERS])[layer] for i in (1, 2, 3))
            base = np.array(style.velocity) * scale * effect.speed * speed
            wind = WIND.get(effect.direction or "")
            if wind is not None:
                fall = float(np.hypot(*base))
                base = base + np.array(wind) * fall * WIND_SPEED
            jitter = rng.uniform(0.8, 1.2, (count, 1))
            velocity = base[None, :] * speed_k[:, None] * jitter
            if loop:
                velocity = _whole_wraps(velocity, width, height, margin, duration)
            sets.append(
                ParticleSet(
                    style=style,
                    start=rng.uniform([0.0, 0.0], [width + 2 * margin, height + 2 * margin], (count, 2)),
                    velocity=velocity,
                    size=style.size * scale * size_k * rng.uniform(0.7, 1.3, count),
                    brightness=bright_k * rng.uniform(0.7, 1.0, count),
                    phase=rng.uniform(0.0, 2.0 * np.pi, count),
                    angle=rng.uniform(0.0, np.pi, count),
                    nearness=layer_r[layer],
                )
            )
        rain = any(effect.kind == "rain" for effect in effects)
        return cls(sets, width, height, fps, num_frames, loop, margin, rain)

    def envelope(self, index: int) -> float:
        """Opacity 0..1: fades in from frame 0 (and, looping, out again before the seam)."""
        return fade_envelope(index, self.fps, self.num_frames, self.loop, FADE_SECONDS)

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None = None) -> np.ndarray:
        """Draw frame `index`'s particles, seen through `pose` (None: the identity), onto
        `frame` (RGB uint8, modified in place) and return it."""
        opacity = self.envelope(index)
        if opacity <= 0.0:
            return frame
        t = index / self.fps
        if self.rain:  # rain dims and cools the scene a little
            cv2.convertScaleAbs(frame, dst=frame, alpha=1.0 - 0.12 * opacity)
        solid = frame.copy() if any(not p.style.additive for p in self.sets) else None
        light = self._light_layer(frame)
        for particles in self.sets:
            target = light if particles.style.additive else solid
            assert target is not None
            self._draw_set(target, particles, t, pose)
        if solid is not None:
            cv2.addWeighted(solid, opacity, frame, 1.0 - opacity, 0.0, dst=frame)
        if opacity < 1.0:
            return cv2.addWeighted(light, opacity, frame, 1.0, 0.0, dst=frame)
        return cv2.add(frame, light, dst=frame)

    def _light_layer(self, frame: np.ndarray) -> np.ndarray:
        """The additive particles' layer, cleared: kept between frames, since a fresh
        full-frame buffer each frame costs more (page faults) than clearing the old one."""
        if self._light is None or self._light.shape != frame.shape:
            self._light = np.zeros_like(frame)
        else:
            self._light.fill(0)
        return self._light

    def positions(self, particles: ParticleSet, t: float) -> np.ndarray:
        """(n, 2) positions at time t in the image's own (frame 0) coordinates."""
        style = particles.style
        pos = particles.start + particles.velocity * t
        if style.wobble:
            omega = 2.0 * np.pi * style.wobble_hz * (self._loop_hz_scale(style.wobble_hz))
            sway = style.wobble * (self.width / REFERENCE_WIDTH)
            pos[:, 0] += sway * (np.sin(omega * t + particles.phase) - np.sin(particles.phase))
            pos[:, 1] += 0.3 * sway * (np.sin(0.7 * omega * t + 2 * particles.phase) - np.sin(2 * particles.phase))
        wrap = np.array([self.width + 2 * self.margin, self.height + 2 * self.margin])
        return np.mod(pos, wrap) - self.margin

    def on_screen(self, particles: ParticleSet, t: float, pose: CameraPose | None) -> tuple[np.ndarray, np.ndarray]:
        """(n, 2) screen positions and (n,) magnifications at time t through `pose`."""
        pos = self.positions(particles, t)
        if pose is None:
            return pos, np.ones(len(pos))
        return pose.on_screen(pos, particles.nearness, self.width, self.height)

    def _loop_hz_scale(self, hz: float) -> float:
        """Looping: bend the wobble frequency to a whole number of cycles per clip."""
        if not self.loop:
            return 1.0
        duration = self.num_frames / self.fps
        return max(1.0, round(hz * duration)) / (hz * duration)

    def _draw_set(self, target: np.ndarray, particles: ParticleSet, t: float, pose: CameraPose | None) -> None:
        style = particles.style
        pos, magnification = self.on_screen(particles, t, pose)
        size = particles.size * magnification
        twinkle = np.ones(len(pos))
        if style.twinkle_hz:
            omega = 2.0 * np.pi * style.twinkle_hz * self._loop_hz_scale(style.twinkle_hz)
            twinkle = 0.5 + 0.5 * np.sin(omega * t + particles.phase * 3.0)
        shift = 4  # cv2 draws with 4 fractional bits: sub-pixel positions, no integer snapping
        one = 1 << shift
        # Everything per particle is computed as arrays and handed to the loop as Python
        # ints/tuples: the loop itself is then only OpenCV calls (hundreds per frame).
        levels = (particles.brightness * twinkle)[:, None]
        colours = np.array(style.colour, np.float64)[None, :] * (levels if style.additive else 1.0)
        colour_list = [tuple(c) for c in np.broadcast_to(colours, (len(pos), 3)).tolist()]
        ends = (pos * one).astype(np.int64).tolist()
        if style.streak:
            streak = particles.velocity * magnification[:, None] / self.fps * 1.3  # a 1/fps shutter, a little open
            starts = ((pos - streak) * one).astype(np.int64).tolist()
            widths = np.maximum(1, np.round(size)).astype(int).tolist()
            for start, end, colour, width in zip(starts, ends, colour_list, widths):
                cv2.line(target, start, end, colour, width, cv2.LINE_AA, shift)
        elif style.additive:
            radii = (size * one).astype(np.int64).tolist()
            for centre, radius, colour in zip(ends, radii, colour_list):
                cv2.circle(target, centre, radius, colour, -1, cv2.LINE_AA, shift)
        else:
            angles = np.degrees(particles.angle + particles.phase * t * 0.5).tolist()
            axes = np.stack([size * one, size * 0.5 * one], axis=1).astype(np.int64).tolist()
            for centre, axis, angle, colour in zip(ends, axes, angles, colour_list):
                cv2.ellipse(target, centre, axis, angle, 0, 360, colour, -1, cv2.LINE_AA, shift)


def _whole_wraps(velocity: np.ndarray, width: int, height: int, margin: float, duration: float) -> np.ndarray:
    """Round each velocity so the particle crosses the wrapped frame a whole number of times."""
    wrap = np.array([width + 2 * margin, height + 2 * margin])
    turns = np.round(velocity * duration / wrap)
    # Anything that falls or rises must still move: at least one crossing along its main axis.
    vertical = np.abs(velocity[:, 1]) > np.abs(velocity[:, 0])
    turns[vertical, 1] = np.sign(velocity[vertical, 1]) * np.maximum(1.0, np.abs(turns[vertical, 1]))
    return turns * wrap / duration
