"""Prompt enhancement: the pipeline's one entry point.

Steps: read the photo into a scene summary; write the rule-based prompt (always,
it is also the fallback and the LLM's draft); if an LLM endpoint is configured,
ask it to rewrite, and keep the rule-based text when it fails.

Synchronous on purpose: it runs in the worker thread next to the render, and
its only I/O (the optional LLM call) is bounded by `llm_timeout_seconds`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from stillmotion.config import Settings
from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.prompts.llm import LLMEndpoint, RewriteFailed, rewrite_with_llm
from stillmotion.prompts.reading import renderable_prompt
from stillmotion.prompts.rules import enhance_with_rules
from stillmotion.prompts.scene_summary import summarize_scene



@dataclass(frozen=True)
class EnhancedPrompt:
    text: str
    """What the engine reads and the task returns as `enhanced_prompt`."""
    source: Literal["rules", "llm"]
    note: str | None = None
    """Why the LLM was not used although configured, for the task's record; None otherwise."""


def enhance_prompt(
    prompt: str | None,
    negative_prompt: str | None,
    image: np.ndarray,
    duration: int,
    *,
    settings: Settings,
    analysis: SceneAnalysis | None = None,
) -> EnhancedPrompt:
    """Enhance `prompt` for `image` (RGB uint8, height x width x 3) and a clip of `duration` s.

    `settings` is the service's Settings; the LLM is used when `llm_base_url`
    and `llm_model` are set. `analysis`: the motion engine's `analyze_scene`
    of the same image, when the caller has it (saves its ~0.1-0.3 s).
    """
    said = " ".join((prompt or "").split())
    negative_prompt = negative_prompt or ""
    analysis = analysis if analysis is not None else analyze_scene(image)
    scene = summarize_scene(image, analysis)
    # Only what will render is described: the user's subject actions, absent regions and
    # words not understood stay out (the engine's notes say why, quoting `said`).
    prompt = renderable_prompt(said, analysis)
    draft = enhance_with_rules(prompt, negative_prompt, scene, duration, caption=not said)

    endpoint, problem = llm_endpoint(settings)
    if endpoint is None:
        return EnhancedPrompt(draft, "rules", problem and _fallback_note(problem))
    try:
        text = rewrite_with_llm(
            endpoint,
            prompt=prompt,
            negative_prompt=negative_prompt,
            scene=scene,
            duration=duration,
            draft=draft,
        )
    except RewriteFailed as failure:
        return EnhancedPrompt(draft, "rules", _fallback_note(failure.reason))
    return EnhancedPrompt(text, "llm")


def llm_endpoint(settings: Settings) -> tuple[LLMEndpoint | None, str | None]:
    """The configured endpoint, or (None, why it cannot be used) — (None, None) when off."""
    if not settings.llm_base_url:
        return None, None
    if not settings.llm_model:
        return None, "no model is configured (llm_model)"
    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key is not None else None
    return LLMEndpoint(settings.llm_base_url, settings.llm_model, key or None, settings.llm_timeout_seconds), None


def _fallback_note(reason: str) -> str:
    return f"LLM rewriting failed: {reason}; used the rule-based enhancer."
