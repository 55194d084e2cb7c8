"""Source classification: a calibrated random forest and honest imbalanced-class metrics.

Classes follow SDC1: 1 steep-spectrum AGN, 2 flat-spectrum AGN, 3 star-forming
galaxy. About 95% of sources are SFGs, so accuracy (and the SDC score's class
term) rewards guessing "SFG"; per-class precision, recall, F1 and their macro
average say whether the AGN are found at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold

CLASSES: tuple[int, ...] = (1, 2, 3)
CLASS_NAMES: dict[int, str] = {1: "ss_agn", 2: "fs_agn", 3: "sfg"}


@dataclass
class ClassifierSettings:
    """Hyper-parameters of the random forest and its calibration (``config.classifier``).

    The defaults are those of ``config/config.yaml`` (where each setting is documented),
    so that library callers and the workflow agree.
    """

    n_estimators: int = 300
    max_depth: int | None = None
    min_samples_leaf: int = 2
    class_weight: str | None = "balanced_subsample"
    features: str = "multi"
    calibration: str = "isotonic"
    calibration_folds: int = 3
    n_folds: int = 5
    seed: int = 20190219
    decision: str = "macro_f1"
    importance_weights: bool = False
    self_training: float | None = None

    @classmethod
    def from_config(cls, section: dict[str, Any]) -> ClassifierSettings:
        """The settings of a ``config.classifier`` section.

        Its ``model`` key (a trained model to apply instead of training,
        :func:`sdc1.model.apply_model`) is not a hyper-parameter and is left out.
        """
        return cls(**{k: v for k, v in section.items() if k != "model"})


def make_classifier(settings: ClassifierSettings, n_jobs: int = 1) -> Any:
    """A random forest wrapped in cross-validated probability calibration."""
    forest = RandomForestClassifier(
        n_estimators=settings.n_estimators,
        max_depth=settings.max_depth,
        min_samples_leaf=settings.min_samples_leaf,
        class_weight=settings.class_weight,
        random_state=settings.seed,
        n_jobs=1,
    )
    # The calibration folds run in parallel, each forest on one thread: a forest's
    # probabilities summed over threads would be added in whatever order the threads
    # finish, and differ in the last digits from run to run.
    return CalibratedClassifierCV(
        forest, method=settings.calibration, cv=settings.calibration_folds, n_jobs=n_jobs
    )


@dataclass
class TrainingExtras:
    """What a fit may use beside its labelled rows (``config.classifier``'s options).

    Attributes
    ----------
    sample_weight : numpy.ndarray or None
        Importance weight of every labelled row (:func:`importance_weights`); None: equal.
    unlabelled : pandas.DataFrame or None
        Features of unlabelled sources, pseudo-labelled by each fit's own model
        where it is confident (``settings.self_training``); None: none used.
    elsewhere : tuple of (pandas.DataFrame, numpy.ndarray) or None
        Features and labels of sources labelled in another field: every fit, each
        fold's included, learns from them too, and none of them is judged
        (``docs/benchmarks/synthetic_transfer.py``); None: none used.
    """

    sample_weight: np.ndarray | None = None
    unlabelled: pd.DataFrame | None = None
    elsewhere: tuple[pd.DataFrame, np.ndarray] | None = None

    def subset(self, rows: np.ndarray) -> TrainingExtras:
        """The same extras for a subset of the labelled rows (one fold's training set)."""
        weight = None if self.sample_weight is None else self.sample_weight[rows]
        return TrainingExtras(weight, self.unlabelled, self.elsewhere)


def _fit_forest(
    features: np.ndarray,
    labels: np.ndarray,
    settings: ClassifierSettings,
    n_jobs: int,
    sample_weight: np.ndarray | None,
) -> Any | None:
    """The calibrated forest on these rows; None where the labels cannot support it."""
    present, counts = np.unique(labels, return_counts=True)
    if len(present) < 2:
        return None
    # Calibration cross-validation needs every class in every fold: drop too-rare classes.
    keep = np.isin(labels, present[counts >= settings.calibration_folds])
    if len(np.unique(labels[keep])) < 2:
        return None
    model = make_classifier(settings, n_jobs)
    weight = None if sample_weight is None else sample_weight[keep]
    model.fit(features[keep], labels[keep], sample_weight=weight)
    return model


def fit_classifier(
    features: pd.DataFrame,
    labels: np.ndarray,
    settings: ClassifierSettings,
    n_jobs: int = 1,
    extras: TrainingExtras | None = None,
) -> Any | None:
    """Fit the calibrated forest; None when the labels cannot support it (fewer than two classes
    or too few members for the calibration folds).

    With ``settings.self_training`` (a probability) and unlabelled rows in
    ``extras``, the forest is fitted twice: the first fit labels the unlabelled
    rows it gives at least that probability to one class, and the second learns
    from them too (self-training). The pseudo-labels come from this fit's own
    labelled rows only, so a fold's model never sees another fold's labels
    through them. Rows labelled elsewhere (``extras.elsewhere``) join every fit's
    labelled rows.
    """
    extras = extras or TrainingExtras()
    x = features.to_numpy(float)
    labels = np.asarray(labels, dtype=int)
    weight = extras.sample_weight
    if extras.elsewhere is not None:
        other_features, other_labels = extras.elsewhere
        x = np.vstack([x, other_features[features.columns].to_numpy(float)])
        labels = np.concatenate([labels, np.asarray(other_labels, dtype=int)])
        if weight is not None:
            weight = np.concatenate([weight, np.ones(len(other_labels))])
    model = _fit_forest(x, labels, settings, n_jobs, weight)
    if model is None or settings.self_training is None or extras.unlabelled is None:
        return model
    probs = class_probabilities(model, extras.unlabelled)
    confident = probs.max(axis=1) >= settings.self_training
    if not confident.any():
        return model
    pseudo = np.asarray(CLASSES)[probs[confident].argmax(axis=1)]
    x_all = np.vstack([x, extras.unlabelled.to_numpy(float)[confident]])
    weight_all = None
    if weight is not None:
        weight_all = np.concatenate([weight, np.ones(int(confident.sum()))])
    return _fit_forest(x_all, np.concatenate([labels, pseudo]), settings, n_jobs, weight_all)


#: Covariates of the training-area-versus-field shift: fainter sources and, for the same
#: flux, lower S/N where the primary beam is weaker.
SHIFT_COVARIATES: tuple[str, ...] = ("snr", "log_flux")


def importance_weights(table: pd.DataFrame, labelled: np.ndarray) -> np.ndarray:
    """Weights of the labelled rows that make them look like the field outside the training area.

    The labelled training area sits at the primary beam's centre, where the
    noise is lowest: the field's sources are fainter in S/N. A logistic
    regression on log S/N and log flux tells the field's sources from the
    labelled ones; its odds (density ratio) weight each labelled source,
    normalised to mean 1 and clipped to [0.2, 5] so that no few sources dominate.

    Returns
    -------
    numpy.ndarray
        One weight per labelled row; ones where there is no field, or no covariates.
    """
    from sklearn.linear_model import LogisticRegression

    labelled = np.asarray(labelled, bool)
    field = ~table["in_training_area"].to_numpy(bool)
    if not set(SHIFT_COVARIATES) <= set(table.columns) or field.sum() < 2 or labelled.sum() < 2:
        return np.ones(int(labelled.sum()))
    covariates = np.column_stack(
        [
            np.log(np.clip(table["snr"].to_numpy(float), 1e-3, None)),
            table["log_flux"].to_numpy(float),
        ]
    )
    usable = np.isfinite(covariates).all(axis=1)
    rows = (labelled | field) & usable
    domain = LogisticRegression().fit(covariates[rows], field[rows].astype(int))
    p_field = domain.predict_proba(np.nan_to_num(covariates[labelled]))[:, 1]
    odds = p_field / np.clip(1.0 - p_field, 1e-6, None)
    return np.clip(odds / odds.mean(), 0.2, 5.0)


def class_probabilities(
    model: Any | None, features: pd.DataFrame, fallback_class: int = 3
) -> np.ndarray:
    """Probabilities for the classes of :data:`CLASSES`, in that order (columns).

    Without a model (no training labels) every source gets ``fallback_class``
    with probability 1.
    """
    probs = np.zeros((len(features), len(CLASSES)))
    if model is None:
        probs[:, CLASSES.index(fallback_class)] = 1.0
        return probs
    if len(features) == 0:
        return probs
    predicted = model.predict_proba(features.to_numpy(float))
    for column, cls in enumerate(model.classes_):
        probs[:, CLASSES.index(int(cls))] = predicted[:, column]
    return probs


def predict_classes(probs: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Class of each row of ``probs``: the largest ``weights * probs`` (argmax without weights)."""
    if len(probs) == 0:
        return np.zeros(0, dtype=int)
    scaled = probs if weights is None else probs * np.asarray(weights, float)
    return np.asarray(CLASSES)[np.argmax(scaled, axis=1)]


#: Candidate weights of the AGN classes' probabilities (the SFG's is 1).
DECISION_WEIGHT_GRID: tuple[float, ...] = (
    1.0,
    1.5,
    2.0,
    3.0,
    4.0,
    6.0,
    8.0,
    12.0,
    16.0,
    24.0,
    32.0,
)


def macro_f1_weights(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-class probability weights maximising macro F1 of :func:`predict_classes` on ``labels``.

    Calibrated probabilities answer "how likely is this an AGN"; macro F1 asks
    for a decision that finds the rare classes without flooding them with SFGs,
    which argmax does not. The weights of the two AGN classes are searched on a
    grid (SFG fixed at 1); ties go to the smaller weights, nearest to argmax.
    ``probs`` must be out-of-fold, or the choice flatters itself.

    Returns
    -------
    numpy.ndarray
        Weights for :data:`CLASSES`; all ones without labels.
    """
    labels = np.asarray(labels, dtype=int)
    best = np.ones(len(CLASSES))
    if len(labels) == 0 or len(np.unique(labels)) < 2:
        return best
    best_f1 = -1.0
    present = np.isin(CLASSES, labels)
    for w1 in DECISION_WEIGHT_GRID:
        for w2 in DECISION_WEIGHT_GRID:
            weights = np.array([w1, w2, 1.0])
            f1 = precision_recall_fscore_support(
                labels, predict_classes(probs, weights), labels=list(CLASSES), zero_division=0
            )[2]
            score = float(np.mean(f1[present]))
            if score > best_f1 + 1e-12:
                best, best_f1 = weights, score
    return best


def spatial_groups(ra_deg: np.ndarray, dec_deg: np.ndarray, n_blocks: int) -> np.ndarray:
    """Group label of each position in an ``n_blocks`` x ``n_blocks`` grid over its bounding box.

    Folds made of whole sky blocks keep neighbours (and the counterparts they share)
    out of each other's training set.
    """
    ra = np.asarray(ra_deg, float)
    dec = np.asarray(dec_deg, float)
    if len(ra) == 0:
        return np.zeros(0, dtype=int)

    def bins(values: np.ndarray) -> np.ndarray:
        edges = np.quantile(values, np.linspace(0, 1, n_blocks + 1)[1:-1])
        return np.searchsorted(edges, values, side="right")

    return bins(ra) * n_blocks + bins(dec)


def group_folds(groups: np.ndarray, n_folds: int, seed: int | None = None) -> np.ndarray:
    """Fold of each row: whole sky blocks (``groups``) dealt by GroupKFold; -1 under 2 folds.

    With a ``seed`` the blocks are shuffled before they are dealt, so that runs with
    other seeds judge the classifier on other splits of the same sky (repeated
    out-of-fold evaluation); without one they are dealt by size, as GroupKFold does.
    """
    groups = np.asarray(groups)
    folds = np.full(len(groups), -1, dtype=int)
    n_splits = min(n_folds, len(np.unique(groups)))
    if n_splits < 2:
        return folds
    dummy = np.zeros(len(groups))
    splitter = GroupKFold(n_splits=n_splits, shuffle=seed is not None, random_state=seed)
    for fold, (_, test) in enumerate(splitter.split(dummy, dummy, groups)):
        folds[test] = fold
    return folds


def held_out_probabilities(
    features: pd.DataFrame,
    labels: np.ndarray,
    held_out: np.ndarray,
    settings: ClassifierSettings,
    n_jobs: int = 1,
    extras: TrainingExtras | None = None,
) -> np.ndarray:
    """Class probabilities of the ``held_out`` rows from a model fitted on all the others."""
    model = fit_classifier(
        features[~held_out],
        labels[~held_out],
        settings,
        n_jobs,
        (extras or TrainingExtras()).subset(~held_out),
    )
    return class_probabilities(model, features[held_out])


def out_of_fold_probabilities(
    features: pd.DataFrame,
    labels: np.ndarray,
    groups: np.ndarray,
    settings: ClassifierSettings,
    n_jobs: int = 1,
    extras: TrainingExtras | None = None,
) -> np.ndarray:
    """Class probabilities of labelled sources, each from a model that never saw its label.

    Folds are whole sky blocks (``groups``), so the estimate is not flattered by
    neighbouring sources.
    """
    probs = np.zeros((len(features), len(CLASSES)))
    folds = group_folds(groups, settings.n_folds, settings.seed)
    if folds.max() < 1:
        probs[:, CLASSES.index(3)] = 1.0
        return probs
    for fold in range(folds.max() + 1):
        test = folds == fold
        probs[test] = held_out_probabilities(features, labels, test, settings, n_jobs, extras)
    return probs


def nested_decision_weights(
    features: pd.DataFrame,
    labels: np.ndarray,
    groups: np.ndarray,
    settings: ClassifierSettings,
    n_jobs: int = 1,
    extras: TrainingExtras | None = None,
) -> np.ndarray:
    """Decision weights of each labelled source, chosen without its fold's labels.

    The weights that judge fold ``k`` are tuned (:func:`macro_f1_weights`) on
    the other folds' probabilities, each fold ``j`` predicted by a model fitted
    without folds ``j`` and ``k``: no label of fold ``k`` reaches them, so the
    macro F1 of fold ``k`` does not flatter itself. One model per pair of folds
    serves both of its folds.

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` weights, one row per source (ones where there are no folds).
    """
    labels = np.asarray(labels, dtype=int)
    weights = np.ones((len(labels), len(CLASSES)))
    folds = group_folds(groups, settings.n_folds, settings.seed)
    n_folds = folds.max() + 1
    if n_folds < 3:
        return weights
    # Each pair of folds held out together: one model serves both of them.
    held_out_pairs: dict[frozenset[int], tuple[np.ndarray, np.ndarray]] = {}
    for j in range(n_folds):
        for k in range(j + 1, n_folds):
            held_out = (folds == j) | (folds == k)
            held_out_pairs[frozenset((j, k))] = (
                np.flatnonzero(held_out),
                held_out_probabilities(features, labels, held_out, settings, n_jobs, extras),
            )
    for k in range(n_folds):
        probs = np.zeros((len(labels), len(CLASSES)))
        for j in range(n_folds):
            if j != k:
                rows, pair_probs = held_out_pairs[frozenset((j, k))]
                in_j = folds[rows] == j
                probs[rows[in_j]] = pair_probs[in_j]
        others = folds != k
        weights[folds == k] = macro_f1_weights(probs[others], labels[others])
    return weights


def expected_calibration_error(probs: np.ndarray, labels: np.ndarray, n_bins: int = 10) -> float:
    """Expected calibration error of the top-class probability (equal-width bins)."""
    if len(labels) == 0:
        return float("nan")
    confidence = probs.max(axis=1)
    correct = predict_classes(probs) == np.asarray(labels)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        members = bins == b
        if members.any():
            error += members.mean() * abs(correct[members].mean() - confidence[members].mean())
    return float(error)


def reliability_curve(
    probs: np.ndarray, labels: np.ndarray, n_bins: int = 10
) -> dict[str, list[float]]:
    """Mean confidence, accuracy and count per confidence bin (for the reliability diagram)."""
    confidence = probs.max(axis=1) if len(probs) else np.zeros(0)
    correct = predict_classes(probs) == np.asarray(labels)
    bins = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    curve: dict[str, list[float]] = {"confidence": [], "accuracy": [], "count": []}
    for b in range(n_bins):
        members = bins == b
        if members.any():
            curve["confidence"].append(float(confidence[members].mean()))
            curve["accuracy"].append(float(correct[members].mean()))
            curve["count"].append(int(members.sum()))
    return curve


def one_vs_rest_calibration(
    probability: np.ndarray, is_class: np.ndarray, n_bins: int = 10
) -> tuple[float, dict[str, list[float]]]:
    """Calibration of one class's probability against membership of that class.

    Returns
    -------
    error : float
        Its expected calibration error: the count-weighted mean gap between the
        mean probability and the fraction of members, over equal-width bins
        (NaN without sources).
    curve : dict
        ``probability`` (mean per bin), ``fraction`` (of members) and ``count``.
    """
    probability = np.asarray(probability, dtype=float)
    is_class = np.asarray(is_class, dtype=bool)
    curve: dict[str, list[float]] = {"probability": [], "fraction": [], "count": []}
    if len(probability) == 0:
        return float("nan"), curve
    bins = np.minimum((probability * n_bins).astype(int), n_bins - 1)
    error = 0.0
    for b in range(n_bins):
        members = bins == b
        if members.any():
            mean_p, fraction = probability[members].mean(), is_class[members].mean()
            error += members.mean() * abs(fraction - mean_p)
            curve["probability"].append(float(mean_p))
            curve["fraction"].append(float(fraction))
            curve["count"].append(int(members.sum()))
    return float(error), curve


def classification_metrics(
    true: np.ndarray, predicted: np.ndarray, probs: np.ndarray | None = None
) -> dict[str, Any]:
    """Per-class precision, recall, F1, support; macro F1, confusion matrix, ECE (with probs)."""
    true = np.asarray(true, dtype=int)
    predicted = np.asarray(predicted, dtype=int)
    if len(true) == 0:
        # Nothing to judge (e.g. no matched source outside the training area): say so, don't guess.
        zeros = np.zeros(len(CLASSES))
        precision = recall = f1 = zeros
        support = zeros.astype(int)
    else:
        precision, recall, f1, support = precision_recall_fscore_support(
            true, predicted, labels=list(CLASSES), zero_division=0
        )
    per_class = {
        CLASS_NAMES[c]: {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
        }
        for i, c in enumerate(CLASSES)
    }
    # Macro F1 over the classes that occur in the truth: a class absent from the
    # evaluation set says nothing about the classifier.
    present = [i for i, c in enumerate(CLASSES) if support[i] > 0]
    metrics: dict[str, Any] = {
        "per_class": per_class,
        "macro_f1": float(np.mean(f1[present])) if present else None,
        "n_sources": int(len(true)),
        "confusion_matrix": {
            "labels": list(CLASSES),
            "matrix": confusion_matrix(true, predicted, labels=list(CLASSES)).tolist()
            if len(true)
            else [[0] * len(CLASSES) for _ in CLASSES],
        },
    }
    if probs is not None:
        ece = expected_calibration_error(probs, true)
        metrics["expected_calibration_error"] = None if np.isnan(ece) else ece
        metrics["reliability"] = reliability_curve(probs, true)
        # One ECE is dominated by the SFGs: each class's own calibration, one against the rest.
        for i, c in enumerate(CLASSES):
            error, curve = one_vs_rest_calibration(probs[:, i], true == c)
            per_class[CLASS_NAMES[c]]["calibration_error"] = None if np.isnan(error) else error
            per_class[CLASS_NAMES[c]]["reliability"] = curve
    return metrics


def feature_importances(model: Any | None, columns: list[str]) -> dict[str, float]:
    """Mean impurity importance of each feature over the calibrated ensemble's forests."""
    if model is None:
        return {}
    forests = [c.estimator for c in model.calibrated_classifiers_]
    mean = np.mean([f.feature_importances_ for f in forests], axis=0)
    return {
        name: float(value) for name, value in sorted(zip(columns, mean), key=lambda kv: -kv[1])
    }


def labels_without_truth(catalogue: pd.DataFrame, freq: int) -> pd.DataFrame:
    """The labels table of a catalogue without truth: no true class, training area flagged.

    Returns
    -------
    pandas.DataFrame
        ``id``, ``true_class`` (all NaN), ``in_training_area``; classification then
        falls back to SFG (:data:`sdc1.model.FALLBACK_CLASS`).
    """
    from sdc1.sky import in_training_area

    return pd.DataFrame(
        {
            "id": catalogue["id"].to_numpy(),
            "true_class": np.full(len(catalogue), np.nan),
            "in_training_area": in_training_area(
                catalogue["ra_core"], catalogue["dec_core"], freq
            ),
        }
    )


def label_sources(
    catalogue: pd.DataFrame,
    truth: pd.DataFrame,
    freq: int,
    beam_arcsec: float,
    radius_beams: float = 1.0,
) -> pd.DataFrame:
    """True class of each source matched to the truth and whether it is in the training area.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Measured catalogue (``id``, ``ra_core``, ``dec_core``, ...).
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    freq : int
        Frequency in MHz (its training area).
    beam_arcsec : float
        Restoring-beam FWHM in arcsec.
    radius_beams : float, optional
        Match radius in beams (``config.label.match_radius_beams``).

    Returns
    -------
    pandas.DataFrame
        ``id``, ``true_class`` (NaN where unmatched), ``in_training_area``.
        Only rows with both a match and ``in_training_area`` may train a model;
        matched rows outside it are the evaluation set.
    """
    from sdc1.match import match_to_truth

    catalogue = catalogue.reset_index(drop=True)
    labels = labels_without_truth(catalogue, freq)
    matches = match_to_truth(
        catalogue, truth.reset_index(drop=True), beam_arcsec, radius_beams=radius_beams
    )
    if len(matches):
        true_class = labels["true_class"].to_numpy(copy=True)
        true_class[matches["cat_index"].to_numpy(int)] = matches["class_t"].to_numpy(float)
        labels["true_class"] = true_class
    return labels


def describe_labels(labels: pd.DataFrame) -> str:
    """One line for the log: sources, matched ones, and labelled ones in the training area."""
    matched = labels["true_class"].notna()
    return (
        f"{len(labels)} sources, {int(matched.sum())} matched to truth, "
        f"{int((matched & labels['in_training_area']).sum())} labelled in the training area"
    )


class FitResult(NamedTuple):
    """What :func:`train_and_predict` returns (unpacks as a 5-tuple)."""

    #: The calibrated forest fitted on every labelled row; None without usable labels.
    model: Any | None
    #: ``(n, 3)`` class probabilities of every row, columns in :data:`CLASSES` order.
    probabilities: np.ndarray
    #: Rows that are labelled and in the training area: their probabilities are out-of-fold.
    labelled: np.ndarray
    #: Decision weights for :func:`predict_classes` (ones unless ``decision == "macro_f1"``),
    #: tuned on every out-of-fold row: those of new sources.
    weights: np.ndarray
    #: ``(n, 3)`` decision weights of every row: labelled rows get weights tuned without their
    #: fold's labels (:func:`nested_decision_weights`), the others :attr:`weights`.
    row_weights: np.ndarray


def train_and_predict(
    table: pd.DataFrame,
    columns: list[str],
    settings: ClassifierSettings,
    n_jobs: int = 1,
) -> FitResult:
    """Fit on the labelled training-area rows of ``table``; probabilities for every row.

    Labelled training rows get out-of-fold probabilities (spatial folds), all
    other rows the probabilities of the model fitted on every labelled row.

    Parameters
    ----------
    table : pandas.DataFrame
        Feature columns plus ``true_class``, ``in_training_area``, ``ra_core``, ``dec_core``.
    columns : list of str
        Feature columns to train on.
    settings : ClassifierSettings
        ``config.classifier``.
    n_jobs : int, optional
        Parallel jobs of the forests.

    Returns
    -------
    FitResult
        ``model``, ``probabilities``, ``labelled`` (out-of-fold rows), ``weights``
        (:func:`macro_f1_weights` on the out-of-fold rows with
        ``settings.decision == "macro_f1"``, else ones) and ``row_weights``
        (labelled rows: :func:`nested_decision_weights`).
    """
    features = table[columns]
    labelled = table["in_training_area"].to_numpy(bool) & table["true_class"].notna().to_numpy()
    labels = table.loc[labelled, "true_class"].to_numpy(int)
    extras = TrainingExtras(
        importance_weights(table, labelled) if settings.importance_weights else None,
        features[~labelled] if settings.self_training is not None else None,
    )
    model = fit_classifier(features[labelled], labels, settings, n_jobs, extras)
    probs = class_probabilities(model, features)
    if model is not None and labelled.sum() > 0:
        groups = spatial_groups(
            table.loc[labelled, "ra_core"], table.loc[labelled, "dec_core"], settings.n_folds
        )
        probs[labelled] = out_of_fold_probabilities(
            features[labelled], labels, groups, settings, n_jobs, extras
        )
    weights = np.ones(len(CLASSES))
    row_weights = np.ones((len(table), len(CLASSES)))
    if model is not None and settings.decision == "macro_f1":
        weights = macro_f1_weights(probs[labelled], labels)
        row_weights[:] = weights
        row_weights[labelled] = nested_decision_weights(
            features[labelled], labels, groups, settings, n_jobs, extras
        )
    return FitResult(model, probs, labelled, weights, row_weights)
