"""One version and one set of metadata: pyproject.toml, `sdc1 --version`, codemeta, CITATION."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
import yaml

import sdc1
from tests.conftest import REPO, load_script

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
SCRIPT = REPO / "docs" / "generate_metadata.py"


@pytest.fixture(scope="module")
def generate_metadata():
    return load_script(SCRIPT)


def test_the_installed_version_is_pyprojects() -> None:
    assert sdc1.__version__ == PROJECT["version"]
    printed = subprocess.run(
        [sys.executable, "-m", "sdc1.cli", "--version"], capture_output=True, text=True
    )
    assert printed.stdout.strip() == f"sdc1 {PROJECT['version']}", printed.stderr


def test_codemeta_and_citation_are_current(generate_metadata) -> None:
    assert generate_metadata.main(["--check"]) == 0, "run python docs/generate_metadata.py"
    codemeta = json.loads((REPO / "codemeta.json").read_text())
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text())
    assert codemeta["version"] == citation["version"] == PROJECT["version"]
    assert (
        codemeta["license"].endswith(PROJECT["license"]) and citation["license"] == "BSD-3-Clause"
    )
    assert codemeta["datePublished"] == citation["date-released"]
    assert (REPO / "LICENSE").read_text().startswith("BSD 3-Clause License")


def test_a_version_without_a_changelog_entry_is_refused(generate_metadata, tmp_path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [0.1.0] - 2026-12-07\n")
    assert generate_metadata.release_date("0.1.0", changelog) == "2026-12-07"
    with pytest.raises(ValueError, match=r"no '## \[0.2.0\] - YYYY-MM-DD' heading"):
        generate_metadata.release_date("0.2.0", changelog)
