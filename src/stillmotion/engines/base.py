"""The seam between the pipeline and the pixels.

An engine is built once per worker process (construction loads whatever it
needs, like Cog's `setup()`), then `prepare()` is called per task: it analyses
the image and the prompt into a plan, and the returned `PreparedRender` streams
frames one at a time so a 1080p x 180-frame video never sits in memory whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from stillmotion.audio.cues import AudioCues
from stillmotion.pipeline.context import TaskContext

if TYPE_CHECKING:
    from stillmotion.engines.motion.scene import SceneAnalysis


@dataclass(frozen=True)
class RenderRequest:
    """Everything an engine may use. `image` is already framed: RGB uint8, (height, width, 3)."""

    image: np.ndarray
    prompt: str
    negative_prompt: str
    cfg_scale: float
    seed: int
    num_frames: int
    fps: int
    scene: SceneAnalysis | None = None
    """The image's scene analysis when the pipeline already made one (for the prompt
    enhancer); an engine that needs it computes it itself when this is None."""
    user_prompt: str | None = None
    """What the user wrote, when `prompt` is the enhancer's version of it (None: `prompt`
    is the user's). Notes about what will not be rendered quote these words."""

    @property
    def width(self) -> int:
        return int(self.image.shape[1])

    @property
    def height(self) -> int:
        return int(self.image.shape[0])


class PreparedRender(Protocol):
    """One task's render, planned and ready to stream."""

    plan: dict[str, Any]
    """JSON-serialisable description of what will move and how (stored with the task)."""

    audio_cues: AudioCues | None
    """Time functions the audio synthesis follows to stay in sync; None if the engine has none."""

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        """Yield exactly `num_frames` RGB uint8 frames of the request's size.

        Frame 0 is the framed input. Call `ctx.check()` between frames or steps
        (it raises when the task is cancelled or past its deadline) and
        `ctx.report(fraction)` for work that happens before frames come out.
        """
        ...


@runtime_checkable
class SoundingRender(Protocol):
    """A render whose model makes its own sound with the picture (LTX-2)."""

    def soundtrack(self, ctx: TaskContext) -> np.ndarray | None:
        """The model's track for the clip, (samples, 2) float32 at 48 kHz, exactly the video's
        length; None when this task has none (the procedural track is used instead). May run
        the generation, so it reports progress and honours cancellation like `frames`."""
        ...


class Engine(Protocol):
    name: str
    version: str
    """Bumped whenever output changes: same inputs + seed + version -> same frames."""

    def prepare(self, request: RenderRequest) -> PreparedRender: ...
