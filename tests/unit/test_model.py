"""The trained model of one frequency: fallback, predictions table, saving."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.classify import ClassifierSettings
from sdc1.model import (
    Fallback,
    TrainedModel,
    class_counts,
    load_model,
    predict_frequency,
    predictions_for,
    save_model,
    train_frequency,
)
from tests.unit.test_classify import labelled_table


def test_settings_defaults_are_the_config_values() -> None:
    import yaml

    config = yaml.safe_load((Path(__file__).parents[2] / "config" / "config.yaml").read_text())
    assert ClassifierSettings.from_config(config["classifier"]) == ClassifierSettings()


def test_trained_model_predicts_with_its_decision_weights(tmp_path: Path) -> None:
    table = labelled_table(300)
    model, probabilities = train_frequency(
        table, 560, ClassifierSettings(n_estimators=20, n_folds=3)
    )
    assert isinstance(model, TrainedModel) and model.fallback is None
    assert list(model.feature_sets) == ["multi", "single"]
    save_model(model, tmp_path / "model.joblib")
    again = load_model(tmp_path / "model.joblib")
    assert again.primary == "multi" and again.n_labelled == model.n_labelled
    catalogue = table[["id", "ra_core", "dec_core"]]
    predictions = predict_frequency(catalogue, probabilities, again)
    # The same table, column for column, as the predict script built before TrainedModel.
    expected = catalogue.merge(probabilities, on="id", validate="1:1")
    for feature_set in ("multi", "single"):
        weights = model.feature_sets[feature_set].decision_weights
        classes, probs = predictions_for(expected, feature_set, weights)
        expected[f"class_{feature_set}"] = classes
        expected[f"confidence_{feature_set}"] = probs.max(axis=1)
    expected["class"] = expected["class_multi"]
    pd.testing.assert_frame_equal(predictions, expected)
    assert sum(class_counts(predictions["class"]).values()) == len(table)


def test_untrainable_frequency_gets_the_fallback() -> None:
    table = labelled_table(60)
    table["true_class"] = np.where(table["true_class"].notna(), 3.0, np.nan)
    model, _ = train_frequency(table, 560, ClassifierSettings(n_estimators=10))
    assert model.fallback is not None and model.fallback.class_ == 3
    assert "fewer than two classes" in model.fallback.reason
    assert model.fallback.as_dict() == {"class": 3, "reason": model.fallback.reason}


def test_load_model_refuses_an_old_dict(tmp_path: Path) -> None:
    import joblib

    joblib.dump({"primary": "multi"}, tmp_path / "old.joblib")
    with pytest.raises(TypeError, match="retrain"):
        load_model(tmp_path / "old.joblib")


def test_fallback_is_a_value() -> None:
    assert Fallback(3, "x") == Fallback(3, "x")
