"""Temporarily replacing a method or setting of one loaded object, for the length of one call."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def shadow_attribute(owner: Any, name: str, value: Any) -> Iterator[None]:
    """Shadow `owner.name` with an instance attribute, restoring exactly what was there."""
    missing = object()
    previous = owner.__dict__.get(name, missing)
    owner.__dict__[name] = value
    try:
        yield
    finally:
        if previous is missing:
            del owner.__dict__[name]
        else:
            owner.__dict__[name] = previous
