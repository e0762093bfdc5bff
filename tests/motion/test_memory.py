"""Frames reuse the memory the previous frame freed instead of faulting it in afresh."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A fresh process (malloc's settings are process-wide, and this one has rendered before) makes
# what a 1080p frame makes: float32 maps and layers whose sizes change with the pose.
CHILD = """
import resource
import numpy as np
{setup}

def frame(index):
    blocks = [np.ones((1088 - (index * 37) % 300, 1928), np.float32) for _ in range(6)]
    return sum(float(block[0, 0]) for block in blocks)

for index in range(10):
    frame(index)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for index in range(10, 50):
    frame(index)
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 40)
"""


def faults_per_frame(setup: str) -> float:
    child = CHILD.format(setup=setup)
    run = subprocess.run([sys.executable, "-c", child], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(run.stdout.strip())


def test_the_motion_engine_keeps_freed_frames_mapped() -> None:
    """With glibc's adaptive thresholds such frames fault ~3,000 pages each back in (the
    baseline, measured here); once the motion engine exists, none."""
    baseline = faults_per_frame("")
    with_engine = faults_per_frame("from stillmotion.engines.motion import MotionEngine\nMotionEngine()")
    assert baseline > 1000, f"the baseline no longer faults ({baseline:.0f} a frame): the test shows nothing"
    assert with_engine < 10, with_engine
