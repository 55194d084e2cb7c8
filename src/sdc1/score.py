"""Score report of one frequency: SDC score, classification metrics and baselines side by side."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from sdc1.catalogue import pa_for_class
from sdc1.class_counts import population_counts
from sdc1.classify import CLASS_NAMES, CLASSES, classification_metrics
from sdc1.io import SDC1_COLUMNS
from sdc1.model import TrainedModel
from sdc1.ska_score import candidate_truth, detection_scores, score_catalogue
from sdc1.uncertainty import BlockBootstrap, bootstrap_intervals

logger = logging.getLogger(__name__)


def evaluation_rows(labels: pd.DataFrame, whole_image_training: bool) -> np.ndarray:
    """Rows on which classification is judged.

    Matched sources outside the training area; where the whole image is training
    area (the real cutouts), every matched source, whose prediction is out-of-fold.
    """
    matched = labels["true_class"].notna().to_numpy()
    if whole_image_training:
        return matched
    return matched & ~labels["in_training_area"].to_numpy(bool)


#: Default peak signal-to-noise floors of the ``by_snr`` classification breakdown.
DEFAULT_SNR_FLOORS: tuple[float, ...] = (10.0, 20.0, 50.0)


def metrics_by_snr(
    true: np.ndarray,
    snr: np.ndarray,
    classes: dict[str, np.ndarray],
    floors: tuple[float, ...] = DEFAULT_SNR_FLOORS,
) -> list[dict[str, Any]]:
    """Macro F1 of each set of ``classes`` on the sources at or above each signal-to-noise floor.

    Spectral indices and sizes of faint sources are dominated by noise (the index
    error is about 0.2 at peak S/N 5-10), so the classes they separate only show
    on the brighter sources; this breakdown says how much of the shortfall is noise.

    Parameters
    ----------
    true : numpy.ndarray
        True classes of the evaluated sources.
    snr : numpy.ndarray
        Their measured peak signal-to-noise.
    classes : dict
        Name -> predicted classes of the same sources (e.g. the submitted and the
        single-frequency ones).
    floors : tuple of float
        Signal-to-noise floors, each giving one entry.

    Returns
    -------
    list of dict
        Per floor: ``min_snr``, ``n_sources``, ``support`` (per class) and, per
        name in ``classes``, ``{"macro_f1", "f1"}`` (``f1`` per class).
    """
    true = np.asarray(true, dtype=int)
    snr = np.asarray(snr, dtype=float)
    entries = []
    for floor in floors:
        keep = snr >= floor
        entry: dict[str, Any] = {
            "min_snr": float(floor),
            "n_sources": int(keep.sum()),
            "support": {CLASS_NAMES[c]: int(np.sum(true[keep] == c)) for c in CLASSES},
        }
        for name, predicted in classes.items():
            metrics = classification_metrics(true[keep], np.asarray(predicted)[keep])
            entry[name] = {
                "macro_f1": metrics["macro_f1"],
                "f1": {k: v["f1"] for k, v in metrics["per_class"].items()},
            }
        entries.append(entry)
    return entries


def score_frequency(
    predictions: pd.DataFrame,
    labels: pd.DataFrame,
    truth: pd.DataFrame,
    freq: int,
    model: TrainedModel,
    *,
    whole_image_training: bool,
    mode: int = 0,
    snr_floors: tuple[float, ...] = DEFAULT_SNR_FLOORS,
    bootstrap: BlockBootstrap | None = None,
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
    freq : int
        Frequency in MHz.
    model : TrainedModel
        The train step's model: its primary feature set is the submitted one, and its
        ``fallback`` (where no classifier could be trained and every source got the
        fallback class) is logged and reported as ``classification.fallback``
        (``{"class", "reason"}``; None: classes come from a trained model).
    whole_image_training : bool
        The image lies inside the training area: ska-sdc scores with
        ``train=True`` and classification is judged out-of-fold.
    mode : int, optional
        ska-sdc position mode (``config.score.mode``): 0 core positions, 1 centroids.
    snr_floors : tuple of float, optional
        Signal-to-noise floors of ``classification.by_snr`` (:func:`metrics_by_snr`).
    bootstrap : BlockBootstrap, optional
        Settings of the sky-block bootstrap of ``intervals``; None: no intervals.

    Returns
    -------
    dict
        ska-sdc's figures (``score``, ``n_det``, ``n_false``, ...), ``predicted_false``
        (:func:`predicted_false`), ``classification`` (with ``population``,
        :func:`sdc1.class_counts.population_counts`, and ``training_area``,
        :func:`training_area_metrics`, where the image is not all training area) and
        ``baselines`` (``all_sfg``, ``single_frequency``: ``macro_f1`` and ``score``),
        and with ``bootstrap``, ``intervals`` (:func:`sdc1.uncertainty.bootstrap_intervals`).
    """
    primary = model.primary
    if model.fallback is not None:
        logger.warning(
            "%d MHz: classes are the fallback (every source class %d): %s",
            freq,
            model.fallback.class_,
            model.fallback.reason,
        )
    table = predictions.merge(
        labels[["id", "true_class", "in_training_area"]], on="id", validate="1:1"
    )
    rows = evaluation_rows(table, whole_image_training)
    true = table.loc[rows, "true_class"].to_numpy(int)
    # Every scoring below submits these positions and sizes (classes and position
    # angles change, and neither moves a candidate): cut the truth to their reach once.
    truth = candidate_truth(table, truth, freq, mode=mode)

    def sdc_score(classes: np.ndarray) -> dict[str, Any]:
        submission = table.loc[:, list(SDC1_COLUMNS)].copy()
        submission["class"] = classes
        if "pa_error" in table.columns:
            submission["pa"] = pa_for_class(table["pa"], table["pa_error"], classes)
        return score_catalogue(submission, truth, freq, train=whole_image_training, mode=mode)

    def probabilities(feature_set: str) -> np.ndarray:
        return table.loc[rows, [f"p{c}_{feature_set}" for c in CLASSES]].to_numpy(float)

    result = sdc_score(table["class"].to_numpy(int))
    result["predicted_false"] = predicted_false(table, whole_image_training)
    result["classification"] = classification_metrics(
        true, table.loc[rows, f"class_{primary}"].to_numpy(int), probabilities(primary)
    )
    result["classification"]["feature_set"] = primary
    result["classification"]["fallback"] = (
        None if model.fallback is None else model.fallback.as_dict()
    )
    result["classification"]["evaluated_on"] = (
        "out-of-fold predictions of matched sources (image inside the training area)"
        if whole_image_training
        else "matched sources outside the training area"
    )
    if model.trained_on is not None:
        result["classification"]["evaluated_on"] = (
            f"matched sources, classified by the model trained on {model.trained_on}"
        )
    result["classification"]["trained_on"] = model.trained_on
    if not whole_image_training:
        result["classification"]["training_area"] = training_area_metrics(table, primary, freq)
    if {"flux", "snr"} <= set(table.columns):
        result["classification"]["population"] = population_counts(
            true,
            table.loc[rows, f"class_{primary}"].to_numpy(int),
            probabilities(primary),
            table.loc[rows, "flux"].to_numpy(float),
            table.loc[rows, "snr"].to_numpy(float),
            table.loc[rows, "pb_response"].to_numpy(float) if "pb_response" in table else None,
        )
    all_sfg = np.full(len(table), 3)
    single = table["class_single"].to_numpy(int)
    if "snr" in table.columns:
        result["classification"]["by_snr"] = metrics_by_snr(
            true,
            table.loc[rows, "snr"].to_numpy(float),
            {
                primary: table.loc[rows, f"class_{primary}"].to_numpy(int),
                "single_frequency": single[rows],
            },
            tuple(snr_floors),
        )
    result["baselines"] = {
        "all_sfg": {
            "macro_f1": classification_metrics(true, all_sfg[rows])["macro_f1"],
            "score": sdc_score(all_sfg)["score"],
        },
        "single_frequency": {
            "macro_f1": classification_metrics(true, single[rows], probabilities("single"))[
                "macro_f1"
            ],
            "score": sdc_score(single)["score"],
        },
    }
    result["train_area"] = whole_image_training
    if bootstrap is not None:
        submission = table.loc[:, list(SDC1_COLUMNS)].copy()
        true_class = np.full(len(table), np.nan)
        true_class[rows] = true
        result["intervals"] = bootstrap_intervals(
            table["ra_cent"].to_numpy(float),
            table["dec_cent"].to_numpy(float),
            detection_scores(submission, truth, freq, train=whole_image_training, mode=mode),
            true_class,
            table[f"class_{primary}"].to_numpy(int),
            table[[f"p{c}_{primary}" for c in CLASSES]].to_numpy(float),
            bootstrap,
        )
    return result


def training_area_metrics(table: pd.DataFrame, feature_set: str, freq: int) -> dict[str, Any]:
    """Classification metrics of the matched sources inside the training area, out-of-fold.

    An image that only partly overlaps the training area is judged outside it;
    this is the other part, with its own support, reported beside it and logged.
    """
    inside = table["true_class"].notna().to_numpy() & table["in_training_area"].to_numpy(bool)
    metrics = classification_metrics(
        table.loc[inside, "true_class"].to_numpy(int),
        table.loc[inside, f"class_{feature_set}"].to_numpy(int),
        table.loc[inside, [f"p{c}_{feature_set}" for c in CLASSES]].to_numpy(float),
    )
    metrics["evaluated_on"] = "out-of-fold predictions of matched sources inside the training area"
    logger.info(
        "%d MHz: judged on %d matched sources outside the training area; inside it, "
        "out-of-fold, macro F1 %s on %d sources (classification.training_area)",
        freq,
        int((table["true_class"].notna() & ~table["in_training_area"].astype(bool)).sum()),
        metrics["macro_f1"],
        metrics["n_sources"],
    )
    return metrics


def predicted_false(table: pd.DataFrame, whole_image_training: bool) -> float | None:
    """False detections expected in the scored area: the sum of ``1 - reliability``.

    The scored area is the training area where the whole image lies in it, and
    the rest of the image otherwise (ska-sdc's ``train`` flag). None when the
    catalogue has no ``reliability`` column.
    """
    if "reliability" not in table.columns:
        return None
    scored = table["in_training_area"].to_numpy(bool) == bool(whole_image_training)
    return round(float((1.0 - table.loc[scored, "reliability"].to_numpy(float)).sum()), 2)


def describe_score(result: dict[str, Any]) -> str:
    """One line for the log: score, macro F1 beside the baselines', and the sources judged."""
    classification, baselines = result["classification"], result["baselines"]
    return (
        f"score {result['score']:.1f}, {result['n_false']} false detections "
        f"({result.get('predicted_false')} predicted), macro F1 {classification['macro_f1']} "
        f"(all-SFG {baselines['all_sfg']['macro_f1']}, "
        f"single-frequency {baselines['single_frequency']['macro_f1']}) "
        f"on {classification['n_sources']} sources"
    )
