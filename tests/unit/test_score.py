"""Parts of the score report: the training area judged apart, the predicted false count."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdc1.score import predicted_false, training_area_metrics


def judged_table() -> pd.DataFrame:
    """Ten matched sources in the training area (one misclassified), five outside, one false."""
    true = [3.0] * 8 + [1.0, 1.0] + [3.0] * 5 + [np.nan]
    predicted = [3] * 8 + [1, 3] + [3] * 5 + [3]
    inside = [True] * 10 + [False] * 6
    table = pd.DataFrame(
        {
            "true_class": true,
            "class_multi": predicted,
            "in_training_area": inside,
            "reliability": [1.0] * 10 + [0.9] * 5 + [0.6],
        }
    )
    for c in (1, 2, 3):
        table[f"p{c}_multi"] = (table["class_multi"] == c).astype(float)
    return table


def test_training_area_is_judged_apart_with_its_own_support(caplog) -> None:
    caplog.set_level("INFO")
    metrics = training_area_metrics(judged_table(), "multi", 560)
    assert metrics["n_sources"] == 10
    assert metrics["per_class"]["ss_agn"]["support"] == 2
    assert metrics["per_class"]["ss_agn"]["recall"] == pytest.approx(0.5)
    assert "inside the training area" in metrics["evaluated_on"]
    assert "judged on 5 matched sources outside the training area" in caplog.text


def test_predicted_false_sums_unreliability_over_the_scored_area() -> None:
    table = judged_table()
    assert predicted_false(table, whole_image_training=False) == pytest.approx(5 * 0.1 + 0.4)
    assert predicted_false(table, whole_image_training=True) == pytest.approx(0.0)
    assert predicted_false(table.drop(columns="reliability"), False) is None
