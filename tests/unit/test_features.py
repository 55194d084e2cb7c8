"""Cross-frequency features on hand-made catalogues with known spectral indices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sdc1.features import build_feature_table, feature_columns, match_counterparts, spectral_index
from tests.helpers import sky_header, write_image


def catalogue(ra: np.ndarray, dec: np.ndarray, flux: np.ndarray) -> pd.DataFrame:
    n = len(ra)
    return pd.DataFrame(
        {
            "id": np.arange(n),
            "ra_core": ra,
            "dec_core": dec,
            "flux": flux,
            "peak_flux": flux * 0.8,
            "e_total_flux": flux * 0.01,
            "snr": np.full(n, 20.0),
            "b_maj": np.full(n, 1.0),
            "b_min": np.full(n, 0.5),
            "core_frac": np.zeros(n),
            "n_gaussians": np.ones(n),
            "maj_raw": np.full(n, 1.8),
            "dc_maj": np.full(n, 1.0),
        }
    )


def test_spectral_index_recovers_power_law() -> None:
    alpha, err = spectral_index(
        np.array([1.0]),
        np.array([(1400 / 560) ** -0.7]),
        560,
        1400,
        np.array([0.01]),
        np.array([0.01 * (1400 / 560) ** -0.7]),
    )
    assert alpha[0] == pytest.approx(-0.7)
    assert err[0] == pytest.approx(np.hypot(0.01, 0.01) / np.log(2.5))


def test_nearest_counterpart_and_ambiguity_count() -> None:
    a = catalogue(np.array([0.0, 0.01]), np.array([-30.0, -30.0]), np.ones(2))
    arcsec = 1 / 3600
    b = catalogue(
        np.array([0.2 * arcsec, 0.5 * arcsec, 0.02]), np.array([-30.0, -30.0, -30.0]), np.ones(3)
    )
    index, sep, n_within = match_counterparts(a, b, radius_arcsec=1.0)
    assert index.tolist() == [0, -1]
    assert n_within.tolist() == [2, 0]
    assert sep[0] == pytest.approx(0.2 * np.cos(np.radians(30)), rel=1e-3)


def test_feature_table_missing_is_nan_not_zero() -> None:
    rng = np.random.default_rng(3)
    ra = rng.uniform(-0.01, 0.01, 30)
    dec = rng.uniform(-30.01, -29.99, 30)
    flux560 = rng.uniform(1e-5, 1e-4, 30)
    alpha = np.where(np.arange(30) < 15, -0.8, -0.2)
    flux1400 = flux560 * (1400 / 560) ** alpha
    keep = np.arange(30) != 3  # source 3 undetected at 1400 MHz
    cats = {560: catalogue(ra, dec, flux560), 1400: catalogue(ra[keep], dec[keep], flux1400[keep])}
    headers = {
        560: sky_header(200, pixel_arcsec=0.6, beam_arcsec=1.5, crpix=(100.0, 100.0)),
        1400: sky_header(500, pixel_arcsec=0.24, beam_arcsec=0.6, crpix=(250.0, 250.0)),
    }
    table = build_feature_table(cats, headers, radius_beams=0.5)
    rows560 = table[table["freq"] == 560].reset_index(drop=True)
    np.testing.assert_allclose(rows560.loc[keep, "alpha_1400"], alpha[keep], atol=1e-9)
    assert rows560.loc[3, "has_match_1400"] == 0 and np.isnan(rows560.loc[3, "alpha_1400"])
    # 9200 MHz was not observed at all: missing, and flagged as unobserved.
    assert rows560["alpha_9200"].isna().all() and (rows560["observed_9200"] == 0).all()
    multi = feature_columns(table, 560, "multi")
    assert "alpha_1400" in multi and "alpha_560" not in multi
    assert not any(c.endswith("_1400") for c in feature_columns(table, 560, "single"))


def test_unknown_feature_set_names_the_key() -> None:
    with pytest.raises(ValueError, match="classifier.features"):
        feature_columns(pd.DataFrame(), 560, "both")


def test_counterpart_compactness_comes_from_the_other_catalogue() -> None:
    ra = np.array([0.0, 0.002, 0.004])
    dec = np.full(3, -30.0)
    flux = np.full(3, 1e-4)
    other = catalogue(ra[:2], dec[:2], flux[:2])
    # The first counterpart is a point source at 1400 MHz, the second resolved into two Gaussians.
    other["peak_flux"] = flux[:2] * np.array([1.0, 0.25])
    other["dc_maj"] = np.array([0.0, 1.2])
    other["n_gaussians"] = np.array([1.0, 2.0])
    headers = {
        560: sky_header(200, pixel_arcsec=0.6, beam_arcsec=1.5, crpix=(100.0, 100.0)),
        1400: sky_header(500, pixel_arcsec=0.24, beam_arcsec=0.6, crpix=(250.0, 250.0)),
    }
    table = build_feature_table({560: catalogue(ra, dec, flux), 1400: other}, headers)
    rows560 = table[table["freq"] == 560].reset_index(drop=True)
    np.testing.assert_allclose(rows560["peak_to_total_1400"][:2], [1.0, 0.25])
    np.testing.assert_allclose(rows560["dc_maj_1400"][:2], [0.0, 1.2])
    np.testing.assert_allclose(rows560["n_gaussians_1400"][:2], [1.0, 2.0])
    # No counterpart: missing, not the source's own values.
    assert rows560.loc[2, ["peak_to_total_1400", "dc_maj_1400", "n_gaussians_1400"]].isna().all()
    assert "peak_to_total_1400" in feature_columns(table, 560, "multi")


@pytest.mark.parametrize("max_ratio, forced", [(4.0, False), (20.0, True)])
def test_forced_photometry_only_between_similar_beams(
    tmp_path: Path, max_ratio: float, forced: bool
) -> None:
    ra = np.array([0.0, 0.001])
    dec = np.full(2, -30.0)
    headers = {
        560: sky_header(64, pixel_arcsec=0.6, beam_arcsec=1.5),
        9200: sky_header(512, pixel_arcsec=0.0368, beam_arcsec=0.0913),
    }
    images = {
        f: write_image(tmp_path / f"{f}.fits", np.full((h["NAXIS2"], h["NAXIS1"]), 1e-5), h)
        for f, h in headers.items()
    }
    cats = {f: catalogue(ra, dec, np.full(2, 1e-4)) for f in headers}
    table = build_feature_table(cats, headers, images=images, forced_max_beam_ratio=max_ratio)
    rows560 = table[table["freq"] == 560]
    # The beams differ 16-fold: forced readings of the 9200 MHz image only when allowed.
    assert rows560["forced_flux_9200"].notna().all() == forced
    assert rows560["forced_flux_9200"].isna().all() != forced
