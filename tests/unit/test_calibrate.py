"""Out-of-fold calibration: folds, matching, bias recovery, no leakage of a source's own truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdc1.calibrate import (
    apply_calibration,
    fit_calibration,
    fit_out_of_fold,
    spatial_folds,
)
from sdc1.match import match_to_truth

BEAM = 1.5
FAST = {"max_iter": 40, "min_samples_leaf": 10}


def fake_catalogue(n: int = 500, seed: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A catalogue with to_sdc1's columns on a grid (30" apart), and its truth.

    The truth flux is 1.25x the measured one, the true sizes 0.8x, with 2% scatter.
    """
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n)))
    i, j = np.divmod(np.arange(n), side)
    dec = -29.7 + (i * 30.0 + rng.uniform(-2, 2, n)) / 3600.0
    ra = -0.3 + (j * 30.0 + rng.uniform(-2, 2, n)) / 3600.0 / np.cos(np.deg2rad(29.7))
    flux = 10 ** rng.uniform(-6, -4, n)
    snr = flux / 1e-6
    b_maj = rng.uniform(0.3, 3.0, n)
    b_min = b_maj * rng.uniform(0.3, 1.0, n)
    cat = pd.DataFrame(
        {
            "id": np.arange(n),
            "ra_core": ra,
            "dec_core": dec,
            "ra_cent": ra,
            "dec_cent": dec,
            "flux": flux,
            "core_frac": 0.0,
            "b_maj": b_maj,
            "b_min": b_min,
            "pa": 0.0,
            "size": 2,
            "class": 3,
            "snr": snr,
            "peak_flux": flux / 2,
            "total_flux": flux,
            "isl_total_flux": flux,
            "maj_raw": np.hypot(b_maj, BEAM),
            "min_raw": np.hypot(b_min, BEAM),
            "dc_maj": b_maj,
            "dc_min": b_min,
            "n_gaussians": 1,
        }
    )
    scatter = lambda: 10 ** rng.normal(0, 0.01, n)  # noqa: E731
    truth = pd.DataFrame(
        {
            "id": np.arange(n) + 1000,
            "ra_core": ra,
            "dec_core": dec,
            "ra_cent": ra,
            "dec_cent": dec,
            "flux": flux * 1.25 * scatter(),
            "core_frac": 0.0,
            "b_maj": b_maj * 0.8 * scatter(),
            "b_min": b_min * 0.8 * scatter(),
            "pa": 0.0,
            "size": 2,
            "class": 3,
        }
    )
    return cat, truth


def test_spatial_folds_deterministic_blockwise_and_complete() -> None:
    cat, _ = fake_catalogue()
    folds = spatial_folds(cat["ra_core"], cat["dec_core"], 5, seed=1, block_arcsec=90.0)
    np.testing.assert_array_equal(
        folds, spatial_folds(cat["ra_core"], cat["dec_core"], 5, seed=1, block_arcsec=90.0)
    )
    assert set(folds) == set(range(5))
    # Sources 2" apart (same block, almost surely) share a fold; another seed reshuffles blocks.
    assert not np.array_equal(
        folds, spatial_folds(cat["ra_core"], cat["dec_core"], 5, seed=2, block_arcsec=90.0)
    )
    with pytest.raises(ValueError):
        spatial_folds(cat["ra_core"], cat["dec_core"], 1, seed=0)


def test_match_prefers_flux_consistent_neighbour() -> None:
    cat = pd.DataFrame({"ra_core": [-0.3], "dec_core": [-29.7], "flux": [1e-4]})
    truth = pd.DataFrame(
        {
            "id": [1, 2],
            "ra_core": [-0.3, -0.3],
            "dec_core": [-29.7 + 0.2 / 3600, -29.7 - 0.6 / 3600],
            "flux": [1e-7, 1.1e-4],
            "size": [2, 2],
        }
    )
    matches = match_to_truth(cat, truth, BEAM)
    assert list(matches["id_t"]) == [2]  # the bright one, though the faint one is closer
    nearest = match_to_truth(cat, truth, BEAM, flux_weight=0.0)
    assert list(nearest["id_t"]) == [1]
    assert len(match_to_truth(cat, truth.iloc[:0], BEAM)) == 0


def test_fit_out_of_fold_recovers_bias() -> None:
    cat, truth = fake_catalogue()
    out = fit_out_of_fold(cat, truth, BEAM, n_folds=4, seed=0, **FAST)
    assert np.median(out["flux"] / truth["flux"]) == pytest.approx(1.0, abs=0.03)
    assert np.median(out["b_maj"] / truth["b_maj"]) == pytest.approx(1.0, abs=0.03)
    np.testing.assert_allclose(out["flux_uncal"], cat["flux"])
    assert set(out["fold"]) == set(range(4))


def test_out_of_fold_ignores_own_truth() -> None:
    cat, truth = fake_catalogue()
    base = fit_out_of_fold(cat, truth, BEAM, n_folds=4, seed=0, **FAST)
    in_fold0 = (base["fold"] == 0).to_numpy()
    altered = truth.copy()
    altered.loc[in_fold0, "flux"] *= 3.0  # the truth of fold 0's own sources changes
    again = fit_out_of_fold(cat, altered, BEAM, n_folds=4, seed=0, **FAST)
    np.testing.assert_allclose(again.loc[in_fold0, "flux"], base.loc[in_fold0, "flux"])
    # ... while the other folds, whose models did see it, move.
    assert not np.allclose(again.loc[~in_fold0, "flux"], base.loc[~in_fold0, "flux"])


def test_outside_training_area_uses_model_of_all_matches() -> None:
    cat, truth = fake_catalogue()
    in_train = (np.arange(len(cat)) % 5) != 0
    out = fit_out_of_fold(cat, truth, BEAM, n_folds=3, seed=0, in_train=in_train, **FAST)
    assert (out.loc[~in_train, "fold"] == -1).all()
    train_idx = np.flatnonzero(in_train)
    matches = match_to_truth(cat.iloc[train_idx], truth, BEAM)
    full = apply_calibration(cat, fit_calibration(cat, matches, BEAM, seed=0, **FAST))
    np.testing.assert_allclose(out.loc[~in_train, "flux"], full.loc[~in_train, "flux"])


def faint_half_false(cat: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """The truth without most faint sources: their detections become false."""
    rng = np.random.default_rng(7)
    faint = cat["snr"].to_numpy() < 10
    drop = faint & (rng.uniform(size=len(cat)) < 0.7)
    return truth.loc[~drop].reset_index(drop=True)


def labels_by_match(truth: pd.DataFrame):
    """A label function as the workflow's (the scorer's), here by match_to_truth."""

    def label(rows: pd.DataFrame) -> np.ndarray:
        matched = np.zeros(len(rows), dtype=bool)
        matches = match_to_truth(rows.reset_index(drop=True), truth, BEAM)
        matched[matches["cat_index"].to_numpy(int)] = True
        return matched

    return label


@pytest.mark.parametrize("nested_labels", [False, True])
def test_learned_reliability_is_out_of_fold_and_tracks_false_detections(nested_labels) -> None:
    cat, truth = fake_catalogue(n=900)
    truth = faint_half_false(cat, truth)

    def run(truth: pd.DataFrame) -> pd.DataFrame:
        return fit_out_of_fold(
            cat,
            truth,
            BEAM,
            n_folds=4,
            seed=0,
            learn_reliability=True,
            label_matches=labels_by_match(truth) if nested_labels else None,
            **FAST,
        )

    base = run(truth)
    reliability = base["reliability"].to_numpy()
    faint = cat["snr"].to_numpy() < 10
    # Faint sources are false 70% of the time, bright ones never.
    assert reliability[faint].mean() == pytest.approx(0.3, abs=0.1)
    assert reliability[~faint].mean() > 0.9
    assert "reliability_noise" in base
    # Changing the truth of fold 0's own sources leaves fold 0's reliability alone.
    in_fold0 = (base["fold"] == 0).to_numpy()
    altered = truth[~truth["id"].isin(cat.loc[in_fold0, "id"] + 1000)].reset_index(drop=True)
    again = run(altered)
    np.testing.assert_allclose(again.loc[in_fold0, "reliability"], reliability[in_fold0])
    assert not np.allclose(again.loc[~in_fold0, "reliability"], reliability[~in_fold0])
