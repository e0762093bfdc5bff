"""Prompt enhancement: a short prompt plus the photo -> a motion description the engine reads."""

from stillmotion.prompts.enhance import EnhancedPrompt, enhance_prompt
from stillmotion.prompts.scene_summary import SceneSummary, summarize_scene

__all__ = ["EnhancedPrompt", "SceneSummary", "enhance_prompt", "summarize_scene"]
