"""The notebook of docs/notebooks runs on a finished run (the small real cutout), as a user
would open it: executed top to bottom in an ipykernel by nbclient, figures and all."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.conftest import snakemake

pytestmark = pytest.mark.workflow

NOTEBOOK = REPO / "docs" / "notebooks" / "explore_run.ipynb"


def test_the_notebook_runs_on_a_finished_run(
    workflow_dir: Path, sdc1_sample: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nbformat
    from nbclient import NotebookClient

    snakemake(
        workflow_dir,
        "--cores",
        "2",
        "--config",
        "dataset=sdc1_cutout_small",
        f"mirror={sdc1_sample}",
    )
    monkeypatch.setenv("SDC1_RUN", str(workflow_dir))
    monkeypatch.setenv("SDC1_DATASET", "sdc1_cutout_small")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(REPO)}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    figures = [o for o in outputs if "image/png" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert len(figures) == 2, [o.output_type for o in outputs]
    assert "detections within a beam of a truth source" in text
    # The notebook's ska-sdc score equals the run's (the notebook asserts it too).
    assert "ska-sdc here:" in text and "the run's score file:" in text
