"""Contact sheets of real photos rendered with user prompts: look at what the engine does.

    python -m bench.photo_sheets OUT_DIR [--width 960] [--set issue|lights] [--resolution 1080p] [--only TEXT]
        [--crop X0,Y0,X1,Y1]

`--only` renders the cases whose prompt contains TEXT; `--crop` keeps a window of every frame
(fractions of the frame) to look at an effect at 1:1.

Photos come from scikit-image's `skimage.data` (the `test` extra; licences in
docs/licenses.md). Each row of a sheet is one (photo, prompt): frames at 0, 1/3,
2/3 and the end, then the absolute difference between the first and last frame
(amplified 4x), so motion that is too faint to see shows as black. The enhanced
prompt and the task's notes are printed beside each sheet's file name.

`--set lights` renders the light effects drawn on the frame (twinkle, light rays,
rain ripples, and one with mist too) and adds under each row a 1:1 crop of the full-size frames at
the place the effect anchors to, since a glint of a few pixels vanishes in a
thumbnail. It also uses scikit-learn's two sample photos (china.jpg,
flower.jpg; CC BY 2.0) when scikit-learn is installed, and skips them if not.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
from pathlib import Path

import cv2
import numpy as np

from stillmotion.config import Settings
from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import frame_input
from stillmotion.prompts import enhance_prompt
from stillmotion.prompts.reading import read, without_kinds

CASES: tuple[tuple[str, str], ...] = (
    ("chelsea", "the cat blinks and looks around"),
    ("coffee", "steam rises from the coffee"),
    ("rocket", "the rocket launches with fire and smoke"),
    ("rocket", "static camera, locked off. clouds drift to the right across the sky"),
    ("astronaut", "she smiles and turns her head"),
    ("astronaut", "the flag waves"),
    ("camera", "pull out, zoom out"),
    ("hubble_deep_field", "stars twinkle"),
    ("rocket", "paneo a la izquierda, el cielo se mueve"),
    ("coffee", "镜头向左平移"),
    ("rocket", "Kamera schwenkt langsam nach links, Wolken ziehen"),
    ("chelsea", ""),
    ("rocket", "orbit around the rocket"),
    ("coffee", "static camera, steam rises from the coffee"),
    ("chelsea", "steam rises from the cat"),
    ("rocket", "static camera, mist drifts over the ground"),
    ("camera", "static camera, heat shimmer over the city"),
    ("rocket", "static camera, smoke rises, heat shimmer"),
    ("astronaut", "Nebel zieht langsam"),
)

LIGHT_CASES: tuple[tuple[str, str, tuple[float, float]], ...] = (
    # (photo, prompt, centre of the 1:1 crop as fractions of the frame)
    ("hubble_deep_field", "static camera, stars twinkle", (0.45, 0.5)),
    ("hubble_deep_field", "lent zoom avant, les étoiles scintillent", (0.6, 0.35)),
    ("rocket", "stars twinkle", (0.5, 0.5)),
    ("coffee", "static camera, the spoon glints", (0.63, 0.69)),
    ("china.jpg", "static camera, sunbeams through the trees", (0.75, 0.3)),
    ("china.jpg", "static camera, heavy rain on the lake", (0.8, 0.62)),
    ("flower.jpg", "god rays", (0.5, 0.3)),
    ("rocket", "god rays", (0.5, 0.3)),
    ("astronaut", "static camera, rain", (0.5, 0.5)),
    # Both kinds of added effect in one prompt: fog on the lake and rays through the trees.
    ("china.jpg", "static camera, mist over the lake, sunbeams through the trees", (0.6, 0.5)),
)
CROP = 360


def photo(name: str) -> np.ndarray:
    if name.endswith(".jpg"):  # scikit-learn's sample photos, read from its package without importing it
        spec = importlib.util.find_spec("sklearn")
        if spec is None or spec.origin is None:
            raise ImportError("scikit-learn is not installed")
        bgr = cv2.imread(str(Path(spec.origin).parent / "datasets" / "images" / name))
        return np.ascontiguousarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    from skimage import data

    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3])


def sheet(frames: list[np.ndarray], width: int) -> np.ndarray:
    picks = [frames[0], frames[len(frames) // 3], frames[2 * len(frames) // 3], frames[-1]]
    diff = np.clip(cv2.absdiff(frames[0], frames[-1]).astype(np.int32) * 4, 0, 255).astype(np.uint8)
    tiles = [cv2.resize(f, (width, round(width * f.shape[0] / f.shape[1])), interpolation=cv2.INTER_AREA)
             for f in [*picks, diff]]
    return np.concatenate(tiles, axis=1)


def cropped(frame: np.ndarray, window: str) -> np.ndarray:
    x0, y0, x1, y1 = (float(v) for v in window.split(","))
    height, width = frame.shape[:2]
    return frame[round(y0 * height) : round(y1 * height), round(x0 * width) : round(x1 * width)]


def crops(frames: list[np.ndarray], centre: tuple[float, float], width: int) -> np.ndarray:
    """1:1 crops (CROP px square) at `centre` of frames 0, 1/3, 2/3 and the end, and their
    difference to frame 0 (x4), as one strip as wide as a sheet of tiles `width` wide."""
    height, full = frames[0].shape[:2]
    x = int(np.clip(centre[0] * full - CROP / 2, 0, full - CROP))
    y = int(np.clip(centre[1] * height - CROP / 2, 0, height - CROP))
    picks = [frames[0], frames[len(frames) // 3], frames[2 * len(frames) // 3], frames[-1]]
    cut = [f[y : y + CROP, x : x + CROP] for f in picks]
    diff = np.clip(cv2.absdiff(cut[0], cut[2]).astype(np.int32) * 4, 0, 255).astype(np.uint8)
    strip = np.concatenate([*cut, diff], axis=1)
    return cv2.resize(strip, (5 * width, round(5 * width * CROP / strip.shape[1])), interpolation=cv2.INTER_AREA)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=320, help="width of one tile")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--set", choices=("issue", "lights"), default="issue")
    parser.add_argument("--only", help="render only the cases whose prompt contains this text")
    parser.add_argument("--crop", help="X0,Y0,X1,Y1: the window of each frame to show, fractions of the frame")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engine = MotionEngine()
    report = []
    cases = [(name, prompt, None) for name, prompt in CASES] if args.set == "issue" else list(LIGHT_CASES)
    for index, (name, prompt, centre) in enumerate(cases):
        if args.only is not None and args.only not in prompt:
            continue
        try:
            image = photo(name)
        except ImportError:
            print(f"{name}: scikit-learn is not installed, skipped")
            continue
        framed = frame_input(image, args.resolution)
        scene = analyze_scene(framed)
        enhanced = enhance_prompt(prompt, "", framed, 2, settings=Settings(), analysis=scene).text
        prepared = engine.prepare(RenderRequest(framed, enhanced, "", 5.0, 7, 24, 12, scene, user_prompt=prompt))
        frames = list(prepared.frames(TaskContext()))
        strip = crops(frames, centre, args.width) if centre is not None else None
        if args.crop:
            frames = [cropped(frame, args.crop) for frame in frames]
        rendered = {region["kind"] for region in prepared.plan["regions"]}
        named = {key.split(":", 1)[1] for key in read(enhanced).asks if key.startswith("region:")}
        enhanced = without_kinds(enhanced, frozenset(named - rendered))  # as the pipeline stores it
        path = args.out / f"{index:02d}-{name}.jpg"
        picture = sheet(frames, args.width)
        if strip is not None:
            picture = np.concatenate([picture, cv2.resize(strip, (picture.shape[1], strip.shape[0]))], axis=0)
        cv2.imwrite(str(path), cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
        report.append({"sheet": path.name, "prompt": prompt, "enhanced": enhanced,
                       "camera": prepared.plan.get("camera"), "notes": prepared.plan.get("notes", [])})
        print(json.dumps(report[-1], ensure_ascii=False))
    (args.out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
