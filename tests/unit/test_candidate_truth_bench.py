"""docs/benchmarks/candidate_truth.py on a constructed run: both ways in their own processes,
the same score, and the table."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sdc1.io import SDC1_COLUMNS
from tests.conftest import load_script

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks" / "candidate_truth.py"


def test_both_ways_score_the_same_and_the_cut_keeps_few_rows(tmp_path):
    from tests.unit.test_ska_score import synthetic_truth

    module = load_script(SCRIPT)
    # Outside the 560 MHz training area, as a whole field is scored: 200 truth sources 20"
    # apart, 20 of them found.
    truth = synthetic_truth(200)
    truth[["ra_core", "ra_cent"]] -= 3.0
    truth_dir = tmp_path / "data/ds/truth"
    truth_dir.mkdir(parents=True)
    truth.to_csv(truth_dir / "560mhz.txt", sep=" ", header=False, index=False)
    found = truth.iloc[::10].copy()
    found["flux"] *= np.linspace(0.8, 1.2, len(found))
    predictions = tmp_path / "results/ds/predictions/560mhz.csv"
    predictions.parent.mkdir(parents=True)
    found.loc[:, list(SDC1_COLUMNS)].to_csv(predictions, index=False)

    row = module.measure(tmp_path, "ds", 560, truth_dir)
    assert row["same_score"] is True
    assert (row["detections"], row["truth_rows"], row["candidate_rows"]) == (20, 200, 20)
    assert row["runs"]["whole"]["counts"][1] == 20  # every one matched
    assert row["runs"]["whole"]["peak_rss_gb"] > 0
    text = module.format_text([row])
    assert text.splitlines()[1].startswith("560   20")
    assert module.measure(tmp_path, "ds", 1400, truth_dir) is None  # no files: no row
