"""What a worker process loads once: the engines behind model names, and the audio backend."""

from __future__ import annotations

from stillmotion.audio.backend import AudioBackend, load_audio_backend
from stillmotion.config import Settings
from stillmotion.engines.base import Engine


def build_engine(kind: str) -> Engine:
    if kind == "motion":
        from stillmotion.engines.motion import MotionEngine

        return MotionEngine()
    raise ValueError(f"unknown engine {kind!r}")


class EngineRegistry:
    """Engines are shared between models that name the same kind, and built on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._models = dict(settings.models)
        self._engines: dict[str, Engine] = {}
        self._audio: AudioBackend | None = None

    @property
    def audio(self) -> AudioBackend:
        """The audio backend, loaded on first use (weights, for the model backend)."""
        if self._audio is None:
            self._audio = load_audio_backend(self._settings)
        return self._audio

    @property
    def model_names(self) -> list[str]:
        return sorted(self._models)

    def engine_kind(self, model_name: str) -> str:
        return self._models[model_name]

    def engine_for(self, model_name: str) -> Engine:
        kind = self._models[model_name]
        if kind not in self._engines:
            self._engines[kind] = build_engine(kind)
        return self._engines[kind]
