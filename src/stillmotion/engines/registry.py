"""What a worker process loads once: the engines behind model names, and the audio backend.

The `models` setting maps a name to `"motion"` or to a diffusion spec (a dict with a
`family`, see docs/diffusion.md; `"engine": "diffusion"` may say so explicitly). Configuration problems (an
unknown engine, a missing or incomplete weights directory) are found by
`load_all()` at start and reported through `/readyz` and the log, never at a
task; model weights load there too, once, and stay resident.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from stillmotion.audio.backend import AudioBackend, load_audio_backend
from stillmotion.config import Settings
from stillmotion.engines.base import Engine
from stillmotion.errors import NotReady

log = logging.getLogger("stillmotion.engines")


@dataclass
class ModelEntry:
    name: str
    kind: str
    config: str | dict[str, Any]
    family: str | None = None
    engine: Engine | None = None
    problems: list[str] = field(default_factory=list)


class EngineRegistry:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._entries = {name: _entry(name, config) for name, config in settings.models.items()}
        self._motion: Engine | None = None  # one motion engine serves every name that maps to it
        self._audio: AudioBackend | None = None
        self._lock = threading.Lock()
        self._audio_lock = threading.Lock()
        """The audio backend's own: a task must not wait for a diffusion model's weights to get it."""
        self.loaded = False

    @property
    def model_names(self) -> list[str]:
        return sorted(self._entries)

    @property
    def problems(self) -> list[str]:
        return [f"{entry.name}: {problem}" for entry in self._entries.values() for problem in entry.problems]

    def describe(self, model_name: str) -> dict[str, Any]:
        entry = self._entries[model_name]
        ready = entry.engine is not None and not entry.problems
        return {"model_name": entry.name, "engine": entry.kind, "family": entry.family, "ready": ready}

    @property
    def audio(self) -> AudioBackend:
        """The audio backend, loaded on first use (weights, for the model backend)."""
        with self._audio_lock:
            if self._audio is None:
                self._audio = load_audio_backend(self._settings)
            return self._audio

    def load_all(self) -> None:
        """Check every model's configuration and load its engine; slow for big weights, so run in a thread."""
        for entry in self._entries.values():
            try:
                self._load(entry)
            except Exception as exc:  # a broken model must not stop the others from serving
                entry.problems.append(f"failed to load: {exc}")
            for problem in entry.problems:
                log.error("model %s is not servable: %s", entry.name, problem)
        self.loaded = True

    def engine_for(self, model_name: str) -> Engine:
        entry = self._entries[model_name]
        if entry.engine is None and not entry.problems:
            self._load(entry)
        if entry.problems or entry.engine is None:
            raise model_not_ready(model_name)
        return entry.engine

    def refuses(self, model_name: str) -> bool:
        """True when the model is known not to serve (its problems were found at start): create
        answers 503/5001 at once instead of accepting a task that can only fail."""
        return bool(self._entries[model_name].problems)

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


def model_not_ready(model_name: str) -> NotReady:
    """What an API client is told. The reasons (paths on the server's disk, package names) are
    the operator's business: they are in the log and on /readyz, not in a task's message."""
    return NotReady(f"Model {model_name} is not ready on this server; try again later.", retry_after=60)


def _entry(name: str, config: str | dict[str, Any]) -> ModelEntry:
    if config == "motion":
        return ModelEntry(name, "motion", config)
    if isinstance(config, dict) and config.get("engine", "diffusion" if "family" in config else None) == "diffusion":
        return ModelEntry(name, "diffusion", config, family=config.get("family"))
    return ModelEntry(name, str(config), config, problems=[f"unknown engine {config!r} (motion or a diffusion spec)"])


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
