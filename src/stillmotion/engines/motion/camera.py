"""Camera paths: one pose per frame, eased, overscanned so no frame ever shows a border.

A pose maps every output pixel p to the source pixel it shows:

    q = centre + shift * r + (p - C) / (zoom * (1 + parallax_zoom * r))

where C is the frame centre and r = focus - depth is how much nearer than the
focus plane a pixel is (depth: 0 near .. 1 far). With no depth (r = 0) this is
a plain zoom-and-pan, rendered with one `warpAffine`; with depth, nearer
pixels shift and grow more, which is what makes a 2.5D move read as 3D.

Rates are per second of motion at amount 0.5, speed 1 and strength 0.5; the
total travel grows with the clip length up to a cap, so a 10 s clip moves
further than a 5 s one but never past what still looks tasteful.
Frame 0 is always the identity pose, so the first frame is the input itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stillmotion.engines.motion.noise import SmoothSignal, rng_for
from stillmotion.engines.motion.plan import CameraMove
from stillmotion.engines.motion.scale import strength_gain
from stillmotion.engines.motion.timing import eased_progress, fade_in, frame_times

ZOOM_RATE, ZOOM_CAP = 0.025, 0.45
"""Push-in: +2.5% scale per second (15% over 6 s, a classic slow Ken Burns), at most +45%."""
PAN_RATE, PAN_CAP = 0.012, 0.12
"""Pan/tilt/truck/pedestal: window travel as a fraction of the frame per second, at most 12%
(the overscan a pan needs is 1/(1 - 2 x travel), so 12% already costs a 1.3x zoom)."""
PAN_PARALLAX, TRUCK_PARALLAX = 0.25, 1.0
"""Extra travel of the nearest pixels per unit nearness, relative to the window travel: a pan
(rotation) barely shows parallax, a truck (translation) shows it fully."""
PUSH_PARALLAX = 0.6
"""Push-in: the nearest layer grows this much more than the focus plane, relative to the zoom."""
ORBIT_RATE, ORBIT_CAP = 0.02, 0.10
"""Orbit: opposite travel of near and far about the subject, fraction of width per second."""
DOLLY_ZOOM_RATE, DOLLY_ZOOM_CAP = 0.04, 0.35
"""Dolly zoom / pull-out: relative scale change between nearest and farthest plane per second."""
HANDHELD_FRACTION = 0.006
"""Handheld drift at full strength: 0.6% of the frame width, about 11 px at 1080p."""
HANDHELD_CYCLES_PER_SECOND = (0.15, 0.7)
"""Breathing and hand sway are slow; faster wobble reads as shake, not as a person holding a camera."""
HANDHELD_FADE_SECONDS = 0.6
PARALLAX_LIMIT_WITH_SKY, PARALLAX_LIMIT_WITHOUT_SKY = 0.015, 0.008
"""Largest separation of the nearest and the farthest layer, as a fraction of the frame width,
that the depth proxy supports. With a sky it has a ground plane and a far plane to stand on
(1.5%, ~29 px at 1080p: at 3% the rocket of `skimage.data.rocket` still tore on an orbit);
without one (rooms, garages, close-ups) it is saliency, haze and focus guesses whose layer
edges need not follow objects, and an orbit of 10% tore a motorcycle's fork into two: 0.8%
(~15 px) keeps the split below what shows as a tear. Only the parallax is scaled: a zoom or a
window's travel moves every pixel alike and never tears."""
_MIN_SCHEDULE = 1e-4  # below this the schedule is ~0 and so is the need; ratios there are noise
_MARGIN_SLACK = 1.01
"""Overscan 1% more than the exact need, so rounding never lets a sample touch the edge."""


@dataclass(frozen=True)
class CameraPose:
    zoom: float
    center: tuple[float, float]
    """Source pixel shown at the frame centre."""
    parallax_zoom: float = 0.0
    parallax_shift: tuple[float, float] = (0.0, 0.0)
    """Source pixels of extra travel per unit of nearness r."""

    def affine(self, width: int, height: int) -> np.ndarray:
        """2x3 output->source matrix of the pose for r = 0 (use with WARP_INVERSE_MAP)."""
        cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
        inv = 1.0 / self.zoom
        return np.array(
            [[inv, 0.0, self.center[0] - cx * inv], [0.0, inv, self.center[1] - cy * inv]],
            dtype=np.float64,
        )

    def on_screen(
        self, points: np.ndarray, nearness: np.ndarray, width: int, height: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where source points (n, 2) at nearness r (n,) appear in the frame, and their
        magnifications (n,): the inverse of the pixel mapping q = centre + shift r + (p - C) / (zoom (1 + pz r)),
        for what is drawn on a frame after its warp (particles, glints) to sit in the scene."""
        magnification = self.zoom * (1.0 + self.parallax_zoom * nearness)
        centre = np.array([(width - 1) / 2.0, (height - 1) / 2.0])
        origin = np.asarray(self.center)[None, :] + np.asarray(self.parallax_shift)[None, :] * nearness[:, None]
        return centre + (points - origin) * magnification[:, None], magnification

    @property
    def has_parallax(self) -> bool:
        return self.parallax_zoom != 0.0 or self.parallax_shift != (0.0, 0.0)


@dataclass(frozen=True)
class CameraPath:
    poses: tuple[CameraPose, ...]
    focus: float
    """Depth of the plane that moves with the window (r = focus - depth)."""
    progress: np.ndarray
    """0..1 per frame: how far the move has gone (0 for a still camera); drives the audio swell."""
    kept: float = 1.0
    """Fraction of the asked parallax the depth proxy supports (1: the move as asked)."""


@dataclass(frozen=True)
class _Move:
    """A move before overscan: everything in source pixels, scaled by the eased progress."""

    zoom_gain: float = 0.0  # zoom = 1 + zoom_gain * e
    anchor: tuple[float, float] | None = None  # fixed point of the zoom
    travel: tuple[float, float] = (0.0, 0.0)  # window centre travel at e = 1
    parallax_zoom: float = 0.0
    parallax_shift: tuple[float, float] = (0.0, 0.0)
    focus: float = 1.0


_DIRECTION_SIGN = {"left": -1.0, "right": 1.0, "up": -1.0, "down": 1.0}


def build_camera_path(
    move: CameraMove,
    *,
    speed: float,
    strength: float,
    smoothing: float,
    loop: bool,
    num_frames: int,
    fps: int,
    width: int,
    height: int,
    seed: int,
    subject: tuple[float, float] | None = None,
    depth_range: tuple[float, float] | None = None,
    subject_depth: float | None = None,
    parallax_limit: float | None = None,
) -> CameraPath:
    """Plan the pose of every frame; see the module docstring for the pose model.

    `parallax_limit`: the largest near/far separation the depth supports, as a fraction of
    the width (`PARALLAX_LIMIT_*`); a move asking for more is scaled down, never torn."""
    u = frame_times(num_frames, loop)
    duration = num_frames / fps
    # Loops go out and back, so each half has half the clip to travel.
    travel_seconds = (duration / 2.0 if loop else duration) * max(speed, 0.0)
    gain = (move.amount / 0.5) * strength_gain(strength)
    shape = _shape_move(move, travel_seconds * gain, width, height, subject, depth_range, subject_depth)
    shape, kept = _within_parallax_limit(shape, parallax_limit, depth_range, width, height)

    e = eased_progress(u, smoothing, loop) if move.kind != "static" else np.zeros_like(u)
    handheld, hand_envelope = _handheld_offsets(move.handheld, u, duration, loop, width, seed)
    r_range = (0.0, 0.0) if depth_range is None else (shape.focus - depth_range[1], shape.focus - depth_range[0])

    raw = [_raw_pose(shape, float(ek), (float(hx), float(hy)), width, height) for ek, (hx, hy) in zip(e, handheld)]
    poses = _overscan(raw, e, hand_envelope, handheld, r_range, width, height)
    return CameraPath(poses=tuple(poses), focus=shape.focus, progress=e, kept=kept)


def _within_parallax_limit(
    shape: _Move, limit: float | None, depth_range: tuple[float, float] | None, width: int, height: int
) -> tuple[_Move, float]:
    """The move's parallax scaled down until its near/far separation fits `limit`; and the
    fraction kept."""
    if limit is None or depth_range is None:
        return shape, 1.0
    span = depth_range[1] - depth_range[0]
    half_diagonal = float(np.hypot(width, height)) / 2.0
    separation = span * (float(np.hypot(*shape.parallax_shift)) + abs(shape.parallax_zoom) * half_diagonal)
    allowed = limit * width
    if separation <= allowed:
        return shape, 1.0
    k = allowed / separation
    scaled = _Move(
        zoom_gain=shape.zoom_gain, anchor=shape.anchor, travel=shape.travel,
        parallax_zoom=shape.parallax_zoom * k,
        parallax_shift=(shape.parallax_shift[0] * k, shape.parallax_shift[1] * k), focus=shape.focus,
    )
    return scaled, k


def _shape_move(
    move: CameraMove,
    travel: float,
    width: int,
    height: int,
    subject: tuple[float, float] | None,
    depth_range: tuple[float, float] | None,
    subject_depth: float | None,
) -> _Move:
    """Turn the plan's words into the move's full extent (progress e = 1)."""
    sign = _DIRECTION_SIGN.get(move.direction or "", 0.0)
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)
    far = 1.0 if depth_range is None else depth_range[1]
    near = 0.0 if depth_range is None else depth_range[0]
    focus_subject = subject_depth if subject_depth is not None else (near + far) / 2.0
    kind = move.kind
    if kind == "push_in":
        zoom = min(ZOOM_RATE * travel, ZOOM_CAP)
        return _Move(zoom_gain=zoom, anchor=subject or centre, parallax_zoom=PUSH_PARALLAX * zoom, focus=far)
    if kind == "pull_out":
        # The first frame is the whole input, so the view cannot widen beyond it; a dolly back
        # is conveyed by the near layers receding relative to the far ones (overscan keeps the
        # borders covered). On an image with no depth cue this degenerates to a still camera.
        amount = min(DOLLY_ZOOM_RATE * travel, DOLLY_ZOOM_CAP)
        return _Move(parallax_zoom=-amount, focus=far)
    if kind in ("pan", "truck"):
        dx = sign or 1.0
        extent = min(PAN_RATE * travel, PAN_CAP) * width
        ratio = PAN_PARALLAX if kind == "pan" else TRUCK_PARALLAX
        travel_vec = (dx * extent * (1.0 if kind == "pan" else 0.5), 0.0)
        return _Move(travel=travel_vec, parallax_shift=(dx * extent * ratio, 0.0), focus=far)
    if kind in ("tilt", "pedestal"):
        dy = sign or -1.0
        extent = min(PAN_RATE * travel, PAN_CAP) * height
        ratio = PAN_PARALLAX if kind == "tilt" else TRUCK_PARALLAX
        travel_vec = (0.0, dy * extent * (1.0 if kind == "tilt" else 0.5))
        return _Move(travel=travel_vec, parallax_shift=(0.0, dy * extent * ratio), focus=far)
    if kind == "orbit":
        # The camera circles the subject: nearer than it slides one way, farther the other.
        dx = sign or 1.0
        extent = min(ORBIT_RATE * travel, ORBIT_CAP) * width
        return _Move(parallax_shift=(dx * extent, 0.0), focus=focus_subject)
    if kind == "dolly_zoom":
        # Subject size held, background looms (dolly out + zoom in, the direction that needs
        # no content from outside the frame).
        amount = min(DOLLY_ZOOM_RATE * travel, DOLLY_ZOOM_CAP)
        return _Move(parallax_zoom=-amount, focus=focus_subject)
    return _Move()


def _handheld_offsets(
    handheld: float, u: np.ndarray, duration: float, loop: bool, width: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 2) window offsets in pixels, and the smooth 0..1 envelope that bounds them.

    The envelope starts at zero with zero slope (and, looping, returns there at the
    seam), so the overscan that follows it has no kink and frame 0 stays the input.
    """
    if handheld <= 0:
        return np.zeros((len(u), 2)), np.zeros_like(u)
    rng = rng_for(seed, "camera.handheld")
    low, high = (c * duration for c in HANDHELD_CYCLES_PER_SECOND)
    amplitude = HANDHELD_FRACTION * width * float(np.clip(handheld, 0.0, 1.0))
    if loop:
        envelope = 0.5 - 0.5 * np.cos(2.0 * np.pi * u)
    else:
        envelope = fade_in(u, HANDHELD_FADE_SECONDS / max(duration, 1e-6))
    offsets = []
    for _axis in range(2):
        signal = SmoothSignal.draw(rng, max(low, 0.5), max(high, 1.0), harmonics=3, loop=loop)
        offsets.append(signal(u) * amplitude / max(signal.peak(), 1e-9) * envelope)
    return np.stack(offsets, axis=1), envelope


def _raw_pose(shape: _Move, e: float, hand: tuple[float, float], width: int, height: int) -> CameraPose:
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    zoom = 1.0 + shape.zoom_gain * e
    if shape.anchor is not None:
        # Zooming about a fixed point keeps it still on screen and the window inside the image.
        ax, ay = shape.anchor
        cx, cy = cx + (ax - cx) * (1.0 - 1.0 / zoom), cy + (ay - cy) * (1.0 - 1.0 / zoom)
    center = (cx + shape.travel[0] * e + hand[0], cy + shape.travel[1] * e + hand[1])
    shift = (shape.parallax_shift[0] * e, shape.parallax_shift[1] * e)
    return CameraPose(zoom=zoom, center=center, parallax_zoom=shape.parallax_zoom * e, parallax_shift=shift)


def _required_zoom(pose: CameraPose, r_range: tuple[float, float], width: int, height: int) -> float:
    """Smallest global zoom that keeps every pixel's source inside the image at this pose."""
    needed = 1.0
    for r in np.linspace(r_range[0], r_range[1], 9):
        scale = 1.0 + pose.parallax_zoom * r
        for axis, size in ((0, width), (1, height)):
            half = (size - 1) / 2.0
            offset = abs(pose.center[axis] - half + pose.parallax_shift[axis] * r)
            room = half - offset
            needed = max(needed, half / max(room * scale, 1e-6))
    return needed


def _overscan(
    raw: list[CameraPose],
    e: np.ndarray,
    hand_envelope: np.ndarray,
    handheld: np.ndarray,
    r_range: tuple[float, float],
    width: int,
    height: int,
) -> list[CameraPose]:
    """Scale each pose up just enough, along one smooth schedule, that no border ever shows.

    Clamping each frame separately would put kinks into the zoom; instead the extra
    zoom is k_hand x envelope(t) + k_move x progress(t), both smooth and zero at
    frame 0, with the smallest constants that cover every frame: first the handheld
    drift alone, then whatever the move adds on top.
    """
    centre = ((width - 1) / 2.0, (height - 1) / 2.0)
    k_hand = 0.0
    for (hx, hy), env in zip(handheld, hand_envelope):
        if env > _MIN_SCHEDULE:
            still = CameraPose(zoom=1.0, center=(centre[0] + hx, centre[1] + hy))
            k_hand = max(k_hand, (_required_zoom(still, r_range, width, height) - 1.0) / env)
    k_move = 0.0
    for pose, progress, env in zip(raw, e, hand_envelope):
        if progress > _MIN_SCHEDULE:
            extra = _required_zoom(pose, r_range, width, height) / pose.zoom - 1.0
            k_move = max(k_move, (extra - k_hand * env) / progress)
    k_hand, k_move = k_hand * _MARGIN_SLACK, k_move * _MARGIN_SLACK
    return [
        CameraPose(
            zoom=pose.zoom * (1.0 + k_hand * env + k_move * progress),
            center=pose.center,
            parallax_zoom=pose.parallax_zoom,
            parallax_shift=pose.parallax_shift,
        )
        for pose, progress, env in zip(raw, e, hand_envelope)
    ]
