"""Contact sheets of real photos rendered with user prompts: look at what the engine does.

    python -m bench.photo_sheets OUT_DIR [--width 960] [--resolution 1080p] [--only TEXT] [--crop X0,Y0,X1,Y1]

`--crop` keeps a window of every frame (fractions of the frame) to look at an effect at 1:1.

Photos come from scikit-image's `skimage.data` (the `test` extra; licences in
docs/licenses.md). Each row of a sheet is one (photo, prompt): frames at 0, 1/3,
2/3 and the end, then the absolute difference between the first and last frame
(amplified 4x), so motion that is too faint to see shows as black. The enhanced
prompt and the task's notes are printed beside each sheet's file name.
"""

from __future__ import annotations

import argparse
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


def photo(name: str) -> np.ndarray:
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=320, help="width of one tile")
    parser.add_argument("--resolution", default="720p")
    parser.add_argument("--only", help="render only the cases whose prompt contains this text")
    parser.add_argument("--crop", help="X0,Y0,X1,Y1: the window of each frame to show, fractions of the frame")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    engine = MotionEngine()
    report = []
    for index, (name, prompt) in enumerate(CASES):
        if args.only is not None and args.only not in prompt:
            continue
        image = photo(name)
        framed = frame_input(image, args.resolution)
        scene = analyze_scene(framed)
        enhanced = enhance_prompt(prompt, "", framed, 2, settings=Settings(), analysis=scene).text
        prepared = engine.prepare(RenderRequest(framed, enhanced, "", 5.0, 7, 24, 12, scene, user_prompt=prompt))
        frames = list(prepared.frames(TaskContext()))
        if args.crop:
            frames = [cropped(frame, args.crop) for frame in frames]
        rendered = {region["kind"] for region in prepared.plan["regions"]}
        named = {key.split(":", 1)[1] for key in read(enhanced).asks if key.startswith("region:")}
        enhanced = without_kinds(enhanced, frozenset(named - rendered))  # as the pipeline stores it
        path = args.out / f"{index:02d}-{name}.jpg"
        cv2.imwrite(str(path), cv2.cvtColor(sheet(frames, args.width), cv2.COLOR_RGB2BGR))
        report.append({"sheet": path.name, "prompt": prompt, "enhanced": enhanced,
                       "camera": prepared.plan.get("camera"), "notes": prepared.plan.get("notes", [])})
        print(json.dumps(report[-1], ensure_ascii=False))
    (args.out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
