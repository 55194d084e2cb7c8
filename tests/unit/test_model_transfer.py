"""docs/results.md shows the model-transfer record's figures, as its script writes them."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest

from sdc1.markdown_blocks import read_block
from tests.conftest import REPO

SCRIPT = REPO / "docs" / "benchmarks" / "model_transfer.py"
RECORD = json.loads((REPO / "docs" / "benchmarks" / "model_transfer.json").read_text())


@pytest.fixture(scope="module")
def model_transfer():
    # A script beside its sibling module results_block, as `python docs/benchmarks/...` runs it.
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        spec = importlib.util.spec_from_file_location("model_transfer", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(SCRIPT.parent))


def test_results_show_the_records_figures(model_transfer) -> None:
    results = (REPO / "docs" / "results.md").read_text()
    assert read_block(results, "model-transfer") == model_transfer.table(RECORD), (
        "docs/results.md: model-transfer block is stale; run docs/benchmarks/model_transfer.py"
    )


def test_each_transferred_model_came_from_the_other_sky() -> None:
    rows = {row["judged"]: row for row in RECORD["rows"]}
    assert len(rows) == 2
    for row in rows.values():
        assert row["transfer"]["trained_on"] == row["trained_on"]
        assert set(row["transfer"]["f1"]) == {"ss_agn", "fs_agn", "sfg"}
    assert all("classifier={model:" in c for c in RECORD["commands"][2:])
