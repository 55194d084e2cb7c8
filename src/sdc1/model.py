"""The trained classifier of one frequency: training, fallback, and its predictions table.

:func:`train_frequency` fits the configured feature set and the single-frequency
baseline side by side and returns a :class:`TrainedModel` (saved with joblib by the
train step); :func:`predict_frequency` turns it and the probabilities into the
predictions table of the predict step.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sdc1.catalogue import pa_for_class
from sdc1.classify import (
    CLASS_NAMES,
    CLASSES,
    ClassifierSettings,
    class_probabilities,
    feature_importances,
    predict_classes,
    train_and_predict,
)
from sdc1.errors import InputError
from sdc1.io import atomic_path

__all__ = [
    "FALLBACK_CLASS",
    "BASELINE_FEATURE_SET",
    "Fallback",
    "FeatureSetModel",
    "TrainedModel",
    "apply_model",
    "class_counts",
    "fallback_reason",
    "feature_sets",
    "load_model",
    "predict_frequency",
    "predictions_for",
    "save_model",
    "train_frequency",
]

logger = logging.getLogger(__name__)

#: Class given to every source of a frequency where no classifier can be trained: star-forming
#: galaxies are about 95% of SDC1 sources, and "everything SFG" is the ``all_sfg`` baseline
#: that every score file reports anyway. (A model from another frequency is not used: its
#: features are named after its own frequency and counterparts.)
FALLBACK_CLASS: int = 3

#: Feature set of the published solution's single-frequency approach, always trained
#: beside the configured one as the baseline.
BASELINE_FEATURE_SET: str = "single"


@dataclass(frozen=True)
class Fallback:
    """Why every source of a frequency gets :data:`FALLBACK_CLASS` (no classifier trained).

    Attributes
    ----------
    class_ : int
        The class every source gets.
    reason : str
        One line, from :func:`fallback_reason`.
    """

    class_: int
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """The score file's ``classification.fallback`` entry: ``{"class", "reason"}``."""
        return {"class": self.class_, "reason": self.reason}


@dataclass
class FeatureSetModel:
    """The classifier of one feature set.

    Attributes
    ----------
    model : CalibratedClassifierCV or None
        The calibrated forest fitted on every labelled training-area source
        (None where the labels cannot support one, see :func:`sdc1.classify.fit_classifier`).
    columns : list of str
        Feature columns, in the model's order.
    importances : dict
        Feature -> mean impurity importance, most important first (empty without a model).
    decision_weights : list of float
        Per-class weights of the probabilities for the class decision
        (:func:`sdc1.classify.predict_classes`); ones for ``argmax``.
    """

    model: Any | None
    columns: list[str]
    importances: dict[str, float]
    decision_weights: list[float]


@dataclass
class TrainedModel:
    """Everything the train step learnt for one frequency.

    Attributes
    ----------
    freq : int
        Frequency in MHz.
    primary : str
        The configured feature set (``classifier.features``): its classes are submitted.
    feature_sets : dict
        Feature set name -> :class:`FeatureSetModel`; the primary one first, then
        :data:`BASELINE_FEATURE_SET` (one entry when they are the same).
    n_labelled : int
        Labelled sources inside the training area (the training set).
    fallback : Fallback or None
        Set where the primary feature set has no model and every source gets the
        fallback class.
    trained_on : str or None
        The dataset it was trained on, where it classifies another one.
    """

    freq: int
    primary: str
    feature_sets: dict[str, FeatureSetModel]
    n_labelled: int
    fallback: Fallback | None = None
    #: The dataset the model was trained on, where it classifies another one
    #: (:func:`apply_model`); None where it was trained on the dataset it classifies.
    trained_on: str | None = None

    @property
    def primary_model(self) -> FeatureSetModel:
        """The :class:`FeatureSetModel` of the primary feature set."""
        return self.feature_sets[self.primary]


def feature_sets(primary: str) -> tuple[str, ...]:
    """The feature sets trained for ``primary``: it, then the baseline (no duplicate)."""
    return tuple(dict.fromkeys((primary, BASELINE_FEATURE_SET)))


def fallback_reason(true_class: np.ndarray | pd.Series, freq: int, min_members: int) -> str:
    """Say why no classifier can be trained from a frequency's labelled training-area sources.

    Parameters
    ----------
    true_class : array-like
        True classes of the labelled sources inside the training area (NaN entries are ignored).
    freq : int
        Frequency in MHz, for the message.
    min_members : int
        Fewest members a class needs to be trained on (``classifier.calibration_folds``,
        see :func:`sdc1.classify.fit_classifier`).

    Returns
    -------
    str
        One line, e.g. ``"no labelled sources in the 1400 MHz training area"``.
    """
    labels = pd.Series(np.asarray(true_class, dtype=float)).dropna().astype(int)
    if len(labels) == 0:
        return f"no labelled sources in the {freq} MHz training area"
    counts = ", ".join(
        f"{CLASS_NAMES.get(c, c)} {n}" for c, n in labels.value_counts().sort_index().items()
    )
    return (
        f"{len(labels)} labelled sources in the {freq} MHz training area ({counts}): fewer than "
        f"two classes with at least {min_members} members (classifier.calibration_folds)"
    )


def _fallback(table: pd.DataFrame, freq: int, min_members: int) -> Fallback:
    training = table["in_training_area"].astype(bool) & table["true_class"].notna()
    reason = fallback_reason(table.loc[training, "true_class"], freq, min_members)
    return Fallback(FALLBACK_CLASS, reason)


def train_frequency(
    table: pd.DataFrame, freq: int, settings: ClassifierSettings, n_jobs: int = 1
) -> tuple[TrainedModel, pd.DataFrame]:
    """Train the configured and the single-frequency models of one frequency.

    Where the configured feature set gets no model (no labelled sources in the
    training area, or fewer than two classes with enough members), the result's
    ``fallback`` says so and why, and a warning is logged.

    Parameters
    ----------
    table : pandas.DataFrame
        This frequency's rows of the feature table joined with their labels
        (``true_class``, ``in_training_area``).
    freq : int
        Frequency in MHz.
    settings : ClassifierSettings
        ``config.classifier``.
    n_jobs : int, optional
        Parallel jobs of the forests.

    Returns
    -------
    model : TrainedModel
        The models of both feature sets, their importances and decision weights.
    probabilities : pandas.DataFrame
        ``id``, per feature set ``p1_<set>``, ``p2_<set>``, ``p3_<set>`` and the
        decision weights ``w1_<set>``, ``w2_<set>``, ``w3_<set>`` (nested where
        labelled: :func:`sdc1.classify.nested_decision_weights`), and
        ``out_of_fold`` for every row (out-of-fold where labelled).
    """
    from sdc1.features import feature_columns

    out = pd.DataFrame({"id": table["id"].to_numpy()})
    models: dict[str, FeatureSetModel] = {}
    n_labelled = 0
    for feature_set in feature_sets(settings.features):
        columns = feature_columns(table, freq, feature_set)
        model, probs, labelled, weights, row_weights = train_and_predict(
            table, columns, settings, n_jobs
        )
        models[feature_set] = FeatureSetModel(
            model, columns, feature_importances(model, columns), weights.tolist()
        )
        for i, cls in enumerate(CLASSES):
            out[f"p{cls}_{feature_set}"] = probs[:, i]
        for i, cls in enumerate(CLASSES):
            out[f"w{cls}_{feature_set}"] = row_weights[:, i]
        # Column position matters for byte-identical tables: reassigned after each set.
        out["out_of_fold"] = labelled
        n_labelled = int(labelled.sum())
    trained = TrainedModel(freq, settings.features, models, n_labelled)
    if trained.primary_model.model is None:
        trained.fallback = _fallback(table, freq, settings.calibration_folds)
        logger.warning(
            "%d MHz: no classifier: every source falls back to class %d (SFG): %s",
            freq,
            FALLBACK_CLASS,
            trained.fallback.reason,
        )
    return trained, out


def apply_model(
    table: pd.DataFrame, model: TrainedModel, feature_set: str, *, trained_on: str
) -> tuple[TrainedModel, pd.DataFrame]:
    """Classify a dataset's sources with a model trained on another dataset.

    Parameters
    ----------
    table : pandas.DataFrame
        This frequency's rows of the feature table.
    model : TrainedModel
        The model of the same frequency from another run (``classifier.model``).
    feature_set : str
        ``classifier.features``: the feature set whose classes are submitted. The
        single-frequency baseline is applied beside it, as in training.
    trained_on : str
        Where the model was trained (its card's dataset), for the score files.

    Returns
    -------
    model : TrainedModel
        ``model`` with ``feature_set`` as its primary and only the applied feature
        sets, marked ``trained_on``.
    probabilities : pandas.DataFrame
        :func:`train_frequency`'s table without decision-weight columns (the model's
        own weights apply) and ``out_of_fold`` false: no source was seen in training.

    Raises
    ------
    InputError
        When the model lacks ``feature_set`` or the table lacks one of its features.
    """
    applied: dict[str, FeatureSetModel] = {}
    out = pd.DataFrame({"id": table["id"].to_numpy()})
    for name in feature_sets(feature_set):
        if name not in model.feature_sets:
            raise InputError(
                f"the {model.freq} MHz model has no {name!r} classifier "
                f"(it has {', '.join(model.feature_sets)})"
            )
        trained = model.feature_sets[name]
        missing = [c for c in trained.columns if c not in table.columns]
        if missing:
            raise InputError(
                f"the {model.freq} MHz {name!r} classifier needs features this dataset "
                f"lacks: {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}"
            )
        applied[name] = trained
        probs = class_probabilities(trained.model, table[trained.columns])
        for i, cls in enumerate(CLASSES):
            out[f"p{cls}_{name}"] = probs[:, i]
    out["out_of_fold"] = False
    fallback = model.fallback if applied[feature_set].model is None else None
    result = TrainedModel(
        model.freq, feature_set, applied, model.n_labelled, fallback, trained_on=trained_on
    )
    return result, out


def predictions_for(
    probabilities: pd.DataFrame, feature_set: str, weights: list[float] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Class and ``(n, 3)`` probabilities of one feature set from :func:`train_frequency`'s table.

    Each row's own decision weights (``w<c>_<set>`` columns) where the table has
    them, else ``weights``, the feature set's
    (:attr:`FeatureSetModel.decision_weights`).
    """
    probs = probabilities[[f"p{c}_{feature_set}" for c in CLASSES]].to_numpy(float)
    row_weights = [f"w{c}_{feature_set}" for c in CLASSES]
    if set(row_weights) <= set(probabilities.columns):
        return predict_classes(probs, probabilities[row_weights].to_numpy(float)), probs
    return predict_classes(probs, None if weights is None else np.asarray(weights)), probs


def predict_frequency(
    catalogue: pd.DataFrame, probabilities: pd.DataFrame, model: TrainedModel
) -> pd.DataFrame:
    """The predictions table: catalogue, probabilities, and each feature set's classes.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        The calibrated catalogue (SDC1 columns and measured extras).
    probabilities : pandas.DataFrame
        :func:`train_frequency`'s probabilities table.
    model : TrainedModel
        The train step's model (feature sets and decision weights).

    Returns
    -------
    pandas.DataFrame
        ``catalogue`` joined with ``probabilities`` on ``id``, plus per feature set
        ``class_<set>`` and ``confidence_<set>`` (top-class probability), and
        ``class``: the primary feature set's classes (the submission's), with
        ``pa`` written as the truth writes it for that class
        (:func:`sdc1.catalogue.pa_for_class`).
    """
    if model.fallback is not None:
        logger.warning(
            "no classifier for %s MHz (%s): every source is class %d",
            model.freq,
            model.fallback.reason,
            model.fallback.class_,
        )
    table = catalogue.merge(probabilities, on="id", validate="1:1")
    for feature_set, trained in model.feature_sets.items():
        logger.info("%s features: decision weights %s", feature_set, trained.decision_weights)
        classes, probs = predictions_for(table, feature_set, trained.decision_weights)
        table[f"class_{feature_set}"] = classes
        table[f"confidence_{feature_set}"] = probs.max(axis=1) if len(probs) else []
    table["class"] = table[f"class_{model.primary}"]
    if "pa_error" in table.columns:
        table["pa"] = pa_for_class(table["pa"], table["pa_error"], table["class"])
    return table


def class_counts(classes: np.ndarray | pd.Series) -> dict[int, int]:
    """Number of sources of each class of :data:`sdc1.classify.CLASSES`."""
    classes = np.asarray(classes)
    return {c: int((classes == c).sum()) for c in CLASSES}


def save_model(model: TrainedModel, path: str | os.PathLike) -> None:
    """Write ``model`` with joblib, atomically."""
    import joblib

    with atomic_path(path) as tmp:
        joblib.dump(model, tmp)


def load_model(path: str | os.PathLike) -> TrainedModel:
    """Read a model written by :func:`save_model`.

    Raises
    ------
    TypeError
        When the file holds something else (e.g. a dict from before :class:`TrainedModel`).
    """
    import joblib

    model = joblib.load(path)
    if not isinstance(model, TrainedModel):
        raise TypeError(f"{path}: not a TrainedModel but {type(model).__name__}; retrain")
    return model
