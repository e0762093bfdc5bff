"""A render's serial start stays lean: scene analysis imports the engine, not the prompt enhancer.

The face finder (`scene_faces`) once lived in `stillmotion.prompts`, so a process's first
`analyze_scene` imported the enhancer and its HTTP client (0.15-0.3 s of CPU before the first
frame, in every bench child and every fresh worker).
"""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from stillmotion.engines.motion.scene import analyze_scene
from tests.motion.scenes import landscape
analyze_scene(landscape(640, 360))
print(sorted(name for name in ("stillmotion.prompts", "httpx") if name in sys.modules))
"""


def test_scene_analysis_does_not_import_the_prompt_enhancer() -> None:
    run = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]", f"analyze_scene imported {run.stdout.strip()}"
