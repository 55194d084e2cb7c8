"""Flux and size corrections learned from truth, strictly out of fold.

PyBDSF's measurements of faint sources are biased: fluxes near the detection
threshold are boosted, and sizes of sources smaller than the beam cannot be
measured at all. Inside a training area the truth catalogue tells what the
measurements should have been, so a regression of ``log(true / measured)`` on
the measured quantities (signal-to-noise, sizes, number of components ...) can
correct them. To be honest about it, a source's corrected values must come from
a model that never saw that source's truth:

- :func:`spatial_folds` splits the sky into square blocks and deals the blocks
  to folds, so that neighbouring sources share a fold;
- :func:`fit_out_of_fold` corrects each training-area source with a model
  trained on the other folds only, and any source outside the training area
  with a model trained on every matched training-area source;
- :func:`fit_calibration` / :func:`apply_calibration` are the two halves,
  usable alone (train on one image's training area, apply to another image).

The same folds teach each source's probability of being matched by the scorer
(:func:`fit_match_model`). Where truth exists it replaces the negated-image
reliability (:mod:`sdc1.reliability`), which counts noise peaks only and misses
the false detections of a crowded field (blends, spurious extra components,
sources measured too far off to be accepted), and :func:`keep_reliable` cuts
with it.

Targets are expressed in the catalogue's own size convention (``size`` = 2,
Gaussian FWHM): truth sizes given as largest angular size or exponential scale
length are converted with ska-sdc's factors before the ratio is taken.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from sdc1.match import match_to_truth, tangent_plane_arcsec

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_FEATURES",
    "TARGETS",
    "Calibration",
    "apply_calibration",
    "calibration_features",
    "calibration_targets",
    "fit_calibration",
    "calibrate_frequency",
    "MATCH_FEATURES",
    "fit_match_model",
    "fit_out_of_fold",
    "keep_reliable",
    "spatial_folds",
]

#: Catalogue column corrected by each target, and the truth column it is learned from.
TARGETS: dict[str, str] = {"flux": "flux", "b_maj": "b_maj", "b_min": "b_min"}

#: Features of :func:`calibration_features`, by name.
DEFAULT_FEATURES: tuple[str, ...] = (
    "log_snr",
    "log_flux",
    "log_peak",
    "total_over_peak",
    "maj_over_beam",
    "min_over_beam",
    "dc_maj_over_beam",
    "dc_min_over_beam",
    "n_gaussians",
    "log_isl_over_total",
)

#: Features of the match-probability model (:func:`fit_match_model`): peak S/N, and the
#: number of Gaussians (spurious extra components are one kind of false detection). On
#: the real cutout, the sizes and fluxes on top made the cut worse (2,536 against 2,555).
MATCH_FEATURES: tuple[str, ...] = ("log_snr", "n_gaussians")

# ska-sdc size conversions (ska_sdc.common.utils.constants): to Gaussian FWHM.
_LAS_TO_GAUSS = 2.355 / 5.0
_EXPO_TO_GAUSS = 2.0**0.5


def spatial_folds(
    ra: np.ndarray | pd.Series,
    dec: np.ndarray | pd.Series,
    n_folds: int,
    seed: int,
    *,
    block_arcsec: float = 90.0,
) -> np.ndarray:
    """Assign sources to folds by sky block.

    The sky is cut into square blocks of ``block_arcsec`` on a side (on a
    tangent plane at the sources' median position); the blocks are shuffled
    with ``seed`` and dealt in turn to the folds, so each fold holds whole
    blocks and the folds are about equal in area.

    Parameters
    ----------
    ra, dec : array-like
        Positions in degrees.
    n_folds : int
        Number of folds (at least 2).
    seed : int
        Seed of the block shuffle.
    block_arcsec : float, optional
        Block side in arcsec.

    Returns
    -------
    numpy.ndarray
        Fold number (0 .. n_folds-1) of each source.
    """
    if n_folds < 2:
        raise ValueError(f"n_folds must be at least 2, got {n_folds}")
    ra = np.asarray(ra, dtype=float)
    dec = np.asarray(dec, dtype=float)
    if ra.size == 0:
        return np.zeros(0, dtype=int)
    xy = tangent_plane_arcsec(ra, dec, float(np.median(ra)), float(np.median(dec)))
    ij = np.floor(xy / block_arcsec).astype(np.int64)
    blocks, inverse = np.unique(ij, axis=0, return_inverse=True)
    order = np.random.default_rng(seed).permutation(len(blocks))
    fold_of_block = np.empty(len(blocks), dtype=int)
    fold_of_block[order] = np.arange(len(blocks)) % n_folds
    return fold_of_block[np.asarray(inverse).ravel()]


def calibration_features(
    catalogue: pd.DataFrame, beam_arcsec: float, features: Sequence[str] = DEFAULT_FEATURES
) -> np.ndarray:
    """Feature matrix of the calibration models, from a :func:`sdc1.catalogue.to_sdc1` table.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue with the measured columns of :func:`sdc1.catalogue.to_sdc1`.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec (sizes are expressed in beams).
    features : sequence of str, optional
        Names among :data:`DEFAULT_FEATURES`.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(catalogue), len(features))``.
    """
    c = catalogue
    tiny = 1e-30
    available = {
        "log_snr": lambda: np.log10(np.clip(c["snr"].to_numpy(float), 1e-3, None)),
        "log_flux": lambda: np.log10(np.clip(c["total_flux"].to_numpy(float), tiny, None)),
        "log_peak": lambda: np.log10(np.clip(c["peak_flux"].to_numpy(float), tiny, None)),
        "total_over_peak": lambda: (
            c["total_flux"].to_numpy(float) / np.clip(c["peak_flux"].to_numpy(float), tiny, None)
        ),
        "maj_over_beam": lambda: c["maj_raw"].to_numpy(float) / beam_arcsec,
        "min_over_beam": lambda: c["min_raw"].to_numpy(float) / beam_arcsec,
        "dc_maj_over_beam": lambda: c["dc_maj"].to_numpy(float) / beam_arcsec,
        "dc_min_over_beam": lambda: c["dc_min"].to_numpy(float) / beam_arcsec,
        "n_gaussians": lambda: c["n_gaussians"].to_numpy(float),
        "log_isl_over_total": lambda: np.log10(
            np.clip(c["isl_total_flux"].to_numpy(float), tiny, None)
            / np.clip(c["total_flux"].to_numpy(float), tiny, None)
        ),
    }
    unknown = [f for f in features if f not in available]
    if unknown:
        raise ValueError(f"unknown calibration features {unknown}; known: {sorted(available)}")
    if len(c) == 0:
        return np.zeros((0, len(features)))
    return np.column_stack([available[f]() for f in features]).astype(float)


def _truth_in_fwhm(values: np.ndarray, size_id: np.ndarray) -> np.ndarray:
    """Truth sizes converted to Gaussian FWHM (the catalogue's ``size`` = 2)."""
    factor = np.where(size_id == 1, _LAS_TO_GAUSS, np.where(size_id == 3, _EXPO_TO_GAUSS, 1.0))
    return values * factor


def calibration_targets(catalogue: pd.DataFrame, matches: pd.DataFrame) -> pd.DataFrame:
    """Targets ``log10(true / measured)`` for the matched catalogue rows.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue (``flux``, ``b_maj``, ``b_min``; ``size`` = 2 assumed).
    matches : pandas.DataFrame
        Output of :func:`match_to_truth` for this catalogue.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``matches["cat_index"]``, one column per key of
        :data:`TARGETS`; NaN where a target is undefined (non-positive values,
        or b_min of truth sources sized by largest angular size, which ska-sdc
        does not score).
    """
    cat = catalogue.loc[matches["cat_index"]]
    size_t = matches["size_t"].to_numpy()
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for target, truth_col in TARGETS.items():
            true = matches[f"{truth_col}_t"].to_numpy(float)
            if target in ("b_maj", "b_min"):
                true = _truth_in_fwhm(true, size_t)
            ratio = np.log10(true / cat[target].to_numpy(float))
            ratio[~np.isfinite(ratio)] = np.nan
            if target == "b_min":
                ratio[size_t == 1] = np.nan
            out[target] = ratio
    return pd.DataFrame(out, index=matches["cat_index"].to_numpy())


@dataclass
class Calibration:
    """Fitted correction models, one per target (``log10(true / measured)``)."""

    features: tuple[str, ...]
    beam_arcsec: float
    models: dict[str, Any] = field(default_factory=dict)
    n_train: dict[str, int] = field(default_factory=dict)


def fit_calibration(
    catalogue: pd.DataFrame,
    matches: pd.DataFrame,
    beam_arcsec: float,
    *,
    seed: int,
    features: Sequence[str] = DEFAULT_FEATURES,
    targets: Sequence[str] = tuple(TARGETS),
    max_iter: int = 200,
    learning_rate: float = 0.05,
    max_leaf_nodes: int = 15,
    min_samples_leaf: int = 20,
    l2_regularization: float = 0.0,
    min_train: int = 30,
    n_threads: int | None = 1,
) -> Calibration:
    """Fit one gradient-boosting model per target on matched sources.

    Each model is a :class:`sklearn.ensemble.HistGradientBoostingRegressor`
    with absolute-error loss, i.e. it predicts the median of
    ``log10(true / measured)`` given the features.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue from :func:`sdc1.catalogue.to_sdc1`.
    matches : pandas.DataFrame
        :func:`match_to_truth` output for the rows to learn from.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec.
    seed : int
        ``random_state`` of the regressors.
    features : sequence of str, optional
        Feature names (see :func:`calibration_features`).
    targets : sequence of str, optional
        Which of :data:`TARGETS` to fit.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to the regressor.
    min_train : int, optional
        A target with fewer usable training rows is left uncorrected.
    n_threads : int or None, optional
        OpenMP threads for the regressors (None: the library default, all
        cores). One thread is fast at these sizes and avoids oversubscribing a
        shared machine.

    Returns
    -------
    Calibration
        The fitted models (absent for targets with too few rows).
    """
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits

    calib = Calibration(features=tuple(features), beam_arcsec=float(beam_arcsec))
    if len(matches) == 0:
        return calib
    X = calibration_features(catalogue.loc[matches["cat_index"]], beam_arcsec, features)
    y_all = calibration_targets(catalogue, matches)
    for target in targets:
        y = y_all[target].to_numpy(float)
        ok = np.isfinite(y)
        calib.n_train[target] = int(ok.sum())
        if ok.sum() < min_train:
            continue
        model = HistGradientBoostingRegressor(
            loss="absolute_error",
            max_iter=max_iter,
            learning_rate=learning_rate,
            max_leaf_nodes=max_leaf_nodes,
            min_samples_leaf=min_samples_leaf,
            l2_regularization=l2_regularization,
            random_state=seed,
        )
        with threadpool_limits(limits=n_threads, user_api="openmp"):
            model.fit(X[ok], y[ok])
        calib.models[target] = model
    return calib


def apply_calibration(catalogue: pd.DataFrame, calibration: Calibration) -> pd.DataFrame:
    """Apply fitted corrections: ``value * 10**prediction`` for each fitted target.

    The uncorrected values are kept in ``<target>_uncal`` columns. ``b_maj`` is
    kept at least as large as ``b_min`` after correction.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue from :func:`sdc1.catalogue.to_sdc1`.
    calibration : Calibration
        Output of :func:`fit_calibration`.

    Returns
    -------
    pandas.DataFrame
        A corrected copy.
    """
    out = catalogue.copy()
    for target in TARGETS:
        if f"{target}_uncal" not in out:
            out[f"{target}_uncal"] = out[target].astype(float)
    if len(out) == 0 or not calibration.models:
        return out
    X = calibration_features(out, calibration.beam_arcsec, calibration.features)
    from threadpoolctl import threadpool_limits

    for target, model in calibration.models.items():
        with threadpool_limits(limits=1, user_api="openmp"):
            log_ratio = model.predict(X)
        out[target] = out[f"{target}_uncal"].to_numpy(float) * 10.0**log_ratio
    swap = out["b_min"] > out["b_maj"]
    out.loc[swap, ["b_maj", "b_min"]] = out.loc[swap, ["b_min", "b_maj"]].to_numpy()
    return out


def fit_match_model(
    catalogue: pd.DataFrame,
    matched: np.ndarray,
    beam_arcsec: float,
    *,
    seed: int,
    min_train: int = 30,
) -> Any | None:
    """Classifier of a source's probability of matching the truth, from its measurements.

    A :class:`sklearn.ensemble.HistGradientBoostingClassifier` (log loss: its
    probabilities are calibrated enough to sum into expected counts) on
    :data:`MATCH_FEATURES`.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        The sources to learn from (training area, other folds).
    matched : numpy.ndarray
        Whether each was matched to the truth.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec.
    seed : int
        ``random_state`` of the classifier.
    min_train : int, optional
        Fewer matched or unmatched sources than this: no model (None).
    """
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    matched = np.asarray(matched, dtype=bool)
    if matched.sum() < min_train or (~matched).sum() < min_train:
        return None
    from sklearn.calibration import CalibratedClassifierCV

    # Boosted trees are over-confident on the sources they were fitted on: the
    # probabilities are calibrated on held-out thirds so that they sum into counts.
    model = CalibratedClassifierCV(
        HistGradientBoostingClassifier(
            max_iter=200,
            learning_rate=0.05,
            max_leaf_nodes=15,
            min_samples_leaf=20,
            random_state=seed,
        ),
        method="isotonic",
        cv=3,
    )
    with threadpool_limits(limits=1, user_api="openmp"):
        model.fit(calibration_features(catalogue, beam_arcsec, MATCH_FEATURES), matched)
    return model


def _match_probability(model: Any, rows: pd.DataFrame, beam_arcsec: float) -> np.ndarray:
    """``P(matched)`` of each row from a :func:`fit_match_model` model."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):
        features = calibration_features(rows, beam_arcsec, MATCH_FEATURES)
        return model.predict_proba(features)[:, list(model.classes_).index(True)]


def _calibrated_without(
    cat: pd.DataFrame,
    folds: np.ndarray,
    held_out: int,
    calibration_without: Callable[[frozenset[int]], Calibration],
) -> pd.DataFrame:
    """The training-area sources outside fold ``held_out``, each fold calibrated without itself
    and without ``held_out``: what the score would see, free of ``held_out``'s truth."""
    pieces = []
    for fold in sorted(set(folds[folds >= 0]) - {held_out}):
        calib = calibration_without(frozenset({fold, held_out}))
        pieces.append(apply_calibration(cat[folds == fold], calib))
    return pd.concat(pieces) if pieces else cat.iloc[:0]


def fit_out_of_fold(
    catalogue: pd.DataFrame,
    truth: pd.DataFrame,
    beam_arcsec: float,
    *,
    n_folds: int = 5,
    seed: int = 0,
    block_arcsec: float = 90.0,
    in_train: np.ndarray | pd.Series | None = None,
    radius_beams: float = 1.0,
    learn_reliability: bool = False,
    label_matches: Callable[[pd.DataFrame], np.ndarray] | None = None,
    **fit_kwargs: Any,
) -> pd.DataFrame:
    """Correct a catalogue with models that never saw each source's own truth.

    Sources inside the training area (``in_train``) are dealt to spatial folds
    (:func:`spatial_folds`); each fold is corrected by a model fitted on the
    matched sources of the other folds. Sources outside the training area are
    corrected by a model fitted on every matched training-area source.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Catalogue from :func:`sdc1.catalogue.to_sdc1`.
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns) covering the training area.
    beam_arcsec : float
        Restoring-beam FWHM in arcsec.
    n_folds : int, optional
        Number of spatial folds.
    seed : int, optional
        Seed of the fold assignment and of the regressors.
    block_arcsec : float, optional
        Side of the spatial blocks dealt to folds.
    in_train : array-like of bool or None, optional
        Which catalogue rows lie inside the training area; None means all.
    radius_beams : float, optional
        Match radius (see :func:`match_to_truth`).
    learn_reliability : bool, optional
        Also learn each source's probability of matching the truth
        (:func:`fit_match_model`), out-of-fold the same way: it becomes the
        ``reliability`` column, the negated-image one is kept as
        ``reliability_noise``. A fold whose model cannot be fitted keeps the
        negated-image value.
    label_matches : callable, optional
        Which rows of a (calibrated) catalogue count as matched, for the
        reliability models: the scorer's own matching
        (:func:`sdc1.ska_score.matched_by_scorer`). A fold's model learns
        from the other folds calibrated without that fold's truth, so its
        labels never depend on it. By default, whether :func:`match_to_truth`
        matched each source as measured.
    **fit_kwargs
        Passed to :func:`fit_calibration` (features, targets, regressor settings).

    Returns
    -------
    pandas.DataFrame
        Corrected copy of ``catalogue`` (see :func:`apply_calibration`) with a
        ``fold`` column (-1 for sources outside the training area).
    """
    cat = catalogue.reset_index(drop=True)
    train_mask = (
        np.ones(len(cat), dtype=bool) if in_train is None else np.asarray(in_train, dtype=bool)
    )
    folds = np.full(len(cat), -1, dtype=int)
    if train_mask.any():
        folds[train_mask] = spatial_folds(
            cat.loc[train_mask, "ra_core"],
            cat.loc[train_mask, "dec_core"],
            n_folds,
            seed,
            block_arcsec=block_arcsec,
        )
    matches = match_to_truth(cat[train_mask], truth, beam_arcsec, radius_beams=radius_beams)
    match_fold = folds[matches["cat_index"].to_numpy(dtype=int)]
    matched = np.zeros(len(cat), dtype=bool)
    matched[matches["cat_index"].to_numpy(dtype=int)] = True
    noise_reliability = (
        cat["reliability"].to_numpy(float) if "reliability" in cat else np.ones(len(cat))
    )
    reliability = noise_reliability.copy()
    # One calibration per set of excluded folds: the learned reliability asks for every pair of
    # folds, from both sides, and for each fold alone again (fold -1, outside the training
    # area, holds no matches, so excluding it changes nothing).
    calibrations: dict[frozenset[int], Calibration] = {}

    def calibration_without(excluded: frozenset[int]) -> Calibration:
        key = excluded - {-1}
        if key not in calibrations:
            teach = ~np.isin(match_fold, list(key))
            calibrations[key] = fit_calibration(
                cat, matches[teach], beam_arcsec, seed=seed, **fit_kwargs
            )
        return calibrations[key]

    pieces = []
    # Fold -1 (outside the training area) learns from every training-area source.
    for fold in [*range(n_folds), -1]:
        in_fold = folds == fold
        if not in_fold.any():
            continue
        teach = train_mask & ~in_fold
        pieces.append(apply_calibration(cat[in_fold], calibration_without(frozenset({fold}))))
        if learn_reliability:
            teachers, labels = cat[teach], matched[teach]
            if label_matches is not None:
                teachers = _calibrated_without(cat, folds, fold, calibration_without)
                labels = label_matches(teachers)
            model = fit_match_model(teachers, labels, beam_arcsec, seed=seed)
            if model is not None:
                reliability[in_fold] = _match_probability(model, cat[in_fold], beam_arcsec)
    if not pieces:
        out = apply_calibration(cat, Calibration(tuple(), beam_arcsec))
    else:
        out = pd.concat(pieces).sort_index()
    out["fold"] = folds
    if learn_reliability:
        out["reliability_noise"] = noise_reliability
        out["reliability"] = reliability
    return out


def keep_reliable(catalogue: pd.DataFrame, match_value: float) -> pd.DataFrame:
    """The sources whose expected score is positive, ``id`` renumbered from 0.

    Keeps ``reliability * match_value > 1 - reliability``
    (:func:`sdc1.reliability.keep_threshold`), and logs how many false
    detections are expected among them.
    """
    from sdc1.reliability import keep_threshold

    reliability = catalogue["reliability"].to_numpy(float)
    keep = reliability > keep_threshold(match_value)
    out = catalogue.loc[keep].reset_index(drop=True)
    out["id"] = np.arange(len(out))
    logger.info(
        "learned reliability: %d of %d sources kept; %.1f false expected among them",
        len(out),
        len(catalogue),
        float((1.0 - reliability[keep]).sum()),
    )
    return out


def calibrate_frequency(
    catalogue: pd.DataFrame,
    truth: pd.DataFrame,
    beam_arcsec: float,
    freq: int,
    *,
    match_value: float,
    reliability: bool = True,
    **settings: Any,
) -> pd.DataFrame:
    """:func:`fit_out_of_fold` with the training area of ``freq`` as the sources that may teach.

    Only training-area truth may teach; sources elsewhere get the model of all of it.
    With ``reliability``, the learned reliability replaces the negated-image one
    and only sources worth keeping (:func:`keep_reliable`, ``match_value``) remain.
    ``settings`` are the rest of ``config.calibrate`` (``n_folds``, ``seed``,
    ``block_arcsec``, ``radius_beams``).
    """
    from sdc1.ska_score import matched_by_scorer, truth_in_scored_area
    from sdc1.sky import in_training_area

    catalogue = catalogue.reset_index(drop=True)
    in_train = in_training_area(catalogue["ra_core"], catalogue["dec_core"], freq)
    # The scorer, asked about training-area matches, reads only training-area truth:
    # cut it once rather than have every fold's call prepare the whole field's.
    training_truth = truth_in_scored_area(truth, freq, train=True)

    def label_matches(rows: pd.DataFrame) -> np.ndarray:
        return matched_by_scorer(rows, training_truth, freq, train=True)

    out = fit_out_of_fold(
        catalogue,
        truth,
        beam_arcsec,
        in_train=in_train,
        learn_reliability=reliability,
        label_matches=label_matches,
        **settings,
    )
    return keep_reliable(out, match_value) if reliability else out
