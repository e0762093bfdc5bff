"""A task with sound, in-process: `TaskRunner` renders it with the real motion engine and the
procedural audio backend, and the MP4 carries the track the plan describes (in the test process,
so mutation testing sees `produce_video`'s audio path)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import av
import numpy as np

from tests.inprocess.test_task_runner import worker_factory  # noqa: F401 (the fixture)


async def test_a_task_with_sound_has_the_track_its_plan_describes(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory()
    task = await worker.finish(prompt="leaves sway", audio_prompt="seagulls and wind", generate_audio=True, duration=2)
    assert task.status == "TASK_SUCCEEDED", task.message
    # The track is the audio prompt's, each layer with its level and where it came from; the wind
    # follows the swaying leaves' curve from the motion plan (its audio cues).
    assert task.plan["audio"] == ["wind (from audio_prompt, -5 dB, follows the picture's wind curve)",
                                  "birds:gull (from audio_prompt, -7 dB)"]  # fmt: skip
    samples, seconds = track(worker, task)
    assert abs(seconds - 2.0) < 0.1, seconds
    assert float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) > 1e-3, "a silent track"

    # The same task without the audio prompt (same seed): the track follows the prompt too.
    plain = await worker.finish(prompt="leaves sway", generate_audio=True, duration=2, seed=task.seed)
    other, _ = track(worker, plain)
    assert plain.plan["audio"] == ["forest (from prompt, -4 dB, follows the picture's wind curve)"]
    assert other.shape != samples.shape or not np.allclose(other, samples, atol=1e-3)


def track(worker: Any, task: Any) -> tuple[np.ndarray, float]:
    """The decoded samples of a task's MP4 and their length in seconds."""
    with av.open(str(worker.storage.videos_dir / task.video_key)) as container:
        (audio,) = container.streams.audio
        samples = np.concatenate([frame.to_ndarray().reshape(-1) for frame in container.decode(audio)])
        return samples, samples.size / audio.rate / audio.channels
