"""Hand the heap a render freed back to the operating system.

A 1080p render allocates hundreds of MB of frames and buffers and frees them at the end, but
glibc's malloc keeps freed memory mapped for reuse, so a server that rendered once held
580-666 MB for good (idle: ~200 MB). Two measures, both glibc's own:

- `malloc_trim(0)` after the last running render returns the free pages of every arena; the
  next render maps them again, milliseconds against seconds of rendering, so no warm pool is kept.
- At most `MALLOC_ARENAS` arenas (glibc's default is 8 per core): each thread that allocates
  otherwise gets an arena of its own, and the render, encoder and event-loop threads leave
  free but fragmented pages in several that trimming cannot return whole. Measured on the
  2-core machine after two 1080p renders: 401-433 MB with the default, 353-362 MB with 2
  (idle 205 MB). `MALLOC_ARENA_MAX` in the environment still wins.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Callable


MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h


def _glibc(name: str) -> Callable[..., int] | None:
    """A function of glibc's malloc, or None under another C library (musl, macOS)."""
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        return getattr(ctypes.CDLL(library), name)  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _glibc("malloc_trim")
_MALLOPT = _glibc("mallopt")


def limit_malloc_arenas() -> None:
    """Call at process start, before the worker threads allocate."""
    if _MALLOPT is not None and "MALLOC_ARENA_MAX" not in os.environ:
        _MALLOPT(_M_ARENA_MAX, MALLOC_ARENAS)


def release_free_memory() -> None:
    """Return freed heap to the OS where the C library can (glibc); a no-op elsewhere."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
