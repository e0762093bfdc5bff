"""The docs say what the code does: generated pages are current, every setting and doc is listed."""

from __future__ import annotations

import re
from pathlib import Path

from scripts.api_reference import OUTPUT as API_REFERENCE
from scripts.api_reference import current_reference
from stillmotion.api.app import frame_size_table
from stillmotion.config import Settings
from stillmotion.media.framing import FRAME_SIZES
from stillmotion.web import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_the_api_reference_is_generated_from_the_current_schema() -> None:
    assert API_REFERENCE.read_text() == current_reference(), "stale: run .venv/bin/python scripts/api_reference.py"


def test_the_configuration_reference_lists_every_setting() -> None:
    text = (DOCS / "configuration.md").read_text()
    missing = [name for name in Settings.model_fields if f"`STILLMOTION_{name.upper()}`" not in text]
    assert missing == [], f"document these settings in docs/configuration.md: {missing}"


def test_the_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [page.name for page in DOCS.glob("*.md") if f"docs/{page.name}" not in readme]
    assert missing == []


def test_every_copy_of_the_output_size_table_matches_the_encoder() -> None:
    table = frame_size_table()
    assert table in (ROOT / "README.md").read_text()
    assert table in (DOCS / "api.md").read_text()
    assert table in API_REFERENCE.read_text()
    page = (STATIC_DIR / "index.html").read_text()
    for resolution, sizes in FRAME_SIZES.items():
        cells = "".join(f"<td>{w}×{h}</td>" for w, h in sizes.values())
        assert f'<th scope="row">{resolution}</th>{cells}' in page
    script = (STATIC_DIR / "app.js").read_text()
    for resolution, sizes in FRAME_SIZES.items():
        entries = ", ".join(f'"{bucket}": [{w}, {h}]' for bucket, (w, h) in sizes.items())
        assert f'"{resolution}": {{ {entries} }}' in script


def test_every_picture_the_docs_show_exists() -> None:
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name}: {target}"
