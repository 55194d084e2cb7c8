"""Each tiled image's own peak threshold: chosen on the pilot tiles, the same tables as a
search at it (PyBDSF on real pixels), and the same in one job per tile or per image."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.errors import InputError
from sdc1.peak_threshold import (
    PeakThreshold,
    apply_peak_threshold,
    choose_peak_threshold,
    islands_above,
    read_peak_threshold,
    threshold_from_detections,
    write_peak_threshold,
)
from sdc1.reliability import NoiseCounts, SourceCounts, keep_threshold, model_cut_snr
from sdc1.tiles import Tile

FLOOR, MATCH = 3.0, 0.8


def detections(snr: np.ndarray, island_snr: np.ndarray | None = None) -> pd.DataFrame:
    """A PyBDSF-like source list with the given peak S/N (rms 1)."""
    snr = np.asarray(snr, dtype=float)
    return pd.DataFrame(
        {
            "Peak_flux": snr,
            "Isl_rms": np.ones(len(snr)),
            "Isl_peak_snr": snr if island_snr is None else island_snr,
        }
    )


def choose(
    sources: pd.DataFrame, negated: pd.DataFrame, margin: float | None = 1.0, pilot_tiles: int = 2
) -> PeakThreshold:
    """:func:`threshold_from_detections` with pilot tiles 2 of 16, the floor 3 and match 0.8."""
    return threshold_from_detections(
        sources,
        negated,
        floor=FLOOR,
        margin=margin,
        match_value=MATCH,
        pilot_tiles=pilot_tiles,
        tiles=16,
    )


def noise_snr(n: int, rng: np.random.Generator, floor: float = FLOOR) -> np.ndarray:
    """S/N of ``n`` Gaussian-noise peaks above ``floor``: N(>s) ~ exp(-(s^2 - floor^2) / 2)."""
    return np.sqrt(floor**2 + rng.exponential(2.0, n))


def power_law_snr(n: int, rng: np.random.Generator, slope: float = 2.0) -> np.ndarray:
    return FLOOR * (1.0 - rng.uniform(size=n)) ** (-1.0 / (slope - 1.0))


def test_model_cut_snr_is_where_the_fitted_reliability_reaches_the_keep_threshold():
    noise = NoiseCounts(count=10_000.0, floor=FLOOR, rate=0.5)
    sources = SourceCounts(count=100.0, floor=FLOOR, slope=2.0)
    cut = model_cut_snr(noise, sources, MATCH)
    for s, kept in ((cut - 0.01, False), (cut + 0.01, True)):
        real, false = sources.density(np.array([s])), noise.density(np.array([s]))
        assert (real / (real + false) > keep_threshold(MATCH))[0] == kept
    # No noise to speak of: every S/N is kept, from the floor.
    assert model_cut_snr(NoiseCounts(1e-9, FLOOR, 0.5), sources, MATCH) == FLOOR


def test_a_noise_dominated_pilot_raises_the_threshold_to_a_margin_below_its_cut():
    rng = np.random.default_rng(1)
    negated = noise_snr(20_000, rng)
    image = np.concatenate([noise_snr(20_000, rng), power_law_snr(300, rng)])
    threshold = choose(detections(image), detections(negated))
    assert 4.5 < threshold.snr_cut < 7.0
    assert threshold.thresh_pix == pytest.approx(threshold.snr_cut - 1.0, abs=1e-3)
    assert threshold.pilot_sources == len(image) and 0 < threshold.pilot_kept < 400
    # Island and fitted peak S/N are equal here: no kept source lies below the threshold.
    assert threshold.pilot_lost == 0
    assert "reliability model" in threshold.reason
    # A margin larger than the cut's distance from the floor keeps the floor.
    wide = choose(detections(image), detections(negated), margin=5.0)
    assert wide.thresh_pix == FLOOR


def test_kept_sources_in_islands_below_the_threshold_are_counted_as_lost():
    rng = np.random.default_rng(2)
    negated = noise_snr(20_000, rng)
    image = np.concatenate([noise_snr(20_000, rng), power_law_snr(300, rng)])
    # Fitted peaks above the islands' brightest pixels, by 2 in S/N.
    table = detections(image, island_snr=image - 2.0)
    threshold = choose(table, detections(negated))
    kept_snr = np.sort(image)[-threshold.pilot_kept :]
    assert threshold.pilot_lost == int((kept_snr - 2.0 <= threshold.thresh_pix).sum()) > 0


def test_the_floor_stays_without_a_margin_or_tiles_left_to_search():
    table = detections(np.array([3.5, 10.0]))
    for margin, pilots, reason in ((None, 2, "null"), (1.0, 16, "every tile")):
        threshold = choose(table, table, margin=margin, pilot_tiles=pilots)
        assert threshold.thresh_pix == FLOOR and math.isnan(threshold.snr_cut)
        assert reason in threshold.reason


def test_islands_above_is_strict_and_refuses_tables_without_the_island_snr():
    table = detections(np.array([3.5, 4.0, 4.5]))
    assert list(islands_above(table, 4.0)["Isl_peak_snr"]) == [4.5]
    assert len(islands_above(pd.DataFrame(), 4.0)) == 0
    with pytest.raises(InputError, match=r"^tile_a\.parquet: no Isl_peak_snr column"):
        islands_above(table.drop(columns="Isl_peak_snr"), 4.0, name="tile_a.parquet")
    at_floor = PeakThreshold(3.0, 3.0, 1.0, 3.5, 1, 4, 2, 1, 0, "test")
    assert apply_peak_threshold(table, at_floor) is table


def test_threshold_record_round_trips_with_infinite_and_missing_cuts(tmp_path):
    for cut in (math.inf, math.nan, 5.25):
        threshold = PeakThreshold(4.25, 3.0, 1.0, cut, 2, 16, 100, 10, 1, "why")
        write_peak_threshold(threshold, tmp_path / "t.json")
        back = read_peak_threshold(tmp_path / "t.json")
        assert back.thresh_pix == 4.25 and back.reason == "why"
        assert back.snr_cut == cut or (math.isnan(cut) and math.isnan(back.snr_cut))
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(InputError, match=r"bad\.json: not a peak-threshold record"):
        read_peak_threshold(tmp_path / "bad.json")


def test_threshold_from_pilots_counts_the_plan_and_weighs_area():
    tiles = [
        Tile(f"t{i}", (0, 10), (0, 10), (0, 10), (0, 10), negated_weight=w)
        for i, w in enumerate([4.0, 0.0, 0.0, 0.0])
    ]
    rng = np.random.default_rng(3)
    # Noise only in the pilot: the model keeps nothing, and the image (4x the pilot's
    # area) expects under one noise detection above the returned S/N.
    table = detections(noise_snr(5_000, rng))
    negated = detections(noise_snr(5_000, rng))
    threshold = choose_peak_threshold(
        tiles, [(table, negated)], floor=FLOOR, margin=1.0, match_value=MATCH
    )
    assert (threshold.pilot_tiles, threshold.tiles) == (1, 4)
    assert threshold.thresh_pix == pytest.approx(threshold.snr_cut - 1.0, abs=1e-3)
    if "keeps nothing" in threshold.reason:
        assert threshold.snr_cut == pytest.approx(
            math.sqrt(FLOOR**2 + math.log(4 * 5_000) / 0.5), rel=0.1
        )
    else:
        assert threshold.snr_cut > 5.0


def test_pybdsf_islands_above_a_threshold_are_a_search_at_it(sdc1_sample: Path):
    """PyBDSF on the real 0.05tr cutout at 3 and at 4: the islands above 4 of the first
    search are the second search, source for source and Gaussian for Gaussian."""
    from sdc1.find_sources import find_sources

    image = sdc1_sample / "B1_1000h_0.05tr.fits"
    runs = {
        t: find_sources(image, thresh_isl=2.0, thresh_pix=t, rms_box=(60, 15), peak_maxsize=100)
        for t in (3.0, 4.0)
    }
    low_sources, low_gaussians = runs[3.0]
    high_sources, high_gaussians = runs[4.0]
    assert (low_sources["Isl_peak_snr"] > 3.0).all()
    assert len(islands_above(low_sources, 4.0)) < len(low_sources)
    columns = ["RA", "DEC", "Total_flux", "Peak_flux", "Maj", "Min", "PA", "Isl_rms"]
    for low, high in ((low_sources, high_sources), (low_gaussians, high_gaussians)):
        cut = islands_above(low, 4.0)[columns + ["Isl_peak_snr"]]
        pd.testing.assert_frame_equal(
            cut.sort_values(["RA", "DEC"]).reset_index(drop=True),
            high[columns + ["Isl_peak_snr"]].sort_values(["RA", "DEC"]).reset_index(drop=True),
        )
