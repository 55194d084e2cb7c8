"""Shared test fixtures: where the repository and the shared SDC1 sample live, and how the
docs' scripts (not a package) are loaded."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

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


def load_script(path: Path) -> ModuleType:
    """Import a script of docs/ (not on the import path) as a module named after its file."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
