"""Keep freed memory mapped, so a frame's temporaries are not page-faulted in afresh every frame.

A 1080p frame allocates and frees tens of MB of full-resolution maps and
layers, in sizes that change from frame to frame (the windows a layer or a
flow covers at that pose). glibc's malloc gives the top of its heap back to the
kernel once more than twice its adaptive mmap threshold lies free there (~17 MB
after an 8 MB block), so such frames fault their temporaries back in page by
page: ~5,500 faults a frame on a lake photo with parallax and flowing water,
7.6 against 4.9 CPU seconds of rendering for 180 frames. Fixing both thresholds
keeps up to `TRIM_THRESHOLD` of freed heap mapped for reuse; the peak does not
change. Process-wide, like OpenCV's thread count; only glibc has `mallopt`.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
"""Blocks from 32 MB up (glibc's ceiling for this setting) still get their own mapping."""
TRIM_THRESHOLD = 256 * 2**20


def keep_freed_memory() -> bool:
    """Fix malloc's thresholds for this process; False where the C library has no `mallopt`."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
