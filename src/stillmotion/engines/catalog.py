"""The model names a deployment serves, read from the `models` setting without loading anything.

The API role answers from this (which names create accepts, `GET /api/vdr/models`) and so never
imports an engine or touches weights; a worker's `EngineRegistry` extends it with the loaded
engines. Configuration that cannot work (an unknown engine) is a problem found here, at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stillmotion.config import Settings
from stillmotion.errors import NotReady


@dataclass
class ModelEntry:
    name: str
    kind: str
    config: str | dict[str, Any]
    family: str | None = None
    engine: Any = None
    """The loaded engine, in a worker; always None in the API role."""
    problems: list[str] = field(default_factory=list)


class ModelCatalog:
    loaded = True
    """Nothing to load: the API role is ready as soon as its store and queue answer."""

    def __init__(self, settings: Settings) -> None:
        self._entries = {name: _entry(name, config) for name, config in settings.models.items()}

    @property
    def model_names(self) -> list[str]:
        return sorted(self._entries)

    @property
    def problems(self) -> list[str]:
        return [f"{entry.name}: {problem}" for entry in self._entries.values() for problem in entry.problems]

    def describe(self, model_name: str) -> dict[str, Any]:
        entry = self._entries[model_name]
        return {"model_name": entry.name, "engine": entry.kind, "family": entry.family, "ready": self.ready(entry)}

    def ready(self, entry: ModelEntry) -> bool:
        """Here: the configuration is sound (the workers that serve it check their weights)."""
        return not entry.problems

    def refuses(self, model_name: str) -> bool:
        """True when the model is known not to serve (its problems were found at start): create
        answers 503/5001 at once instead of accepting a task that can only fail."""
        return bool(self._entries[model_name].problems)


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
