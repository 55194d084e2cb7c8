"""ska-sdc scoring wrapper: perfect, partial, false and empty catalogues."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.io import SDC1_COLUMNS, read_sdc1_catalogue
from sdc1.ska_score import (
    ATTRIBUTES,
    _run_scorer,
    candidate_truth,
    detection_scores,
    matched_by_scorer,
    score_catalogue,
    truth_cleaned_row_by_row,
    truth_in_scored_area,
)

SAMPLE_DIR = Path(__file__).parents[2].parent / "shared" / "sdc1-sample"


def synthetic_truth(n: int = 20, seed: int = 0) -> pd.DataFrame:
    """SFG-like truth rows inside the 560 MHz training area, 20" apart."""
    rng = np.random.default_rng(seed)
    ra = -0.3 + np.arange(n) * 20.0 / 3600.0
    dec = np.full(n, -29.7)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "ra_core": ra,
            "dec_core": dec,
            "ra_cent": ra,
            "dec_cent": dec,
            "flux": 10 ** rng.uniform(-6, -5, n),
            "core_frac": 0.0,
            "b_maj": rng.uniform(0.5, 2.0, n),
            "b_min": rng.uniform(0.2, 0.5, n),
            "pa": rng.uniform(0, 180, n),
            "size": 2,
            "class": 3,
        }
    )[list(SDC1_COLUMNS)]


def test_perfect_catalogue_scores_one_per_source() -> None:
    truth = synthetic_truth()
    result = score_catalogue(truth.copy(), truth, 560, train=True)
    assert result["score"] == pytest.approx(len(truth))
    assert (result["n_det"], result["n_match"], result["n_false"]) == (20, 20, 0)
    assert set(result["mean_attribute_scores"]) == set(ATTRIBUTES)
    assert all(v == pytest.approx(1.0) for v in result["mean_attribute_scores"].values())
    json.dumps(result)  # JSON-able


def test_false_detection_costs_one_and_bad_flux_scores_less() -> None:
    truth = synthetic_truth()
    sub = truth.copy()
    sub["flux"] *= 1.2  # 20% off: flux score 0.1 / 0.2 = 0.5 per source
    false = sub.iloc[:1].copy()
    false[["ra_core", "ra_cent"]] = -0.5  # nowhere near a truth source
    sub = pd.concat([sub, false], ignore_index=True)
    sub["id"] = np.arange(len(sub))
    result = score_catalogue(sub, truth, 560, train=True)
    assert result["n_false"] == 1
    assert result["mean_attribute_scores"]["flux"] == pytest.approx(0.5)
    assert result["score"] == pytest.approx(20 * (6 + 0.5) / 7 - 1)


def test_empty_and_outside_area() -> None:
    truth = synthetic_truth()
    empty = score_catalogue(truth.iloc[:0], truth, 560, train=True)
    assert empty["score"] == 0.0 and empty["n_det"] == 0
    # Every source inside the training area: scoring outside it finds nothing.
    outside = score_catalogue(truth.copy(), truth, 560, train=False)
    assert outside["score"] == 0.0 and outside["n_match"] == 0


def test_real_truth_subset_scores_perfectly() -> None:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"real SDC1 sample data not found at {SAMPLE_DIR}")
    truth = read_sdc1_catalogue(SAMPLE_DIR / "truth_B1_0.3tr.cat")
    bright = truth.nlargest(200, "flux")
    result = score_catalogue(bright.copy(), truth, 560, train=True)
    assert result["n_match"] >= 195
    assert result["score"] > 190


def test_matched_by_scorer_flags_the_false_detections_in_row_order() -> None:
    truth = synthetic_truth()
    false = truth.iloc[:2].copy()
    false[["ra_core", "ra_cent"]] = -0.5  # nowhere near a truth source
    sub = pd.concat([false.iloc[:1], truth, false.iloc[1:]], ignore_index=True)
    sub["id"] = 7  # ids are the scorer's business: rows are told apart by position
    matched = matched_by_scorer(sub, truth, 560)
    assert matched.tolist() == [False] + [True] * len(truth) + [False]
    # Outside the scored area nothing is matched.
    assert not matched_by_scorer(sub, truth, 560, train=False).any()


def test_detection_scores_sum_to_the_score_in_row_order() -> None:
    truth = synthetic_truth()
    sub = truth.copy()
    sub["flux"] *= 1.2
    false = sub.iloc[:1].copy()
    false[["ra_core", "ra_cent"]] = -0.5  # nowhere near a truth source
    sub = pd.concat([false, sub], ignore_index=True)
    values = detection_scores(sub, truth, 560)
    assert values[0] == -1.0
    assert values[1:] == pytest.approx(np.full(len(truth), 6.5 / 7))
    assert values.sum() == pytest.approx(score_catalogue(sub, truth, 560, train=True)["score"])
    # Outside the scored area no row counts.
    assert np.isnan(detection_scores(sub, truth, 560, train=False)).all()


def test_detection_scores_of_real_sources_sum_to_ska_sdc_score() -> None:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"real SDC1 sample data not found at {SAMPLE_DIR}")
    truth = read_sdc1_catalogue(SAMPLE_DIR / "truth_B1_0.3tr.cat")
    sub = truth.nlargest(300, "flux").copy()
    rng = np.random.default_rng(1)
    sub["flux"] *= rng.uniform(0.7, 1.3, len(sub))
    sub["b_maj"] *= rng.uniform(0.5, 1.5, len(sub))
    values = detection_scores(sub, truth, 560)
    expected = score_catalogue(sub, truth, 560, train=True)["score"]
    assert np.nansum(values) == pytest.approx(expected, rel=1e-9)


def jittered_submission(truth: pd.DataFrame, n: int, n_false: int, seed: int) -> pd.DataFrame:
    """Truth rows moved by up to about a beam, resized, re-sized-classed, plus false
    detections; half the rows give RA in [0, 360), as PyBDSF writes it."""
    rng = np.random.default_rng(seed)
    # Sources up to 20" across (a few giants, searched within their size, reach most of a cutout).
    sub = truth[truth["b_maj"] < 20].sample(n, random_state=seed).reset_index(drop=True)
    for ra, dec in (("ra_core", "dec_core"), ("ra_cent", "dec_cent")):
        sub[ra] += rng.normal(0, 1.0 / 3600, n)
        sub[dec] += rng.normal(0, 1.0 / 3600, n)
    sub["flux"] *= rng.uniform(0.5, 1.5, n)
    sub["b_maj"] = sub["b_maj"] * rng.uniform(0.5, 2.0, n) + 0.5
    sub["b_min"] = np.minimum(sub["b_min"] * rng.uniform(0.5, 2.0, n), sub["b_maj"])
    sub["size"] = rng.integers(1, 4, n)
    false = sub.sample(n_false, random_state=seed + 1).copy()
    for col in ("ra_core", "ra_cent"):
        false[col] = rng.uniform(truth[col].min(), truth[col].max(), n_false)
    sub = pd.concat([sub, false], ignore_index=True)
    sub["id"] = np.arange(len(sub))
    wrapped = sub.index % 2 == 0
    sub.loc[wrapped, ["ra_core", "ra_cent"]] += 360.0
    return sub


@pytest.mark.parametrize("mode", [0, 1])
def test_candidate_truth_scores_exactly_as_the_whole_truth(mode: int) -> None:
    if not SAMPLE_DIR.is_dir():
        pytest.skip(f"real SDC1 sample data not found at {SAMPLE_DIR}")
    truth = read_sdc1_catalogue(SAMPLE_DIR / "truth_B1_0.3tr.cat")
    sub = jittered_submission(truth, 1500, 300, seed=mode)
    near = candidate_truth(sub, truth, 560, mode=mode)
    assert len(near) < len(truth) / 2  # the cut removes most of the truth
    assert near.index.is_monotonic_increasing  # truth order kept
    whole = _run_scorer(sub, truth, 560, train=True, mode=mode)
    cut = _run_scorer(sub, near, 560, train=True, mode=mode)
    assert whole.n_match > 500 and whole.n_bad > 0  # real candidates, some rejected
    assert (cut.value, cut.n_match, cut.n_bad, cut.n_false) == (
        whole.value,
        whole.n_match,
        whole.n_bad,
        whole.n_false,
    )
    pd.testing.assert_frame_equal(
        cut.scores_df.reset_index(drop=True), whole.scores_df.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(
        cut.match_df.reset_index(drop=True), whole.match_df.reset_index(drop=True)
    )
    # The wrappers cut the truth themselves, in the mode they are given.
    scored = score_catalogue(sub, truth, 560, train=True, mode=mode)
    assert (scored["score"], scored["n_match"], scored["n_bad"], scored["n_false"]) == (
        whole.value,
        whole.n_match,
        whole.n_bad,
        whole.n_false,
    )
    matched = matched_by_scorer(sub, truth, 560, mode=mode)
    assert sorted(np.flatnonzero(matched)) == sorted(whole.match_df["id"].astype(int))
    assert np.nansum(detection_scores(sub, truth, 560, mode=mode)) == pytest.approx(whole.value)


def test_candidate_truth_without_reach_is_empty() -> None:
    truth = synthetic_truth()
    far = truth.iloc[:2].copy()
    far[["dec_core", "dec_cent"]] = -29.0
    assert len(candidate_truth(far, truth, 560)) == 0
    assert len(candidate_truth(truth.iloc[:0], truth, 560)) == 0
    # No truth within reach scores as ska-sdc scores no candidate: nothing matched.
    assert score_catalogue(far, truth, 560, train=True)["n_match"] == 0


@pytest.mark.parametrize("train", [True, False])
def test_truth_in_scored_area_is_ska_sdc_area_cut(train: bool) -> None:
    from ska_sdc.sdc1.utils.prep import refine_area

    truth = synthetic_truth(40)
    truth.loc[::2, "ra_core"] -= 3.0  # half outside the 560 MHz training area
    truth.loc[1::4, "ra_core"] += 360.0  # RA as written in [0, 360)
    wrapped = truth.copy()
    wrapped.loc[wrapped["ra_core"] > 180, "ra_core"] -= 360.0
    expected = refine_area(wrapped, 560, train)["id"].tolist()
    kept = truth_in_scored_area(truth, 560, train=train)
    assert kept["id"].tolist() == expected
    assert 0 < len(kept) < len(truth)


def test_a_truth_cleaned_as_a_whole_is_not_cut() -> None:
    # ska-sdc drops zero core fractions too once it meets a negative one: a far-away row
    # with core_frac < 0 changes which near rows it keeps, so nothing may be cut.
    truth = synthetic_truth(20)
    truth.loc[::2, "core_frac"] = 0.3
    sub = truth.iloc[:10].copy()
    far = truth.iloc[[0]].copy()
    far["id"], far["core_frac"] = 999, -0.1
    far[["dec_core", "dec_cent"]] = -29.5
    whole = pd.concat([truth, far], ignore_index=True)
    assert truth_cleaned_row_by_row(truth) and not truth_cleaned_row_by_row(whole)
    assert len(candidate_truth(sub, whole, 560)) == len(whole)
    assert len(truth_in_scored_area(whole, 560, train=False)) == len(whole)
    expected = _run_scorer(sub, whole, 560, train=True, mode=0)
    scored = score_catalogue(sub, whole, 560, train=True)
    assert (scored["score"], scored["n_match"]) == (expected.value, expected.n_match)
    assert len(candidate_truth(sub, truth, 560)) < len(truth)  # row by row: cut
    # A NaN anywhere: ska-sdc refuses the truth, so it must see all of it.
    with_nan = whole.copy()
    with_nan.loc[len(with_nan) - 1, ["flux", "core_frac"]] = [np.nan, 0.5]
    assert not truth_cleaned_row_by_row(with_nan)
    assert len(candidate_truth(sub, with_nan, 560)) == len(with_nan)
