"""Fixtures for real Snakemake runs in a temporary copy of the workflow."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

WORKFLOW_PARTS = (
    "Snakefile",
    "rules",
    "scripts",
    "config",
    "envs",
    "resources",
    "package.json",
    "package-lock.json",
    "report",
    "profiles",
)


def deploy_workflow(dest: Path) -> Path:
    """Copy the workflow (not the library: it is installed in the venv) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in WORKFLOW_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, dest / part)
        elif source.exists():
            shutil.copy2(source, dest / part)
    return dest


def snakemake(workdir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the venv's snakemake in ``workdir``; output captured as text."""
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )
    return result


@pytest.fixture
def workflow_dir(tmp_path: Path) -> Path:
    return deploy_workflow(tmp_path / "wf")
