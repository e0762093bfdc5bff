"""The web page served at `/`: plain HTML, CSS and JavaScript, no build step.

The files under `static/` are the whole page; `api/routes_web.py` serves them.
"""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
