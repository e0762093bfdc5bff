"""Content moderation of request texts and input images (SPEC code 1002); see docs/moderation.md."""

from stillmotion.moderation.image import check_image, score_image
from stillmotion.moderation.semantic import SemanticMatcher, load_semantic_matcher
from stillmotion.moderation.text import check_text, classify_text

__all__ = [
    "SemanticMatcher",
    "check_image",
    "check_text",
    "classify_text",
    "load_semantic_matcher",
    "score_image",
]
