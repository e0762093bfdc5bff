"""Structure preservation on real photos with thin structures: does motion melt, tear or ghost them?

    python -m bench.structure [--sheets OUT_DIR]

For each (photo, prompt) the engine renders a 1080p clip (2 s at 12 fps). The
reference for frame k is the photo moved by frame k's camera pose alone, flat
(`render.warp_flat`): what a rigid structure looks like after the camera. Two
figures, each the mean SSIM over the last half of the clip on *structure pixels*:
the 8% of pixels with the strongest gradient, less those inside water, foliage
or fire masks (content there moves by design). Sky pixels stay in: a lattice
tower in front of a sky is a structure, and clouds rarely have the strongest
edges.

* **flat**: the frame against the flat reference. A parallax move scores low by
  design (near and far separate from the flat move by up to the parallax's
  reach), so this mostly measures how much parallax there is.
* **structure**: the same after compensating the parallax too, rigidly per
  neighbourhood: the optical flow (DIS) from the reference to the frame,
  limited to the move's reach and smoothed over `RIGID_SIGMA` of the width,
  carries the frame back before the SSIM. A whole object displaced by its
  depth moves back into place; a tear, a fold, a doubled edge or a smear is
  finer than the smoothed flow and stays. Moves without parallax get no
  compensation (the flat reference is then exactly what the camera should give).

Photos: scikit-image's `skimage.data` (licences in docs/licenses.md).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.render import warp_flat
from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import frame_input

CASES: tuple[tuple[str, str], ...] = (
    ("rocket", "static camera, clouds drift to the right across the sky"),
    ("rocket", "slow push in, clouds drift to the right"),
    ("camera", "static camera, clouds drift left"),
    ("motorcycle", "orbit around the motorcycle"),
    ("motorcycle", "truck right"),
    ("rocket", "orbit around the rocket"),
)
STRUCTURE_QUANTILE = 0.92
RIGID_SIGMA = 0.0125
"""Gaussian sigma of the compensating flow, as a fraction of the width (24 px at 1080p): wider than a
tear, a fork's doubled edge or a smeared box corner, so the flow cannot explain them away."""
FLOW_SLACK = 2.0
"""Pixels of flow allowed beyond the move's parallax reach (the flow's own error)."""
MOVING_BY_DESIGN = ("water", "foliage", "fire")


def photo(name: str) -> np.ndarray:
    from skimage import data

    image = data.stereo_motorcycle()[0] if name == "motorcycle" else getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def structure_pixels(image: np.ndarray, masks: dict[str, np.ndarray]) -> np.ndarray:
    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    magnitude = cv2.magnitude(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))
    strong = magnitude >= np.quantile(magnitude, STRUCTURE_QUANTILE)
    for kind in MOVING_BY_DESIGN:
        mask = masks.get(kind)
        if mask is not None:
            strong &= cv2.resize(mask, (image.shape[1], image.shape[0])) < 0.1
    # Stay clear of the border the overscan crops away.
    margin = image.shape[0] // 20
    strong[:margin], strong[-margin:], strong[:, :margin], strong[:, -margin:] = False, False, False, False
    return strong


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel SSIM of two grey images (Wang et al. 2004, Gaussian window sigma 1.5)."""
    a, b = a.astype(np.float32), b.astype(np.float32)
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), 1.5)  # noqa: E731
    mu_a, mu_b = blur(a), blur(b)
    var_a, var_b = blur(a * a) - mu_a**2, blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    return ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))


def parallax_reach(pose: CameraPose, width: int, height: int, depth_span: float) -> float:
    """The most the pose moves any pixel away from its flat position, in pixels."""
    half_diagonal = float(np.hypot(width, height)) / 2.0
    return depth_span * (float(np.hypot(*pose.parallax_shift)) + abs(pose.parallax_zoom) * half_diagonal)


def rigidly_compensated(frame: np.ndarray, reference: np.ndarray, reach: float, where: np.ndarray) -> np.ndarray:
    """`frame` (grey) carried back onto `reference` (grey) by their optical flow, smoothed over the
    structure pixels `where` alone (a sky drift's or water's flow must not drag a tower back) and
    at most `reach` (+ `FLOW_SLACK`) pixels long: what stays different is not a rigid displacement."""
    if reach <= 0.0:
        return frame
    height, width = frame.shape
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM).calc(reference, frame, None)
    weight = where.astype(np.float32)
    sigma = RIGID_SIGMA * width
    flow = cv2.GaussianBlur(flow * weight[..., None], (0, 0), sigma)
    flow /= np.maximum(cv2.GaussianBlur(weight, (0, 0), sigma), 1e-3)[..., None]
    length = np.maximum(np.hypot(flow[..., 0], flow[..., 1]), 1e-6)
    flow *= np.minimum(1.0, (reach + FLOW_SLACK) / length)[..., None]
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(frame, xs + flow[..., 0], ys + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)


@dataclass
class Measured:
    structure: float
    flat: float
    frames: list[np.ndarray]
    references: list[np.ndarray]
    notes: list[str]


def measure(
    name: str, prompt: str, engine: MotionEngine, size: str = "1080p", num_frames: int = 24, measured: int | None = None
) -> Measured:
    """Render (photo, prompt) and score the last `measured` frames (the last half by default)."""
    image = frame_input(photo(name), size)
    height, width = image.shape[:2]
    scene = analyze_scene(image)
    request = RenderRequest(image, prompt, "", 5.0, 7, num_frames, 12, scene)
    prepared = engine.prepare(request)
    renderer = prepared.renderer
    structure = structure_pixels(image, scene.masks)
    span = float(scene.depth.max() - scene.depth.min()) if scene.depth is not None else 0.0
    flat, rigid, frames, references = [], [], [], []
    for index, frame in enumerate(prepared.frames(TaskContext())):
        pose = renderer.camera.poses[index]
        reference = warp_flat(image, pose)
        if index >= num_frames - (measured or num_frames // 2):
            pose_structure = warp_flat(structure.astype(np.uint8) * 255, pose) > 127
            grey, grey_reference = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY)
            flat.append(float(ssim_map(grey, grey_reference)[pose_structure].mean()))
            back = rigidly_compensated(grey, grey_reference, parallax_reach(pose, width, height, span), pose_structure)
            rigid.append(float(ssim_map(back, grey_reference)[pose_structure].mean()))
        frames.append(frame)
        references.append(reference)
    notes = list(prepared.plan.get("notes", ()))
    return Measured(float(np.mean(rigid)), float(np.mean(flat)), frames, references, notes)


def sheet(frames: list[np.ndarray], references: list[np.ndarray], width: int = 480) -> np.ndarray:
    last, reference = frames[-1], references[-1]
    diff = np.clip(cv2.absdiff(last, reference).astype(np.int32) * 4, 0, 255).astype(np.uint8)
    # A 2x crop of the centre, where thin structures sit in these photos, at full resolution.
    h, w = last.shape[:2]
    crop = last[h // 4 : h // 4 + h // 2, w // 3 : w // 3 + w // 3]
    tiles = [frames[0], last, diff, crop]
    size = (width, round(width * h / w))
    return np.concatenate([cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in tiles], axis=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sheets", type=Path)
    args = parser.parse_args()
    engine = MotionEngine()
    print("| photo | prompt | structure SSIM | flat SSIM | notes |\n|---|---|---|---|---|")
    for index, (name, prompt) in enumerate(CASES):
        m = measure(name, prompt, engine)
        print(f"| {name} | {prompt} | {m.structure:.3f} | {m.flat:.3f} | {' '.join(m.notes)} |", flush=True)
        if args.sheets is not None:
            args.sheets.mkdir(parents=True, exist_ok=True)
            image = cv2.cvtColor(sheet(m.frames, m.references), cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(args.sheets / f"structure-{index:02d}-{name}.png"), image)


if __name__ == "__main__":
    main()
