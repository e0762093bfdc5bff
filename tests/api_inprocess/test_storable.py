"""api/storable.py case by case: which text a database can hold, where in a JSON body a string
sits, how the refusal names it, and which requests count as JSON."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from stillmotion.api.storable import _is_json, _strings, refuse_unstorable, refuse_unstorable_body, storable
from stillmotion.errors import InvalidField

TAIL = " contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate)."


@pytest.mark.parametrize(
    ("text", "ok"),
    [("", True), ("plain", True), ("é ☃ 𝄞", True), ("a\x00b", False), ("\x00", False), ("\ud800", False),
     ("x\udfff", False), ("\x01\x7f", True)],
)  # fmt: skip
def test_storable_text(text: str, ok: bool) -> None:
    assert storable(text) is ok


def test_every_string_of_a_body_is_named_by_its_top_level_field() -> None:
    body = {"prompt": "p", "input_reference": {"image_url": "u", "tags": ["a", {"k": "v"}]}, "n": 5, "list": ["x"]}
    assert list(_strings(body, "")) == [
        ("prompt", "prompt"), ("prompt", "p"), ("input_reference", "input_reference"), ("input_reference", "image_url"),
        ("input_reference", "u"), ("input_reference", "tags"), ("input_reference", "a"), ("input_reference", "k"),
        ("input_reference", "v"), ("n", "n"), ("list", "list"), ("list", "x"),
    ]  # fmt: skip
    assert list(_strings(["a", ["b"]], "")) == [("", "a"), ("", "b")]
    assert list(_strings(5, "x")) == [] and list(_strings(None, "x")) == []


@pytest.mark.parametrize(
    ("body", "label"),
    [
        ({"prompt": "a\x00"}, "prompt"),
        ({"input_reference": {"image_url": "\ud800"}}, "input_reference"),
        ({"a\x00": 1}, "A field or parameter name"),
        ({"x" * 64: "\x00"}, "x" * 64),
        ({"x" * 65: "\x00"}, "A field or parameter name"),
        (["\x00"], "A field or parameter name"),  # a bare array: no field to name
        ({"ok": "fine", "later": ["y", "\x00"]}, "later"),
    ],
)  # fmt: skip
def test_the_refusal_names_the_field_when_it_can(body: Any, label: str) -> None:
    with pytest.raises(InvalidField) as refused:
        refuse_unstorable_body(body)
    assert refused.value.message == label + TAIL


def test_storable_bodies_and_parameters_pass() -> None:
    refuse_unstorable_body({"prompt": "é", "nested": [{"k": "v"}], "n": 1})
    refuse_unstorable(iter([("limit", "5"), ("status", "TASK_PENDING")]))


def _request(content_type: str | None) -> Request:
    headers = [(b"content-type", content_type.encode())] if content_type is not None else []
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers, "query_string": b""})


@pytest.mark.parametrize(
    ("content_type", "json"),
    [("application/json", True), ("application/json; charset=utf-8", True), (" Application/JSON ;x", True),
     ("application/merge-patch+json", True), ("application/problem+json; q=1", True), ("text/plain", False),
     ("multipart/form-data; boundary=x", False), ("application/jsonx", False), ("", False), (None, False),
     ("text/plain; application/json", False), ("application/json; charset=utf-8; q=1", True)],
)  # fmt: skip
def test_which_requests_are_json(content_type: str | None, json: bool) -> None:
    assert _is_json(_request(content_type)) is json
