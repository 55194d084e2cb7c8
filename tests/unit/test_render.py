"""Renderer: flux conservation, PA and RA conventions, WCS of cutouts, noise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from astropy.wcs import WCS

from sdc1.simulate.geometry import Cutout, image_header, pixel_scale_deg
from sdc1.simulate.render import (
    add_noise,
    beam_fwhm_px,
    catalogue_components,
    emulate_deconvolution,
    render_catalogue,
    render_components,
    render_field,
)


def _header(n: int = 128, x0: int = 16384 - 64, y0: int = 16384 - 64):
    return image_header(Cutout(560, x0, y0, n, n))


def _source(header, dx=0.0, dy=0.0, **kw) -> pd.DataFrame:
    wcs = WCS(header).celestial
    ra, dec = wcs.all_pix2world(64 + dx, 64 + dy, 0)
    row = dict(
        id=1,
        ra_core=float(ra),
        dec_core=float(dec),
        ra_cent=float(ra),
        dec_cent=float(dec),
        flux=1e-3,
        core_frac=0.0,
        b_maj=0.0,
        b_min=0.0,
        pa=0.0,
        size=2,
        **{"class": 3},
    )
    row.update(kw)
    return pd.DataFrame([row])


def _flux(img, header) -> float:
    beam = beam_fwhm_px(header)
    return float(img.sum() / (2 * np.pi * (beam / 2.3548200450309493) ** 2))


@pytest.mark.parametrize(
    "kw",
    [
        dict(b_maj=0.0, b_min=0.0, size=2),
        dict(b_maj=4.0, b_min=2.0, pa=30.0, size=2),
        dict(b_maj=3.0, b_min=1.5, pa=60.0, size=3),
        dict(b_maj=20.0, b_min=10.0, pa=10.0, size=1, core_frac=0.1, **{"class": 1}),
        dict(b_maj=0.5, b_min=0.5, size=2, core_frac=0.7, **{"class": 2}),
    ],
)
def test_flux_is_conserved(kw) -> None:
    h = _header()
    img = render_catalogue(_source(h, **kw), h)
    assert _flux(img, h) == pytest.approx(1e-3, rel=0.01)


def test_point_source_peak_equals_flux_in_jy_per_beam() -> None:
    h = _header()
    img = render_catalogue(_source(h), h)
    assert img.max() == pytest.approx(1e-3, rel=0.02)
    assert np.unravel_index(img.argmax(), img.shape) == (64, 64)


def test_ra_below_zero_means_ra_plus_360() -> None:
    h = _header(x0=16384 + 10)  # west of RA 0: sources have RA < 0 in SDC1 catalogues
    cat = _source(h)
    ra = cat.ra_core.iloc[0]
    neg, pos = cat.copy(), cat.copy()
    neg[["ra_core", "ra_cent"]] = ((ra + 180) % 360) - 180
    pos[["ra_core", "ra_cent"]] = ra % 360
    assert neg.ra_core.iloc[0] < 0
    np.testing.assert_array_equal(render_catalogue(neg, h), render_catalogue(pos, h))


@pytest.mark.parametrize("pa", [0.0, 30.0, 90.0, 135.0])
def test_major_axis_lies_at_minus_pa_from_x(pa: float) -> None:
    h = _header()
    img = render_catalogue(_source(h, b_maj=12.0, b_min=1.0, pa=pa), h).astype(float)
    yy, xx = np.mgrid[0:128, 0:128]
    w = img / img.sum()
    mx, my = (w * xx).sum(), (w * yy).sum()
    cxx = (w * (xx - mx) ** 2).sum()
    cyy = (w * (yy - my) ** 2).sum()
    cxy = (w * (xx - mx) * (yy - my)).sum()
    angle = 0.5 * np.degrees(np.arctan2(2 * cxy, cxx - cyy))
    assert ((angle - (-pa)) + 90) % 180 - 90 == pytest.approx(0.0, abs=1.0)


def test_cutout_wcs_places_sources_at_the_same_sky_position() -> None:
    big = _header(n=256, x0=16384 - 128, y0=16384 - 128)
    small = image_header(Cutout(560, 16384 - 128 + 100, 16384 - 128 + 60, 64, 64))
    wcs = WCS(big).celestial
    ra, dec = wcs.all_pix2world(130.0, 90.0, 0)
    cat = _source(
        big, ra_core=float(ra), dec_core=float(dec), ra_cent=float(ra), dec_cent=float(dec)
    )
    a = render_catalogue(cat, big)
    b = render_catalogue(cat, small)
    np.testing.assert_allclose(a[60:124, 100:164], b, atol=1e-12)
    assert abs(small["CDELT1"]) == pytest.approx(pixel_scale_deg(560))


def test_noise_rms_correlation_and_determinism() -> None:
    img = np.zeros((512, 512), np.float32)
    add_noise(img, 1e-6, 2.48, seed=3, strip_rows=100)
    other = np.zeros((512, 512), np.float32)
    add_noise(other, 1e-6, 2.48, seed=3, strip_rows=512)
    np.testing.assert_allclose(img, other, atol=1e-12)
    assert img.std() == pytest.approx(1e-6, rel=0.05)
    lag1 = np.corrcoef(img[:, :-1].ravel(), img[:, 1:].ravel())[0, 1]
    assert 0.5 < lag1 < 0.9  # correlated on the beam scale (beam ~2.5 px)


def _many_sources(header, n=300, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wcs = WCS(header).celestial
    ra, dec = wcs.all_pix2world(rng.uniform(-5, 133, n), rng.uniform(-5, 133, n), 0)
    return pd.DataFrame(
        dict(
            id=np.arange(n),
            ra_core=ra,
            dec_core=dec,
            ra_cent=ra,
            dec_cent=dec,
            flux=10 ** rng.uniform(-8, -4, n),
            core_frac=0.0,
            b_maj=rng.uniform(0, 30, n),
            b_min=rng.uniform(0, 3, n),
            pa=rng.uniform(0, 360, n),
            size=rng.choice([1, 2, 3], n),
            **{"class": rng.choice([1, 2, 3], n)},
        )
    )


def test_strips_threads_and_truncation() -> None:
    h = _header()
    cat = _many_sources(h)
    comps = catalogue_components(cat, WCS(h).celestial, pixel_scale_deg(560) * 3600.0)
    one = np.zeros((128, 128), np.float32)
    render_components(comps, one, 2.48, strip_rows=128)
    strips = np.zeros((128, 128), np.float32)
    render_field(comps, strips, 2.48, strip_rows=20, threads=2)
    np.testing.assert_allclose(strips, one, rtol=1e-5, atol=1e-12 * one.max())
    again = np.zeros((128, 128), np.float32)
    render_field(comps, again, 2.48, strip_rows=20, threads=1)
    np.testing.assert_array_equal(again, strips)  # same bytes for any number of threads
    cut = np.zeros((128, 128), np.float32)
    render_field(comps, cut, 2.48, strip_rows=20, min_peak=1e-9)
    assert np.abs(cut - one).max() < 1e-9 * 10  # truncation error: a few x min_peak at most


def test_emulate_deconvolution_is_continuous_and_monotonic() -> None:
    x = np.linspace(0, 3e-5, 301).astype(np.float32)
    y = emulate_deconvolution(x.copy(), 1e-5, 0.9)
    np.testing.assert_allclose(y[x <= 1e-5], 0.9 * x[x <= 1e-5], rtol=1e-6)
    np.testing.assert_allclose(y[x > 1e-5], x[x > 1e-5] - 1e-6, rtol=1e-5)
    assert (np.diff(y) > 0).all()
