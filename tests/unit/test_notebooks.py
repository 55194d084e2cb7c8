"""Each notebook of docs/notebooks is a jupytext pair: the .ipynb holds the .py's cells, and is
committed without outputs (tests/workflow/test_notebook.py runs it)."""

from __future__ import annotations

import pytest

from tests.conftest import REPO

NOTEBOOKS = sorted((REPO / "docs" / "notebooks").glob("*.py"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS


@pytest.mark.parametrize("script", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_pair_is_in_step_and_has_no_outputs(script) -> None:
    import jupytext
    import nbformat

    paired = script.with_suffix(".ipynb")
    assert paired.exists(), f"{paired.name} missing: jupytext --to ipynb {script}"
    expected = [(c.cell_type, c.source) for c in jupytext.read(script).cells]
    notebook = nbformat.read(paired, as_version=4)
    assert [(c.cell_type, c.source) for c in notebook.cells] == expected, (
        f"{paired.name} differs from {script.name}: jupytext --sync {script}"
    )
    assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code")
