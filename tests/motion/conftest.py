from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "motion"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where contact sheets go (git-ignored); printed so a failing run says where to look."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    print(f"motion artefacts: {ARTIFACTS}")
    return ARTIFACTS
