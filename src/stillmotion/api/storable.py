"""Text the database cannot hold is refused at the edge, on every route, before any handler runs.

PostgreSQL's text type cannot store NUL (U+0000), and no UTF-8 database driver can encode an
unpaired surrogate (U+D800..U+DFFF): JSON's `"\\u0000"` and `"\\ud800"` escapes, or UTF-8 bytes
that encode a surrogate (json.loads decodes those with "surrogatepass"), would otherwise reach a
query and answer 500. One app-wide dependency looks at everything a client chose that a route
may store or query by: path parameters, query parameters and the JSON body, at any depth.
It answers 400/1000 naming the field. (JWT claims are checked by type in api/auth.py; header
values arrive as Latin-1 and cannot carry either character.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import Request

from stillmotion.errors import InvalidField

def storable(text: str) -> bool:
    """True when a UTF-8 database can store `text` as it is."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(name, text) for every string in a decoded JSON value, keys included; `where` names the
    top-level field each one sits under."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            name = where or str(key)
            yield name, key
            yield from _strings(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, where)


_LONGEST_NAME = 64


def refuse_unstorable(values: Iterator[tuple[str, str]]) -> None:
    for name, text in values:
        if not storable(text):
            # The name is the client's own text: echoed only when it is itself plain and short.
            label = name if storable(name) and 0 < len(name) <= _LONGEST_NAME else "A field or parameter name"
            raise InvalidField(f"{label} contains a character that cannot be stored (NUL or an unpaired UTF-16 surrogate).")


def _is_json(request: Request) -> bool:
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def refuse_unstorable_body(body: Any) -> None:
    """The same rule for a body a route decodes itself (the `/v1/` create takes JSON or a form)."""
    refuse_unstorable(_strings(body, ""))


def _parameters(items: list[tuple[str, str]]) -> Iterator[tuple[str, str]]:
    for name, value in items:
        yield name, name
        yield name, value


async def refuse_unstorable_text(request: Request) -> None:
    """The app-wide dependency. On a route that takes a JSON body FastAPI has parsed it already
    (Starlette caches it on the request), so reading it here costs no second parse."""
    refuse_unstorable(_parameters(list(request.path_params.items())))
    refuse_unstorable(_parameters(request.query_params.multi_items()))
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None or not _is_json(request) or not await request.body():
        return
    try:
        body = await request.json()
    except (ValueError, RecursionError):
        return  # a form route sent JSON: the form's own validation answers
    refuse_unstorable(_strings(body, ""))
