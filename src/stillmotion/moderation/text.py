"""Text moderation of the prompt, negative prompt and audio prompt (SPEC code 1002).

A refusal names the field and the category and never repeats the user's words: the message goes
back to the caller and into logs, and quoting the offending text would spread it further.
"""

from __future__ import annotations

from collections.abc import Mapping

from stillmotion.errors import ModerationRefused
from stillmotion.moderation.lexicon import Lexicon, default_lexicon
from stillmotion.moderation.normalize import spellings
from stillmotion.moderation.semantic import SemanticMatcher

NEGATIVE_PROMPT_FIELD = "negative_prompt"
"""The field whose text lists what to keep *out* of a video (see `classify_text`)."""

_FIELD_NAMES = {
    "prompt": "Prompt",
    "negative_prompt": "Negative prompt",
    "audio_prompt": "Audio prompt",
}


def field_display_name(field: str) -> str:
    """How a request field is named in a user-facing message."""
    return _FIELD_NAMES.get(field, field.replace("_", " ").capitalize())


def classify_text(
    text: str,
    *,
    negative: bool = False,
    lexicon: Lexicon | None = None,
    semantic: SemanticMatcher | None = None,
) -> list[str]:
    """Category ids (most severe first) that `text` falls into; empty when it is acceptable.

    `negative` is for a negative prompt: there "nudity, gore, blood" means *exclude these*, so
    words that merely name a category are not held against it; explicit descriptions still are.
    "sexual/minors" subsumes "sexual": a text in both reports only the former.

    `semantic` (optional extra) is asked only when the lexicon finds nothing, and never for a
    negative prompt, whose lists of unwanted things sit close to the violation examples.
    """
    lexicon = lexicon or default_lexicon()
    masked = [lexicon.mask_safe(spelling) for spelling in spellings(text)]
    found = [
        category.id
        for category in lexicon.categories
        if any(lexicon.matches(category, spelling, negative=negative) for spelling in masked)
    ]
    if "sexual/minors" in found and "sexual" in found:
        found.remove("sexual")
    if not found and semantic is not None and not negative:
        found = semantic.classify(text)
    return found


def check_text(
    fields: Mapping[str, str | None],
    *,
    lexicon: Lexicon | None = None,
    semantic: SemanticMatcher | None = None,
) -> None:
    """Raise `ModerationRefused` for the first field (in the given order) that is refused.

    `fields` maps request field names ("prompt", "negative_prompt", "audio_prompt") to their
    text; None and empty values are skipped. Pass `semantic=load_semantic_matcher()` to use
    the optional semantic layer (None when it is not installed).
    """
    lexicon = lexicon or default_lexicon()
    labels = {category.id: category.label for category in lexicon.categories}
    for field, text in fields.items():
        if not text:
            continue
        negative = field == NEGATIVE_PROMPT_FIELD
        found = classify_text(text, negative=negative, lexicon=lexicon, semantic=semantic)
        if found:
            raise ModerationRefused(
                f"{field_display_name(field)} was refused by content moderation "
                f"(category: {labels[found[0]]})."
            )
