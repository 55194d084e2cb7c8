"""Score report of one frequency: the SDC score, classification metrics and baselines side by side."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sdc1.classify import CLASSES, classification_metrics
from sdc1.io import SDC1_COLUMNS
from sdc1.score import score_catalogue


def evaluation_rows(labels: pd.DataFrame, whole_image_training: bool) -> np.ndarray:
    """Rows on which classification is judged.

    Matched sources outside the training area; where the whole image is training
    area (the real cutouts), every matched source, whose prediction is out-of-fold.
    """
    matched = labels["true_class"].notna().to_numpy()
    if whole_image_training:
        return matched
    return matched & ~labels["in_training_area"].to_numpy(bool)


def evaluate_frequency(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    truth: pd.DataFrame,
    freq: int,
    *,
    whole_image_training: bool,
    primary: str,
    mode: int = 0,
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """SDC score of the submission, its classification metrics, and the baselines.

    Parameters
    ----------
    predictions : pandas.DataFrame
        The predict step's table: SDC1 columns, ``class_<set>`` and ``p<c>_<set>``
        for the primary and the ``single`` feature sets.
    labels : pandas.DataFrame
        The label step's table (``id``, ``true_class``, ``in_training_area``).
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    whole_image_training : bool
        The image lies inside the training area: ska-sdc scores with
        ``train=True`` and classification is judged out-of-fold.
    primary : str
        Feature set of the submitted classes.
    fallback : dict or None, optional
        The train step's ``fallback`` (``class``, ``reason``) where no classifier could be
        trained and every source got the fallback class; reported as
        ``classification.fallback`` (None: classes come from a trained model).

    Returns
    -------
    dict
        ska-sdc's figures (``score``, ``n_det``, ...), ``classification`` and
        ``baselines`` (``all_sfg``, ``single_frequency``: ``macro_f1`` and ``score``).
    """
    table = predictions.merge(labels[["id", "true_class", "in_training_area"]], on="id", validate="1:1")
    rows = evaluation_rows(table, whole_image_training)
    true = table.loc[rows, "true_class"].to_numpy(int)

    def sdc_score(classes: np.ndarray) -> dict[str, Any]:
        submission = table.loc[:, list(SDC1_COLUMNS)].copy()
        submission["class"] = classes
        return score_catalogue(submission, truth, freq, train=whole_image_training, mode=mode)

    def probabilities(feature_set: str) -> np.ndarray:
        return table.loc[rows, [f"p{c}_{feature_set}" for c in CLASSES]].to_numpy(float)

    result = sdc_score(table["class"].to_numpy(int))
    result["classification"] = classification_metrics(
        true, table.loc[rows, f"class_{primary}"].to_numpy(int), probabilities(primary)
    )
    result["classification"]["feature_set"] = primary
    result["classification"]["fallback"] = fallback
    result["classification"]["evaluated_on"] = (
        "out-of-fold predictions of matched sources (image inside the training area)"
        if whole_image_training
        else "matched sources outside the training area"
    )
    all_sfg = np.full(len(table), 3)
    single = table["class_single"].to_numpy(int)
    result["baselines"] = {
        "all_sfg": {
            "macro_f1": classification_metrics(true, all_sfg[rows])["macro_f1"],
            "score": sdc_score(all_sfg)["score"],
        },
        "single_frequency": {
            "macro_f1": classification_metrics(true, single[rows], probabilities("single"))["macro_f1"],
            "score": sdc_score(single)["score"],
        },
    }
    result["train_area"] = whole_image_training
    return result
