"""Forced beam-matched photometry on images with known point sources."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.photometry import beam_matched_brightness, smoothing_kernel_fwhm
from tests.helpers import sky_header


def point_source_image(
    path: Path, pixel_arcsec: float, beam_arcsec: float, flux_jy: float, n: int = 129
) -> Path:
    """An n x n SIN image at (0, -30) with a point source of ``flux_jy`` (Jy/beam peak)
    off-centre."""
    header = sky_header(n, pixel_arcsec=pixel_arcsec, beam_arcsec=beam_arcsec)
    wcs = WCS(header)
    x0, y0 = wcs.world_to_pixel_values(SOURCE_RA, SOURCE_DEC)
    y, x = np.mgrid[:n, :n]
    sigma = beam_arcsec / pixel_arcsec / 2.3548
    data = flux_jy * np.exp(-0.5 * ((x - x0) ** 2 + (y - y0) ** 2) / sigma**2)
    fits.writeto(path, data.astype(np.float32), header)
    return path


SOURCE_RA = 359.9996
SOURCE_DEC = -29.9997


def test_point_source_reads_its_flux_at_any_resolution(tmp_path: Path) -> None:
    low = point_source_image(tmp_path / "low.fits", 0.6, 1.5, 2e-5)
    high = point_source_image(tmp_path / "high.fits", 0.24, 0.6, 2e-5 * (1400 / 560) ** -0.4)
    target = 1.25 * 1.5
    s_low = beam_matched_brightness(low, [SOURCE_RA], [SOURCE_DEC], target)[0]
    s_high = beam_matched_brightness(high, [SOURCE_RA], [SOURCE_DEC], target)[0]
    assert s_low == pytest.approx(2e-5, rel=0.02)
    alpha = np.log(s_high / s_low) / np.log(1400 / 560)
    assert alpha == pytest.approx(-0.4, abs=0.03)


def test_off_image_and_blanked_positions_are_nan(tmp_path: Path) -> None:
    path = point_source_image(tmp_path / "img.fits", 0.6, 1.5, 1e-5)
    with fits.open(path, mode="update") as hdul:
        hdul[0].data[:, :70] = np.nan  # blank the half holding the source
    values = beam_matched_brightness(
        path, [SOURCE_RA, 359.997, 10.0], [SOURCE_DEC, -30.0, -30.0], 1.9
    )
    assert np.isnan(values[0]) and np.isfinite(values[1]) and np.isnan(values[2])


def test_target_beam_must_be_larger() -> None:
    assert smoothing_kernel_fwhm(0.6, 1.0) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="must exceed"):
        smoothing_kernel_fwhm(1.5, 1.5)
