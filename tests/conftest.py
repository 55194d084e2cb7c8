"""Shared test fixtures: where the repository and the shared SDC1 sample live."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_SAMPLE = REPO.parent / "shared" / "sdc1-sample"


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def sdc1_sample() -> Path:
    """The real SDC1 cutouts; tests using them skip when the folder is absent."""
    if not (SHARED_SAMPLE / "B1_1000h_0.05tr.fits").exists():
        pytest.skip(f"real SDC1 sample not found at {SHARED_SAMPLE}")
    return SHARED_SAMPLE
