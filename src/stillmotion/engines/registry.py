"""What a worker process loads once: the engines behind model names, and the audio backend.

The `models` setting maps a name to `"motion"` or to a diffusion spec (a dict with a
`family`, see docs/diffusion.md). Configuration problems (an
unknown engine, a missing or incomplete weights directory) are found by
`load_all()` at start and reported through `/readyz` and the log, never at a
task; model weights load there too, once, and stay resident.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog, ModelEntry, model_not_ready

if TYPE_CHECKING:  # both import numpy, which a server that has not rendered does not need
    from stillmotion.audio.backend import AudioBackend
    from stillmotion.engines.base import Engine

log = logging.getLogger("stillmotion.engines")


class EngineRegistry(ModelCatalog):
    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._settings = settings
        self._motion: Engine | None = None  # one motion engine serves every name that maps to it
        self._audio: AudioBackend | None = None
        self._lock = threading.Lock()
        self._audio_lock = threading.Lock()
        """The audio backend's own: a task must not wait for a diffusion model's weights to get it."""
        self.loaded = False

    def ready(self, entry: ModelEntry) -> bool:
        """Here: its engine is loaded in this process, or it is the motion engine, which has no
        weights and is imported by the first task (see `load_all`)."""
        return not entry.problems and (entry.engine is not None or entry.kind == "motion")

    @property
    def audio(self) -> AudioBackend:
        """The audio backend, loaded on first use (weights, for the model backend)."""
        with self._audio_lock:
            if self._audio is None:
                from stillmotion.audio.backend import load_audio_backend

                self._audio = load_audio_backend(self._settings)
            return self._audio

    def load_all(self) -> None:
        """Check every model's configuration and load its engine; slow for big weights, so run in a thread.

        The motion engine is left to the first task (`TaskRunner.run` imports the render chain in a
        thread before it claims one, then `engine_for`): it has no weights to check, only code
        (OpenCV, SciPy, PyAV: ~100 MB and seconds to import on a busy machine), so a server that
        has not rendered yet is ready at once and holds none of it."""
        for entry in self._entries.values():
            if entry.kind != "motion":
                self._load_or_note(entry)
        self.loaded = True

    def engine_for(self, model_name: str) -> Engine:
        entry = self._entries[model_name]
        if entry.engine is None and not entry.problems:
            self._load_or_note(entry)
        if entry.problems or entry.engine is None:
            raise model_not_ready(model_name)
        return entry.engine

    def _load_or_note(self, entry: ModelEntry) -> None:
        """Load; a failure becomes the model's problem (on /readyz and in the log), and a broken
        model never stops the others from serving."""
        try:
            self._load(entry)
        except Exception as exc:
            entry.problems.append(f"failed to load: {exc}")
        for problem in entry.problems:
            log.error("model %s is not servable: %s", entry.name, problem)

    def _load(self, entry: ModelEntry) -> None:
        with self._lock:
            if entry.engine is not None or entry.problems:
                return
            if entry.kind == "motion":
                if self._motion is None:
                    from stillmotion.engines.motion import MotionEngine

                    self._motion = MotionEngine(threads=self._settings.engine_threads)
                entry.engine = self._motion
            elif entry.kind == "diffusion":
                entry.engine = _load_diffusion(entry)


def _load_diffusion(entry: ModelEntry) -> Engine | None:
    from stillmotion.engines.diffusion import DiffusionSpec, validate_weights_dir

    assert isinstance(entry.config, dict)
    try:
        spec = DiffusionSpec.from_dict(entry.name, dict(entry.config))
    except (ValueError, TypeError, KeyError) as exc:
        entry.problems.append(f"invalid spec: {exc}")
        return None
    entry.problems.extend(validate_weights_dir(spec))
    if entry.problems:
        return None
    from stillmotion.engines.diffusion import DiffusionEngine

    engine: Engine = DiffusionEngine(spec)
    return engine
