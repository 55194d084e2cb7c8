"""PyBDSF source finding on a small synthetic image with known Gaussian sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.beam import beam_from_header
from sdc1.find_sources import find_sources
from tests.helpers import sky_header

BEAM_ARCSEC = 1.5
PIX_ARCSEC = 0.6


def sdc1_like_header(nx: int, ny: int) -> fits.Header:
    """A 4-axis SDC1-like header (SIN near RA 0, Dec -30), BMAJ/BMIN and no BPA."""
    return sky_header(
        nx,
        ny,
        pixel_arcsec=PIX_ARCSEC,
        beam_arcsec=BEAM_ARCSEC,
        crpix=(-1219.0, -1466.0),
        freq_hz=5.6e8,
    )


def gaussian(
    shape: tuple[int, int], x0: float, y0: float, peak: float, fwhm_pix: float
) -> np.ndarray:
    y, x = np.indices(shape)
    sigma = fwhm_pix / 2.3548
    return peak * np.exp(-((x - x0) ** 2 + (y - y0) ** 2) / (2 * sigma**2))


@pytest.fixture
def synthetic_image(tmp_path: Path) -> tuple[Path, list[tuple[float, float]]]:
    """128x128 px, three point sources (beam-sized Gaussians) at SNR ~50 on unit-ish noise."""
    shape = (128, 128)
    noise = 1e-6
    rng = np.random.default_rng(7)
    data = rng.normal(0.0, noise, shape)
    positions = [(30.0, 40.0), (90.0, 80.0), (60.0, 100.0)]
    for x0, y0 in positions:
        data += gaussian(shape, x0, y0, 50 * noise, BEAM_ARCSEC / PIX_ARCSEC)
    header = sdc1_like_header(*shape[::-1])
    path = tmp_path / "image.fits"
    fits.writeto(path, data[None, None].astype(np.float32), header)
    return path, positions


def test_beam_from_header_defaults_bpa_to_zero() -> None:
    header = sdc1_like_header(10, 10)
    assert beam_from_header(header) == pytest.approx((BEAM_ARCSEC / 3600, BEAM_ARCSEC / 3600, 0.0))


def test_find_sources_recovers_gaussians_and_leaves_no_files(synthetic_image) -> None:
    path, positions = synthetic_image
    sources, gaussians = find_sources(
        path, thresh_isl=3.0, thresh_pix=5.0, rms_box=None, rms_map=False
    )
    assert len(sources) == 3
    assert len(gaussians) >= 3
    assert set(sources["n_gaussians"]) == {1}
    for column in (
        "RA",
        "DEC",
        "RA_max",
        "DEC_max",
        "Total_flux",
        "Peak_flux",
        "DC_Maj",
        "Isl_rms",
        "S_Code",
    ):
        assert column in sources.columns
    # Positions: every injected source has a detection within half a beam.
    wcs = WCS(fits.getheader(path)).celestial
    world = wcs.pixel_to_world_values(
        np.array([p[0] for p in positions]), np.array([p[1] for p in positions])
    )
    for ra, dec in zip(*world):
        dra = ((sources["RA"] - ra + 180) % 360 - 180) * np.cos(np.deg2rad(dec)) * 3600
        ddec = (sources["DEC"] - dec) * 3600
        assert np.hypot(dra, ddec).min() < BEAM_ARCSEC / 2
    # Point sources: integrated flux ~ peak (Jy/beam), both ~50 uJy.
    np.testing.assert_allclose(sources["Total_flux"], 50e-6, rtol=0.15)
    # Nothing written beside the input image (log and catalogues went to a temp dir).
    assert sorted(p.name for p in path.parent.iterdir()) == ["image.fits"]


def test_find_sources_missing_image(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        find_sources(tmp_path / "nope.fits", thresh_isl=3, thresh_pix=5, rms_box=None)
