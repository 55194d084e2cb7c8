"""Scoring SDC1 catalogues with the reference scorer, ska-sdc.

:func:`score_catalogue` wraps :class:`ska_sdc.Sdc1Scorer` and returns a plain,
JSON-serialisable dictionary: the SDC1 score, detection and match counts, and
the mean per-attribute scores of the matched sources.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from sdc1.io import SDC1_COLUMNS

__all__ = [
    "ATTRIBUTES",
    "candidate_truth",
    "truth_cleaned_row_by_row",
    "truth_in_scored_area",
    "detection_scores",
    "matched_by_scorer",
    "score_catalogue",
]

#: Per-source attributes scored by ska-sdc, in its order.
ATTRIBUTES: tuple[str, ...] = ("position", "flux", "b_maj", "b_min", "pa", "core_frac", "class")


#: Columns where ska-sdc's cleaning drops negative values (``clean_catalogue``).
NON_NEGATIVE_COLUMNS: tuple[str, ...] = ("flux", "core_frac", "b_min", "b_maj")

#: Catalogue position columns of each ska-sdc position mode (0 core, 1 centroid).
POSITION_COLUMNS: dict[int, tuple[str, str]] = {
    0: ("ra_core", "dec_core"),
    1: ("ra_cent", "dec_cent"),
}


def _scorer_ra(ra: Any) -> np.ndarray:
    """Right ascension as ska-sdc matches it: degrees in (-180, 180]."""
    ra = np.asarray(ra, dtype=float)
    return np.where(ra > 180.0, ra - 360.0, ra)


def candidate_truth(
    catalogue: pd.DataFrame, truth: pd.DataFrame, freq: int, *, mode: int = 0
) -> pd.DataFrame:
    """The truth rows that ska-sdc could pair with a row of ``catalogue``, in truth order.

    ska-sdc pairs each submitted source with the truth sources within its convolved
    size (a KD-tree query on RA and Dec in degrees) and uses the truth nowhere else;
    its area cut and derived columns treat each row on its own, and so does its
    cleaning where the truth has no NaN and no negative flux, core fraction or size
    (:func:`truth_cleaned_row_by_row`). A truth row farther than that from every
    submitted source is then never a candidate, and scoring against these rows gives
    the same matches and score as against the whole truth, whatever the classes or
    position angles submitted. (Where one submitted source has two candidates at
    exactly the same multi-dimensional distance, as duplicated truth rows give, which
    of the two it is matched to follows the KD tree's order; the score is the same.)
    A truth that ska-sdc would clean as a whole is returned whole. The whole 560 MHz
    truth of a 32768^2 field has about 19 million rows: ska-sdc's own preparation of
    it alone takes 11 GB.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Submission with the SDC1 position and size columns (rows ska-sdc would drop
        may be present).
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    freq : int
        Frequency in MHz: sets ska-sdc's beam size in the convolved size.
    mode : int, optional
        ska-sdc position mode: 0 core positions, 1 centroid positions.

    Returns
    -------
    pandas.DataFrame
        The rows of ``truth`` within reach, its index and column order kept.
    """
    from ska_sdc.common.utils.constants import expo_to_gauss, las_to_gauss

    if not truth_cleaned_row_by_row(truth):
        return truth
    ra_col, dec_col = POSITION_COLUMNS[mode]
    sub_xy = np.column_stack([_scorer_ra(catalogue[ra_col]), catalogue[dec_col].to_numpy(float)])
    # The largest convolved size any size class could give (ska-sdc's calculate_conv_size),
    # widened by a part in a million so that rounding never drops a candidate.
    size = np.fmax(catalogue["b_maj"].to_numpy(float), catalogue["b_min"].to_numpy(float))
    size = size * max(1.0, las_to_gauss, expo_to_gauss)
    beam = 0.25 / float(freq) * 1400.0
    radius_deg = np.hypot(size, beam) / 3600.0 * (1.0 + 1e-6)
    usable = np.isfinite(sub_xy).all(axis=1) & np.isfinite(radius_deg)
    truth_xy = np.column_stack([_scorer_ra(truth[ra_col]), truth[dec_col].to_numpy(float)])
    finite = np.flatnonzero(np.isfinite(truth_xy).all(axis=1))
    if not usable.any() or len(finite) == 0:
        return truth.iloc[:0]
    tree = cKDTree(truth_xy[finite])
    hits = tree.query_ball_point(sub_xy[usable], r=radius_deg[usable])
    reached = np.unique(np.fromiter((j for group in hits for j in group), dtype=np.intp))
    return truth.iloc[finite[reached]]


def truth_cleaned_row_by_row(truth: pd.DataFrame) -> bool:
    """Whether ska-sdc's cleaning of ``truth`` keeps or drops each row on its own merits.

    ska-sdc's scorer refuses a catalogue with a NaN, and its ``clean_catalogue`` drops
    a row with a negative flux, core fraction or size and then, once it has found one,
    every row where that column is 0 too. With neither, no row's fate depends on
    another's, and rows may be dropped before scoring without changing it.
    """
    if any(truth[column].isna().any() for column in SDC1_COLUMNS if column in truth):
        return False
    return not any((truth[column] < 0).any() for column in NON_NEGATIVE_COLUMNS)


def truth_in_scored_area(truth: pd.DataFrame, freq: int, *, train: bool) -> pd.DataFrame:
    """The truth rows inside the area ska-sdc scores (its ``refine_area``), in truth order.

    ska-sdc drops every other truth row before matching, so scoring against these
    rows is scoring against the whole truth (where its cleaning is row by row,
    :func:`truth_cleaned_row_by_row`; otherwise the whole truth is returned); at
    560 MHz the training area holds a few per cent of a full field's truth.
    """
    from ska_sdc.sdc1.utils.prep import refine_area

    if not truth_cleaned_row_by_row(truth):
        return truth

    positions = pd.DataFrame(
        {
            "ra_core": _scorer_ra(truth["ra_core"]),
            "dec_core": truth["dec_core"].to_numpy(float),
            "row": np.arange(len(truth)),
        }
    )
    return truth.iloc[refine_area(positions, int(freq), train)["row"].to_numpy()]


def _empty_result(n_det: int, mode: int, train: bool, freq: int) -> dict[str, Any]:
    return {
        "freq": int(freq),
        "mode": int(mode),
        "train": bool(train),
        "score": 0.0,
        "score_det": 0.0,
        "n_det": int(n_det),
        "n_match": 0,
        "n_bad": 0,
        "n_false": int(n_det),
        "acc_pc": 0.0,
        "mean_attribute_scores": {a: None for a in ATTRIBUTES},
    }


def _finite(value: Any) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


def _run_scorer(
    submission: pd.DataFrame, truth: pd.DataFrame, freq: int, *, train: bool, mode: int
) -> Any:
    """``Sdc1Scorer(...).run(detail=True)`` with ska-sdc's root-logger noise undone."""
    from ska_sdc import Sdc1Scorer  # heavy import, needed only here

    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    previous_disable = logging.root.manager.disable
    logging.disable(logging.INFO)  # ska-sdc logs every step at INFO on the root logger
    try:
        scorer = Sdc1Scorer(submission.reset_index(drop=True), truth.copy(), int(freq))
        return scorer.run(mode=mode, train=train, detail=True)
    finally:
        logging.disable(previous_disable)
        for handler in root.handlers[:]:  # undo ska-sdc's logging.basicConfig
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)


def matched_by_scorer(
    catalogue: pd.DataFrame, truth: pd.DataFrame, freq: int, *, train: bool = True, mode: int = 0
) -> np.ndarray:
    """Which catalogue rows ska-sdc matches to the truth (False: a false detection or outside).

    The scorer's own matching, acceptance thresholds included, so that a model
    taught with these labels learns what the score counts as false.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        With the 12 SDC1 columns; ``id`` is replaced by the row number here.
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    freq : int
        Frequency in MHz.
    train, mode : optional
        As in :func:`score_catalogue`: rows outside the scored area are never matched.
    """
    from ska_sdc.sdc1.utils.prep import clean_catalogue, refine_area

    columns = list(SDC1_COLUMNS)
    matched = np.zeros(len(catalogue), dtype=bool)
    sub = catalogue.loc[:, columns].reset_index(drop=True)
    sub["id"] = np.arange(len(sub))
    scored = refine_area(clean_catalogue(sub.copy()), int(freq), train)
    truth = candidate_truth(sub, truth, freq, mode=mode)
    in_area = refine_area(clean_catalogue(truth.loc[:, columns].copy()), int(freq), train)
    if len(scored) == 0 or len(in_area) == 0:
        return matched
    result = _run_scorer(sub, truth.loc[:, columns], freq, train=train, mode=mode)
    match_df = getattr(result, "match_df", None)
    if match_df is not None and len(match_df):
        matched[match_df["id"].to_numpy(dtype=int)] = True
    return matched


def detection_scores(
    catalogue: pd.DataFrame, truth: pd.DataFrame, freq: int, *, train: bool = True, mode: int = 0
) -> np.ndarray:
    """Each catalogue row's share of the SDC score, in row order.

    A match earns its ska-sdc score (the mean of its seven attribute scores), a false
    detection -1, and a row outside the scored area (or dropped by ska-sdc's cleaning)
    is NaN: the values over the scored rows sum to ska-sdc's score.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        With the 12 SDC1 columns; ``id`` is replaced by the row number here.
    truth : pandas.DataFrame
        Truth catalogue (SDC1 columns).
    freq : int
        Frequency in MHz.
    train, mode : optional
        As in :func:`score_catalogue`.
    """
    from ska_sdc.sdc1.utils.prep import clean_catalogue, refine_area

    columns = list(SDC1_COLUMNS)
    values = np.full(len(catalogue), np.nan)
    sub = catalogue.loc[:, columns].reset_index(drop=True)
    sub["id"] = np.arange(len(sub))
    scored = refine_area(clean_catalogue(sub.copy()), int(freq), train)
    if len(scored) == 0:
        return values
    values[scored["id"].to_numpy(dtype=int)] = -1.0
    truth = candidate_truth(sub, truth, freq, mode=mode)
    in_area = refine_area(clean_catalogue(truth.loc[:, columns].copy()), int(freq), train)
    if len(in_area) == 0:
        return values
    result = _run_scorer(sub, truth.loc[:, columns], freq, train=train, mode=mode)
    scores_df = getattr(result, "scores_df", None)
    if scores_df is not None and len(scores_df):
        attributes = scores_df.loc[:, list(ATTRIBUTES)].to_numpy(dtype=float)
        # ska-sdc weighs each attribute 1/7 and sums, skipping NaN attribute scores.
        per_match = np.nansum(attributes, axis=1) / len(ATTRIBUTES)
        values[scores_df["id"].to_numpy(dtype=int)] = per_match
    return values


def score_catalogue(
    catalogue: pd.DataFrame,
    truth: pd.DataFrame,
    freq: int,
    *,
    train: bool,
    mode: int = 0,
) -> dict[str, Any]:
    """Score an SDC1 catalogue against a truth catalogue with ska-sdc.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        Submission with at least the 12 SDC1 columns (extra columns are ignored).
    truth : pandas.DataFrame
        Truth catalogue with the 12 SDC1 columns.
    freq : int
        Frequency in MHz: 560, 1400 or 9200.
    train : bool
        True scores only sources inside that frequency's SDC1 training area,
        False only those outside it (ska-sdc's convention).
    mode : int, optional
        ska-sdc position mode: 0 core positions, 1 centroid positions.

    Returns
    -------
    dict
        ``score``, ``score_det`` (summed per-source scores), ``n_det``,
        ``n_match``, ``n_bad`` (candidate matches rejected), ``n_false``,
        ``acc_pc`` (mean per-source score of matches, in percent) and
        ``mean_attribute_scores`` (position, flux, b_maj, b_min, pa, core_frac,
        class: means over matched sources, None when nothing matched), plus
        ``freq``, ``mode`` and ``train``. All values are plain Python types.
        An empty catalogue scores 0 with no error.
    """
    from ska_sdc.sdc1.utils.prep import clean_catalogue, refine_area

    columns = list(SDC1_COLUMNS)
    sub = catalogue.loc[:, columns].copy() if len(catalogue) else pd.DataFrame(columns=columns)
    if len(sub) == 0:
        return _empty_result(0, mode, train, freq)
    # ska-sdc fails on an empty side after its area cut: nothing to match is a score of 0.
    n_det = len(refine_area(clean_catalogue(sub.copy()), int(freq), train))
    truth = candidate_truth(sub, truth, freq, mode=mode)
    n_truth = len(refine_area(clean_catalogue(truth.loc[:, columns].copy()), int(freq), train))
    if n_det == 0 or n_truth == 0:
        return _empty_result(n_det, mode, train, freq)
    result = _run_scorer(sub, truth.loc[:, columns], freq, train=train, mode=mode)
    scores_df = getattr(result, "scores_df", None)
    if scores_df is None or len(scores_df) == 0 or int(result.n_match) == 0:
        out = _empty_result(int(result.n_det), mode, train, freq)
        out["score"] = _finite(result.value)
        out["n_bad"] = int(result.n_bad)
        return out
    means = {a: float(np.nanmean(scores_df[a].to_numpy(dtype=float))) for a in ATTRIBUTES}
    return {
        "freq": int(freq),
        "mode": int(mode),
        "train": bool(train),
        "score": _finite(result.value),
        "score_det": _finite(result.score_det),
        "n_det": int(result.n_det),
        "n_match": int(result.n_match),
        "n_bad": int(result.n_bad),
        "n_false": int(result.n_false),
        "acc_pc": _finite(result.acc_pc),
        "mean_attribute_scores": means,
    }
