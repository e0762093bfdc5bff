"""Structure preservation on real photos with thin structures: does motion melt, tear or ghost them?

    python -m bench.structure [--sheets OUT_DIR]

For each (photo, prompt) the engine renders a 1080p clip (2 s at 12 fps). The
reference for frame k is the photo moved by frame k's camera pose alone, flat
(`render.warp_flat`): what a rigid structure looks like after the camera. The
figure is the mean SSIM, over the last half of the clip, on *structure pixels*:
the 8% of pixels with the strongest gradient, less those inside water, foliage
or fire masks (content there moves by design). Sky pixels stay in: a lattice
tower in front of a sky is a structure, and clouds rarely have the strongest
edges. 1.0 is untouched; parallax moves score lower by design (near and far
separate), so compare a plan before and after a change, not plans with each other.

Photos: scikit-image's `skimage.data` (licences in docs/licenses.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np

from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion import MotionEngine
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


def measure(name: str, prompt: str, engine: MotionEngine) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    image = frame_input(photo(name), "1080p")
    scene = analyze_scene(image)
    request = RenderRequest(image, prompt, "", 5.0, 7, 24, 12, scene)
    prepared = engine.prepare(request)
    renderer = prepared.renderer
    structure = structure_pixels(image, scene.masks)
    scores, frames, references = [], [], []
    for index, frame in enumerate(prepared.frames(TaskContext())):
        reference = warp_flat(image, renderer.camera.poses[index])
        if index >= request.num_frames // 2:
            pose_structure = warp_flat(structure.astype(np.uint8) * 255, renderer.camera.poses[index]) > 127
            similarity = ssim_map(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), cv2.cvtColor(reference, cv2.COLOR_RGB2GRAY))
            scores.append(float(similarity[pose_structure].mean()))
        frames.append(frame)
        references.append(reference)
    return float(np.mean(scores)), frames, references


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
    print("| photo | prompt | structure SSIM |\n|---|---|---|")
    for index, (name, prompt) in enumerate(CASES):
        score, frames, references = measure(name, prompt, engine)
        print(f"| {name} | {prompt} | {score:.3f} |", flush=True)
        if args.sheets is not None:
            args.sheets.mkdir(parents=True, exist_ok=True)
            image = cv2.cvtColor(sheet(frames, references), cv2.COLOR_RGB2BGR)
            cv2.imwrite(str(args.sheets / f"structure-{index:02d}-{name}.png"), image)


if __name__ == "__main__":
    main()
