"""Sky-block bootstrap intervals of the evaluation figures."""

from __future__ import annotations

import numpy as np
import pytest

from sdc1.classify import classification_metrics
from sdc1.uncertainty import (
    BlockBootstrap,
    _f1_samples,
    block_weights,
    bootstrap_intervals,
    sky_blocks,
)


def field(n: int = 4000, seed: int = 0):
    """Sources over a 0.5 deg square near SDC1's centre, 95% SFGs, 10% false detections."""
    rng = np.random.default_rng(seed)
    ra = rng.uniform(-0.25, 0.25, n)
    dec = -30 + rng.uniform(-0.25, 0.25, n)
    true = rng.choice([1, 2, 3], n, p=[0.02, 0.03, 0.95]).astype(float)
    pred = np.where(rng.uniform(size=n) < 0.8, true, 3).astype(int)
    false = rng.uniform(size=n) < 0.1
    contribution = np.where(false, -1.0, rng.uniform(0.5, 1.0, n))
    true[false] = np.nan
    probs = np.full((n, 3), 0.05)
    probs[np.arange(n), pred - 1] = 0.9
    return ra, dec, contribution, true, pred, probs


def test_blocks_are_squares_of_the_given_side() -> None:
    # A 300" square of positions 10" apart, in blocks of 90": 4 or 5 blocks a side, none
    # wider than 90" in either direction.
    x, y = np.meshgrid(np.arange(30) * 10.0, np.arange(30) * 10.0)
    dec = -30.0 + y.ravel() / 3600.0
    ra = x.ravel() / 3600.0 / np.cos(np.radians(dec))
    blocks = sky_blocks(ra, dec, block_arcsec=90.0)
    assert 16 <= len(np.unique(blocks)) <= 25
    for block in np.unique(blocks):
        inside = blocks == block
        assert np.ptp(x.ravel()[inside]) < 90.0 and np.ptp(y.ravel()[inside]) < 90.0
    assert sky_blocks(np.zeros(0), np.zeros(0), 90.0).size == 0


def test_weights_draw_every_resample_as_many_blocks_as_there_are() -> None:
    weights = block_weights(50, 200, seed=3)
    assert weights.shape == (200, 50) and (weights.sum(axis=1) == 50).all()
    assert (block_weights(50, 200, seed=3) == weights).all()


def test_f1_of_unit_weights_is_sklearns() -> None:
    _, _, _, true, pred, _ = field()
    judged = np.isfinite(true)
    true, pred = true[judged].astype(int), pred[judged]
    blocks = np.arange(len(true)) % 7
    f1, macro = _f1_samples(np.ones((1, 7)), blocks, 7, true, pred)
    expected = classification_metrics(true, pred)
    assert macro[0] == pytest.approx(expected["macro_f1"])
    for name, values in f1.items():
        assert values[0] == pytest.approx(expected["per_class"][name]["f1"])


def test_intervals_hold_the_measured_figures_and_shrink_with_more_sky() -> None:
    ra, dec, contribution, true, pred, probs = field()
    settings = BlockBootstrap(resamples=500, block_arcsec=120.0, seed=1)
    result = bootstrap_intervals(ra, dec, contribution, true, pred, probs, settings)
    assert 200 <= result["n_blocks"] <= 260 and result["resamples"] == 500
    low, high = result["score"]
    assert low < contribution.sum() < high
    judged = np.isfinite(true)
    macro = classification_metrics(true[judged].astype(int), pred[judged])["macro_f1"]
    assert result["macro_f1"][0] < macro < result["macro_f1"][1]
    n_false = int((contribution < 0).sum())
    assert result["n_false"][0] <= n_false <= result["n_false"][1]
    for name, (lo, hi) in result["class_counts"].items():
        assert 0 <= lo <= hi
    # A quarter of the sky, the same density: a wider interval on the relative score.
    quarter = (ra < 0) & (dec < -30)
    small = bootstrap_intervals(
        ra[quarter],
        dec[quarter],
        contribution[quarter],
        true[quarter],
        pred[quarter],
        probs[quarter],
        settings,
    )
    width = (high - low) / contribution.sum()
    small_width = (small["score"][1] - small["score"][0]) / contribution[quarter].sum()
    assert small_width > 1.5 * width
    values = result["values"]
    assert values["score"] == pytest.approx(contribution.sum(), abs=1e-3)
    assert values["macro_f1"] == pytest.approx(macro, abs=1e-4)
    assert values["class_counts"]["sfg"] == pytest.approx(probs[judged, 2].sum(), abs=1e-3)
    assert values["true_counts"]["ss_agn"] == (true == 1).sum()
    # Same settings, same intervals.
    assert bootstrap_intervals(ra, dec, contribution, true, pred, probs, settings) == result


def test_nothing_to_resample_gives_no_intervals() -> None:
    empty = np.zeros(0)
    result = bootstrap_intervals(empty, empty, empty, empty, empty, None, BlockBootstrap())
    assert result["n_blocks"] == 0 and "score" not in result
