"""PyBDSF rows to SDC1 columns: conventions checked on hand-made rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from astropy.io import fits

from sdc1.catalogue import (
    FEATURE_COLUMNS,
    PA_ERROR_LIMITS,
    core_fraction,
    deconvolved_sizes,
    pa_for_class,
    sdc1_position_angle,
    to_sdc1,
    wrap_ra,
)
from sdc1.io import SDC1_COLUMNS

BEAM_DEG = 1.5 / 3600.0


def header() -> fits.Header:
    h = fits.Header()
    h["BMAJ"] = BEAM_DEG
    h["BMIN"] = BEAM_DEG
    return h


def source_row(source_id: int, **overrides) -> dict:
    """One PyBDSF source-list row (degrees, Jy), a resolved single Gaussian by default."""
    row = {
        "Source_id": source_id,
        "Isl_id": source_id,
        "RA": 359.70,
        "DEC": -29.70,
        "RA_max": 359.7001,
        "DEC_max": -29.7001,
        "Total_flux": 20e-6,
        "E_Total_flux": 1e-6,
        "Peak_flux": 10e-6,
        "E_Peak_flux": 0.5e-6,
        "E_RA": 0.05 / 3600,
        "E_DEC": 0.06 / 3600,
        "E_RA_max": 0.03 / 3600,
        "E_DEC_max": 0.04 / 3600,
        "Maj": 2.0 / 3600,
        "E_Maj": 0.2 / 3600,
        "E_Min": 0.15 / 3600,
        "Min": 1.6 / 3600,
        "PA": 30.0,
        "DC_Maj": 1.2 / 3600,
        "DC_Min": 0.5 / 3600,
        "DC_PA": 30.0,
        "E_PA": 5.0,
        "E_DC_Maj": 0.1 / 3600,
        "E_DC_Min": 0.1 / 3600,
        "Isl_Total_flux": 21e-6,
        "Isl_rms": 1e-6,
        "Resid_Isl_rms": 1e-6,
        "S_Code": "S",
        "n_gaussians": 1,
    }
    row.update(overrides)
    return row


def gaussian_row(source_id: int, peak: float, total: float) -> dict:
    return {
        "Source_id": source_id,
        "Peak_flux": peak,
        "Total_flux": total,
        "RA": 359.7,
        "DEC": -29.7 + 1e-4 * source_id,
    }


def test_position_angle_convention() -> None:
    # SDC1 PA = 90 - PyBDSF PA, modulo 180.
    np.testing.assert_allclose(
        sdc1_position_angle([0.0, 90.0, 100.0, 30.0, 179.0]), [90.0, 0.0, 170.0, 60.0, 91.0]
    )


def test_wrap_ra() -> None:
    np.testing.assert_allclose(wrap_ra([359.5, 0.5, 180.0, -10.0]), [-0.5, 0.5, 180.0, -10.0])


def test_deconvolved_sizes_floor_and_order() -> None:
    b_maj, b_min = deconvolved_sizes([1.2, 0.0, 0.0], [0.5, 0.0, 0.3], 1.5, unresolved_frac=0.1)
    np.testing.assert_allclose(b_maj, [1.2, 0.15, 0.3])
    np.testing.assert_allclose(b_min, [0.5, 0.15, 0.3])
    assert np.all(b_maj >= b_min) and np.all(b_min > 0)


def test_core_fraction_zero_for_single_gaussian() -> None:
    sources = pd.DataFrame([source_row(0, Total_flux=10.0), source_row(1, Total_flux=10.0)])
    gaussians = pd.DataFrame(
        [gaussian_row(0, 5.0, 10.0), gaussian_row(1, 8.0, 6.0), gaussian_row(1, 1.0, 4.0)]
    )
    # Source 1: the brightest-peak Gaussian carries 6 of 10.
    np.testing.assert_allclose(core_fraction(sources, gaussians), [0.0, 0.6])


#: No detections on the negated image: every source is reliable.
NO_NOISE = {"negated": pd.DataFrame(), "snr_floor": 3.0, "match_value": 0.8}


def test_to_sdc1_conventions_and_reliability_cut() -> None:
    sources = pd.DataFrame(
        [
            source_row(0),
            source_row(1, Peak_flux=3e-6, DC_Maj=0.0, DC_Min=0.0, PA=120.0, DC_PA=0.0),
            source_row(2, Peak_flux=2e-6),  # snr 2: cut when the negated image has noise
            source_row(3, n_gaussians=2, Total_flux=10e-6),
        ]
    )
    gaussians = pd.DataFrame(
        [
            gaussian_row(0, 10e-6, 20e-6),
            gaussian_row(1, 3e-6, 20e-6),
            gaussian_row(2, 2e-6, 20e-6),
            gaussian_row(3, 8e-6, 7e-6),
            gaussian_row(3, 2e-6, 3e-6),
        ]
    )
    cat = to_sdc1(
        sources, gaussians, header(), unresolved_frac=0.1, core_min_gaussians=2, **NO_NOISE
    )
    assert list(cat.columns) == list(SDC1_COLUMNS) + list(FEATURE_COLUMNS)
    assert list(cat["source_id"]) == [0, 1, 2, 3] and (cat["reliability"] == 1.0).all()
    # Noise peaks up to S/N 2.2 on the negated image: the S/N 2 source is cut.
    noise = pd.DataFrame({"Peak_flux": [2.05e-6, 2.1e-6, 2.15e-6, 2.2e-6], "Isl_rms": 1e-6})
    settings = {**NO_NOISE, "negated": noise, "snr_floor": 2.0}
    cat = to_sdc1(
        sources, gaussians, header(), unresolved_frac=0.1, core_min_gaussians=2, **settings
    )
    assert list(cat["source_id"]) == [0, 1, 3]
    assert list(cat["id"]) == [0, 1, 2]
    assert cat["reliability"].between(0.5, 1.0).all()
    first = cat.iloc[0]
    assert first["ra_cent"] == pytest.approx(-0.30)  # RA wrapped into (-180, 180]
    assert first["ra_core"] == pytest.approx(-0.2999)
    assert first["flux"] == pytest.approx(20e-6)
    assert first["b_maj"] == pytest.approx(1.2)  # deconvolved, arcsec
    assert first["b_min"] == pytest.approx(0.5)
    assert first["pa"] == pytest.approx(60.0)
    assert first["snr"] == pytest.approx(10.0)
    assert first["size"] == 2 and first["class"] == 3
    assert first["core_frac"] == 0.0
    unresolved = cat.iloc[1]
    assert unresolved["b_maj"] == pytest.approx(0.15) and unresolved["b_min"] == pytest.approx(
        0.15
    )
    # Unresolved: the fitted (convolved) PA, 150, written in the SFGs' range (-90, 90].
    assert unresolved["pa"] == pytest.approx(-30.0)
    assert not unresolved["resolved_maj"]
    assert cat.iloc[2]["core_frac"] == pytest.approx(0.7)
    # By default no source claims a core.
    default = to_sdc1(sources, gaussians, header(), **settings)
    assert (default["core_frac"] == 0).all()
    assert default["core_frac_meas"].iloc[2] == pytest.approx(0.7)


def test_to_sdc1_empty() -> None:
    cat = to_sdc1(pd.DataFrame(), pd.DataFrame(), header(), **NO_NOISE)
    assert len(cat) == 0
    assert list(cat.columns)[:12] == list(SDC1_COLUMNS)


def ska_sdc_pa_score(pa: np.ndarray, true_pa: np.ndarray) -> np.ndarray:
    """ska-sdc's PA score (ska_sdc.sdc1.utils.score_helper), reproduced for the simulation."""
    from ska_sdc.sdc1.dc_defns import pa_thr
    from ska_sdc.sdc1.utils.score_helper import get_pa_acc_series

    error = get_pa_acc_series(pd.Series(pa), pd.Series(true_pa)).to_numpy()
    return np.minimum(1.0, pa_thr / np.maximum(error, 1e-9))


@pytest.mark.parametrize("kind, true_range, cls", [("sfg", (-90, 90), 3), ("agn", (0, 360), 1)])
def test_pa_error_limits_are_where_a_measured_pa_stops_paying(kind, true_range, cls) -> None:
    rng = np.random.default_rng(1)
    true_pa = rng.uniform(*true_range, 100_000)
    limit, guess = PA_ERROR_LIMITS[kind]
    guessed = ska_sdc_pa_score(np.full_like(true_pa, guess), true_pa).mean()
    for sigma, measured_pays in ((limit - 4.0, True), (limit + 4.0, False)):
        measured = pa_for_class(true_pa + rng.normal(0, sigma, true_pa.size), 0.0, cls)
        assert (ska_sdc_pa_score(measured, true_pa).mean() > guessed) == measured_pays, sigma


def test_pa_for_class_writes_each_class_range_and_guesses_unmeasured_angles() -> None:
    pa = np.array([150.0, 150.0, 30.0, 150.0, 150.0])
    error = np.array([5.0, 5.0, 5.0, 60.0, np.nan])
    classes = np.array([3, 1, 3, 3, 2])
    np.testing.assert_allclose(pa_for_class(pa, error, classes), [-30.0, 150.0, 30.0, 0.0, 22.5])
