"""Reliability from the negated image: the noise model, the cut, and PyBDSF on pure noise."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage

from sdc1.background import compute_background, negated
from sdc1.catalogue import peak_snr
from sdc1.find_sources import search_both_signs
from sdc1.reliability import (
    NoiseCounts,
    detection_reliability,
    fit_noise_counts,
    fit_source_counts,
    keep_threshold,
    reliability_cut,
)
from sdc1.tiles import plan_tiles
from tests.helpers import sky_header, write_image


def draw_noise_snr(noise: NoiseCounts, n: int, seed: int) -> np.ndarray:
    """S/N values drawn from the model: ``s**2 - floor**2`` is exponential with the rate."""
    excess = np.random.default_rng(seed).exponential(1.0 / noise.rate, n)
    return np.sqrt(noise.floor**2 + excess)


def test_noise_counts_fall_off_from_the_floor() -> None:
    noise = NoiseCounts(count=100, floor=3.0, rate=0.5)
    assert noise.above(3.0) == pytest.approx(100)
    assert noise.above(2.0) == pytest.approx(100)  # below the floor: every detection
    assert noise.above(5.0) == pytest.approx(100 * np.exp(-0.5 * 16))
    assert noise.between(np.array([3.0]), np.array([np.inf]))[0] == pytest.approx(100)


def test_fitted_rate_recovers_the_model_and_falls_back_to_gaussian_noise() -> None:
    truth = NoiseCounts(count=2000, floor=3.0, rate=0.8)
    fitted = fit_noise_counts(draw_noise_snr(truth, 2000, seed=1), 3.0)
    assert fitted.count == 2000
    assert fitted.rate == pytest.approx(0.8, rel=0.06)
    # Nothing on the negated image: the prior alone, pure Gaussian noise.
    assert fit_noise_counts(np.array([]), 3.0).rate == pytest.approx(0.5)


def test_weighted_noise_detections_fit_as_the_detections_they_stand_for() -> None:
    """A sample of the negated image, each detection weighed k, fits as k copies would."""
    snr = draw_noise_snr(NoiseCounts(count=500, floor=3.0, rate=0.7), 500, seed=2)
    weighted = fit_noise_counts(snr, 3.0, weights=np.full(len(snr), 4.0))
    copies = fit_noise_counts(np.repeat(snr, 4), 3.0)
    assert weighted.count == copies.count == 2000
    assert weighted.rate == pytest.approx(copies.rate, rel=1e-12)
    # Through the cut: a detection's reliability is the same either way.
    image = np.linspace(3.0, 8.0, 200)
    a = reliability_cut(image, snr, floor=3.0, match_value=0.8, negated_weights=np.full(500, 4.0))
    b = reliability_cut(image, np.repeat(snr, 4), floor=3.0, match_value=0.8)
    np.testing.assert_allclose(a.reliability, b.reliability, rtol=1e-9)


def test_an_unsampled_tile_skips_the_negated_search_and_a_sampled_one_weighs_it(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(7)
    noise = ndimage.gaussian_filter(rng.normal(0.0, 1.0, (320, 320)), 3.0 / 2.3548)
    path = write_image(
        tmp_path / "noise.fits",
        noise * 1e-6 / noise.std(),
        sky_header(320, pixel_arcsec=0.6, beam_arcsec=1.8, freq_hz=560e6),
    )
    grid = compute_background(path, 90, 30)
    settings = {"thresh_isl": 2.0, "thresh_pix": 3.0, "rms_box": (90, 30)}
    whole = plan_tiles(grid.shape, 0, 0)[0]
    skipped = search_both_signs(path, grid, replace(whole, negated_weight=0.0), settings)
    assert len(skipped.negated) == 0 and len(skipped.sources) > 0
    sampled = search_both_signs(path, grid, replace(whole, negated_weight=2.5), settings)
    assert len(sampled.negated) > 0 and (sampled.negated["Area_weight"] == 2.5).all()
    pd.testing.assert_frame_equal(sampled.sources, skipped.sources)
    # Every tile searched: the table is PyBDSF's, with no weight column.
    assert "Area_weight" not in search_both_signs(path, grid, whole, settings).negated


def test_reliability_rises_with_snr_and_the_cut_keeps_positive_expected_value() -> None:
    noise = NoiseCounts(count=400, floor=3.0, rate=0.5)
    false = draw_noise_snr(noise, 400, seed=2)
    # Real sources: a power law in S/N above the floor (slope 2.5 per unit S/N).
    real = 3.0 * np.random.default_rng(3).uniform(0, 1, 600) ** (-1 / 1.5)
    snr = np.concatenate([false, real])
    sources = fit_source_counts(snr, noise)
    assert sources.count == pytest.approx(600, rel=0.15)
    assert sources.slope == pytest.approx(2.5, rel=0.15)
    reliability = detection_reliability(snr, noise, sources)
    order = np.argsort(snr)
    assert np.all(np.diff(reliability[order]) >= 0)
    assert reliability[snr > 8].min() > 0.999
    cut = reliability_cut(snr, false, floor=3.0, match_value=0.8)
    assert keep_threshold(0.8) == pytest.approx(1 / 1.8)
    assert np.array_equal(cut.keep, cut.reliability > 1 / 1.8)
    assert cut.snr_cut == snr[cut.keep].min()
    # The noise peaks kept are about as many as predicted.
    kept_false = cut.keep[: len(false)].sum()
    assert abs(kept_false - cut.predicted_false) < 3 * np.sqrt(cut.predicted_false) + 3
    # Most of the noise is cut; the real sources clear of it are all kept.
    assert kept_false < 0.25 * len(false)
    assert cut.keep[len(false) :][real > 4.5].all()


def test_no_noise_detections_keep_everything() -> None:
    cut = reliability_cut(np.array([3.1, 5.0, 40.0]), np.array([]), floor=3.0, match_value=0.8)
    assert cut.keep.all() and cut.predicted_false == 0.0


def test_negated_background_changes_the_sign_of_the_mean_only(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    path = write_image(
        tmp_path / "noise.fits",
        rng.normal(1e-6, 1e-6, (240, 240)),
        sky_header(240, pixel_arcsec=0.6, beam_arcsec=1.8),
    )
    grid = compute_background(path, 60, 15)
    flipped = negated(grid)
    assert np.array_equal(flipped.mean, -grid.mean) and np.array_equal(flipped.rms, grid.rms)


def test_pybdsf_on_pure_noise_finds_as_much_on_the_image_as_on_its_negation(
    tmp_path: Path,
) -> None:
    """Every detection on noise is false; the negated image predicts how many there are."""
    rng = np.random.default_rng(20190219)
    n, beam_px = 1024, 3.0
    sigma = beam_px / 2.3548
    noise = ndimage.gaussian_filter(rng.normal(0.0, 1.0, (n, n)), sigma)
    noise *= 1e-6 / noise.std()
    path = write_image(
        tmp_path / "noise.fits",
        noise,
        sky_header(n, pixel_arcsec=0.6, beam_arcsec=1.8, freq_hz=560e6),
    )
    grid = compute_background(path, 90, 30)
    tile = plan_tiles(grid.shape, 0, 0)[0]
    settings = {"thresh_isl": 2.0, "thresh_pix": 3.0, "rms_box": (90, 30)}
    found = search_both_signs(path, grid, tile, settings)
    n_image, n_negated = len(found.sources), len(found.negated)
    assert n_image > 30 and n_negated > 30
    # The same noise statistics: counts agree within their Poisson scatter.
    assert abs(n_image - n_negated) < 3 * np.sqrt(n_image + n_negated)
    noise_model = fit_noise_counts(peak_snr(found.negated), 3.0)
    snr = peak_snr(found.sources)
    for level in (3.5, 4.0):
        predicted = float(noise_model.above(level))
        actual = int((snr >= level).sum())
        assert abs(actual - predicted) < 3 * np.sqrt(predicted + actual) + 2, level
    # Nothing here is worth keeping: at most a few noise peaks survive the cut.
    cut = reliability_cut(snr, peak_snr(found.negated), floor=3.0, match_value=0.8)
    assert cut.keep.sum() <= max(3, 0.1 * n_image)


def test_peak_snr_of_an_empty_list_is_empty() -> None:
    assert len(peak_snr(pd.DataFrame())) == 0
