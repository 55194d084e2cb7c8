"""Forced, beam-matched photometry at given sky positions.

A spectral index from two independent PyBDSF fits exists only where both images
detect the source, and fits at different resolutions measure resolved sources
differently. Forced photometry measures every source in every image that covers
it, detected there or not, at one common resolution: each image is smoothed
(locally, around each position only) to a common Gaussian beam, and its
brightness is read at the exact sky position. In Jy per common beam, an
unresolved source reads its flux density at every frequency, so the ratio of two
readings gives its spectral index; an undetected counterpart gives a noisy value
near zero instead of nothing, which is an upper limit the classifier can use.
"""

from __future__ import annotations

import os

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.io import celestial_header, image_plane

__all__ = ["beam_matched_brightness", "smoothing_kernel_fwhm"]

#: Gaussian FWHM = this x sigma.
FWHM_PER_SIGMA: float = 2.0 * np.sqrt(2.0 * np.log(2.0))

#: Kernel stamps extend this many kernel sigmas from the position.
STAMP_SIGMAS: float = 3.0

#: A reading is kept only where at least this fraction of the kernel's weight falls on valid
#: pixels.
MIN_VALID_WEIGHT: float = 0.9


def smoothing_kernel_fwhm(beam_arcsec: float, target_arcsec: float) -> float:
    """FWHM (arcsec) of the Gaussian that turns a circular ``beam_arcsec`` beam into
    ``target_arcsec``."""
    if target_arcsec <= beam_arcsec:
        raise ValueError(f'target beam {target_arcsec}" must exceed the image beam {beam_arcsec}"')
    return float(np.sqrt(target_arcsec**2 - beam_arcsec**2))


def beam_matched_brightness(
    image: str | os.PathLike,
    ra_deg: np.ndarray,
    dec_deg: np.ndarray,
    target_beam_arcsec: float,
) -> np.ndarray:
    """Brightness (Jy per ``target_beam_arcsec`` beam) of ``image`` at each sky position.

    The image (Jy/beam, circular restoring beam BMAJ) is convolved, around each
    position only, with the Gaussian that brings its beam to the target, and the
    result is evaluated at the sub-pixel position and scaled by the ratio of beam
    areas. Pixels are read from the memory-mapped file, a small stamp at a time,
    so the image may be any size.

    Parameters
    ----------
    image : path-like
        FITS image with a celestial WCS and BMAJ (degrees).
    ra_deg, dec_deg : numpy.ndarray
        Positions (degrees).
    target_beam_arcsec : float
        FWHM of the common circular beam; must exceed the image's BMAJ.

    Returns
    -------
    numpy.ndarray
        One value per position; NaN off the image or where blanked (NaN) pixels
        carry more than 10% of the kernel's weight.
    """
    ra = np.atleast_1d(np.asarray(ra_deg, float))
    dec = np.atleast_1d(np.asarray(dec_deg, float))
    values = np.full(len(ra), np.nan)
    with fits.open(image, memmap=True) as hdul:
        header = hdul[0].header
        data = image_plane(hdul[0].data)
        wcs = WCS(celestial_header(header))
        beam_arcsec = float(header["BMAJ"]) * 3600.0
        pixel_arcsec = abs(float(wcs.proj_plane_pixel_scales()[0].to_value("arcsec")))
        kernel_sigma_px = (
            smoothing_kernel_fwhm(beam_arcsec, target_beam_arcsec) / FWHM_PER_SIGMA / pixel_arcsec
        )
        area_ratio = (target_beam_arcsec / beam_arcsec) ** 2
        half = int(np.ceil(STAMP_SIGMAS * kernel_sigma_px))
        ny, nx = data.shape
        if len(ra) == 0:
            return values
        x, y = wcs.world_to_pixel_values(ra, dec)
        offsets = np.arange(-half, half + 1)
        for i in np.flatnonzero(np.isfinite(x) & np.isfinite(y)):
            xc, yc = int(np.rint(x[i])), int(np.rint(y[i]))
            if not (0 <= xc < nx and 0 <= yc < ny):
                continue
            x0, x1 = max(xc - half, 0), min(xc + half + 1, nx)
            y0, y1 = max(yc - half, 0), min(yc + half + 1, ny)
            stamp = np.asarray(data[y0:y1, x0:x1], dtype=float)
            gx = np.exp(-0.5 * ((np.arange(x0, x1) - x[i]) / kernel_sigma_px) ** 2)
            gy = np.exp(-0.5 * ((np.arange(y0, y1) - y[i]) / kernel_sigma_px) ** 2)
            weights = np.outer(gy, gx)
            # The full kernel's weight, as if the stamp were never cut by an edge.
            full = (
                np.exp(-0.5 * ((xc + offsets - x[i]) / kernel_sigma_px) ** 2).sum()
                * np.exp(-0.5 * ((yc + offsets - y[i]) / kernel_sigma_px) ** 2).sum()
            )
            valid = np.isfinite(stamp)
            if weights[valid].sum() < MIN_VALID_WEIGHT * full:
                continue
            values[i] = area_ratio * np.sum(weights[valid] * stamp[valid]) / weights[valid].sum()
    return values
