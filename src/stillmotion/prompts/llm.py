"""Optional prompt rewriting by a language model behind an OpenAI-compatible API.

Any server that speaks `POST {base_url}/chat/completions` works (a hosted API,
or a local llama.cpp / vLLM / Ollama server). The model gets the user's
prompt, the negative prompt, what the photo shows, the duration, and the
rule-based draft, and is asked for one short motion description that keeps the
user's words.

A model can fail in more ways than a server: besides timeouts and HTTP errors
it can answer with nothing, with an essay, or with the very thing the negative
prompt excluded. Each of these raises `RewriteFailed` with a short reason, and
the caller falls back to the rule-based text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from stillmotion.prompts.reading import excluded_by, is_excluded, read
from stillmotion.prompts.scene_summary import SceneSummary

MAX_ANSWER_WORDS = 80
"""The system prompt asks for at most 60 words; a little slack for a chatty model,
no more: an essay would drown the motion words the engine looks for."""
_MAX_TOKENS = 160
"""Room for MAX_ANSWER_WORDS words; a model that runs past it is cut off and its
answer fails the length check rather than taking longer."""
_MIN_KEPT_WORDS = 0.6
"""Share of the user's content words the answer must contain: rephrasing is
fine, dropping what the user asked for is not."""
_CONTENT_WORD = re.compile(r"[a-z][a-z']{2,}")
_FUNCTION_WORDS = frozenset(
    {"the", "and", "with", "for", "from", "into", "onto", "over", "under", "then", "this"}
    | {"that", "these", "those", "its", "are", "was", "were", "has", "have", "had", "very"}
)

SYSTEM_PROMPT = """\
You write prompts for an image-to-video engine that animates one still photo.
Answer with ONE short motion description: at most 60 words, one line, no quotes, no preamble.
Rules:
- Keep the user's prompt: start with the user's own words and never contradict them.
- Describe motion of what the photo shows; do not invent weather or objects.
- Use these motion words: slow push in, pull out, pan left, pan right, tilt up, tilt down, \
static camera; clouds drift; water shimmers, ripples or flows; trees, leaves or grass sway; \
flames flicker; mist or fog drifts; rain; snow; falling petals; fireflies; dust motes; \
light flickers or glows.
- Never mention anything the negative prompt names, not even to deny it.
- Shorter videos need subtler, slower motion.
- If unsure, return the draft unchanged."""


class RewriteFailed(Exception):
    """The model gave no usable answer; `reason` says why, for the task's record."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMEndpoint:
    base_url: str
    model: str
    api_key: str | None
    timeout_seconds: float


def rewrite_with_llm(
    endpoint: LLMEndpoint,
    *,
    prompt: str,
    negative_prompt: str,
    scene: SceneSummary,
    duration: int,
    draft: str,
) -> str:
    """Ask the model for a motion description; raise `RewriteFailed` unless it is usable."""
    messages = [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": (
                f"User prompt: {prompt or '(empty)'}\n"
                f"Negative prompt: {negative_prompt or '(none)'}\n"
                f"The photo shows: {scene.describe()}\n"
                f"Video length: {duration} seconds\n"
                f"Draft: {draft}"
            ),
        },
    ]
    answer = _complete(endpoint, messages)
    return _check_answer(answer, prompt=prompt, negative_prompt=negative_prompt)


def _complete(endpoint: LLMEndpoint, messages: list[dict[str, str]]) -> str:
    headers = {"Authorization": f"Bearer {endpoint.api_key}"} if endpoint.api_key else {}
    body = {
        "model": endpoint.model,
        "messages": messages,
        # Same inputs, same answer as far as the server allows.
        "temperature": 0,
        "max_tokens": _MAX_TOKENS,
    }
    url = endpoint.base_url.rstrip("/") + "/chat/completions"
    try:
        with httpx.Client(timeout=endpoint.timeout_seconds, follow_redirects=False) as client:
            response = client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise RewriteFailed(f"timed out after {endpoint.timeout_seconds:g} s") from None
    except httpx.HTTPError as exc:
        raise RewriteFailed(f"could not reach the server ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise RewriteFailed(f"the server answered HTTP {response.status_code}")
    try:
        content = response.json()["choices"][0]["message"]["content"]
    except (ValueError, LookupError, TypeError):
        raise RewriteFailed("the answer was not a chat completion") from None
    if not isinstance(content, str):
        raise RewriteFailed("the answer was not a chat completion")
    return content


def _check_answer(answer: str, *, prompt: str, negative_prompt: str) -> str:
    text = " ".join(answer.split()).strip("\"'`“”‘’ ")
    if not text:
        raise RewriteFailed("the answer was empty")
    if len(text.split()) > MAX_ANSWER_WORDS + len(prompt.split()):
        raise RewriteFailed("the answer was too long")
    excluded = excluded_by(read(prompt), read(negative_prompt))
    if any(is_excluded(key, excluded) for key in read(text).asks):
        raise RewriteFailed("the answer added what the negative prompt excludes")
    if _kept_share(prompt, text) < _MIN_KEPT_WORDS:
        raise RewriteFailed("the answer dropped the user's words")
    return text


def _content_words(text: str) -> set[str]:
    return {w.rstrip("s") for w in _CONTENT_WORD.findall(text.lower()) if w not in _FUNCTION_WORDS}


def _kept_share(prompt: str, answer: str) -> float:
    wanted = _content_words(prompt)
    if not wanted:
        return 1.0
    return len(wanted & _content_words(answer)) / len(wanted)
