"""enhance_prompt end to end, with real chat-completions servers on loopback for the LLM path."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pydantic import SecretStr

from stillmotion.config import Settings
from stillmotion.prompts import EnhancedPrompt, enhance_prompt
from stillmotion.prompts.llm import SYSTEM_PROMPT
from stillmotion.prompts.rules import enhance_with_rules
from stillmotion.prompts.scene_summary import SceneSummary

from .conftest import FakeLLM

GOOD_ANSWER = "a quiet lake. Slow push in, water shimmers gently, clouds drift slowly."


def settings_for(server: FakeLLM | None = None, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "llm_base_url": server.base_url if server else None,
        "llm_model": "test-model",
        "llm_api_key": SecretStr("sk-test-123"),
        "llm_timeout_seconds": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


def run(scenes: dict[str, np.ndarray], settings: Settings, **kwargs: Any) -> EnhancedPrompt:
    args: dict[str, Any] = {"prompt": "a quiet lake", "negative_prompt": "rain", "duration": 4}
    args.update(kwargs)
    return enhance_prompt(
        args["prompt"], args["negative_prompt"], scenes["lake"], args["duration"], settings=settings
    )


@pytest.fixture(scope="module")
def rules_text(scene_summaries: dict[str, SceneSummary]) -> str:
    """What the rule-based enhancer alone makes of `run`'s default inputs."""
    return enhance_with_rules("a quiet lake", "rain", scene_summaries["lake"], 4)


def test_without_llm_settings_the_rules_answer(
    scenes: dict[str, np.ndarray],
    rules_text: str,
) -> None:
    result = enhance_prompt("a quiet lake", "rain", scenes["lake"], 4, settings=Settings())
    assert result == EnhancedPrompt(rules_text, "rules", None)
    assert result.text.startswith("a quiet lake. ")


def test_empty_prompt_and_none_are_the_same(scenes: dict[str, np.ndarray]) -> None:
    settings = Settings()
    assert enhance_prompt(None, None, scenes["meadow"], 3, settings=settings) == enhance_prompt(
        "  ", "", scenes["meadow"], 3, settings=settings
    )


def test_llm_answer_is_used(
    scenes: dict[str, np.ndarray], rules_text: str, fake_llm: Callable[..., FakeLLM]
) -> None:
    server = fake_llm("good", content=f'  "{GOOD_ANSWER}"\n')
    result = run(scenes, settings_for(server))
    assert result == EnhancedPrompt(GOOD_ANSWER, "llm", None)

    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test-123"
    body = request["json"]
    assert body["model"] == "test-model"
    system, user = body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert "User prompt: a quiet lake" in user["content"]
    assert "Negative prompt: rain" in user["content"]
    assert "The photo shows: elements: foliage, sky, water; light: day" in user["content"]
    assert "Video length: 4 seconds" in user["content"]
    assert f"Draft: {rules_text}" in user["content"]


def test_no_key_sends_no_authorization(
    scenes: dict[str, np.ndarray], fake_llm: Callable[..., FakeLLM]
) -> None:
    server = fake_llm("good", content=GOOD_ANSWER)
    assert run(scenes, settings_for(server, llm_api_key=None)).source == "llm"
    assert "Authorization" not in server.requests[0]["headers"]


def test_timeout_falls_back_quickly(
    scenes: dict[str, np.ndarray], rules_text: str, fake_llm: Callable[..., FakeLLM]
) -> None:
    # The good answer does come, after 5 s: had the client waited for it, the source would be
    # "llm". So the fallback itself proves the 0.3 s timeout fired; no wall-clock bound needed.
    server = fake_llm("slow", content=GOOD_ANSWER, delay=5.0)
    result = run(scenes, settings_for(server, llm_timeout_seconds=0.3))
    assert result.text == rules_text
    assert result.source == "rules"
    assert (
        result.note == "LLM rewriting failed: timed out after 0.3 s; used the rule-based enhancer."
    )


@pytest.mark.parametrize(
    ("behaviour", "content", "reason"),
    [
        ("error", "", "the server answered HTTP 500"),
        ("garbage", "", "the answer was not a chat completion"),
        ("good", "   ", "the answer was empty"),
        ("good", "a quiet lake, " + "slowly " * 120, "the answer was too long"),
        (
            "good",
            "a quiet lake. Heavy rain falls, slow push in.",
            "the answer added what the negative prompt excludes",
        ),
        ("good", "A mountain at dawn. Slow push in.", "the answer dropped the user's words"),
    ],
)
def test_bad_answers_fall_back_with_a_note(
    scenes: dict[str, np.ndarray],
    rules_text: str,
    fake_llm: Callable[..., FakeLLM],
    behaviour: str,
    content: str,
    reason: str,
) -> None:
    server = fake_llm(behaviour, content=content)
    result = run(scenes, settings_for(server))
    assert result == EnhancedPrompt(
        rules_text,
        "rules",
        f"LLM rewriting failed: {reason}; used the rule-based enhancer.",
    )
    assert len(server.requests) == 1


def test_unreachable_server_falls_back(scenes: dict[str, np.ndarray]) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run(scenes, settings_for(llm_base_url=f"http://127.0.0.1:{port}/v1"))
    assert result.source == "rules"
    assert result.note is not None and "could not reach the server (ConnectError)" in result.note


def test_base_url_without_model_is_reported(scenes: dict[str, np.ndarray]) -> None:
    result = run(scenes, settings_for(llm_base_url="http://127.0.0.1:9/v1", llm_model=None))
    assert result.source == "rules"
    assert result.note == (
        "LLM rewriting failed: no model is configured (llm_model); used the rule-based enhancer."
    )


def test_notes_never_carry_the_key(
    scenes: dict[str, np.ndarray], fake_llm: Callable[..., FakeLLM]
) -> None:
    server = fake_llm("error")
    result = run(scenes, settings_for(server))
    assert result.note is not None and "sk-test-123" not in result.note


def test_static_camera_honours_a_negative_camera_movement(
    scenes: dict[str, np.ndarray], fake_llm: Callable[..., FakeLLM]
) -> None:
    answer = "a quiet lake. Static camera, water shimmers gently."
    server = fake_llm("good", content=answer)
    result = run(scenes, settings_for(server), negative_prompt="camera movement")
    assert result == EnhancedPrompt(answer, "llm", None)
