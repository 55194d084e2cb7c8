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

import astropy.units as u
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from radio_beam import Beam
from radio_beam.utils import BeamError

from sdc1.beam import beam_from_header, celestial_header, restoring_beam
from sdc1.io import image_plane

__all__ = ["beam_matched_brightness", "smoothing_kernel", "smoothing_kernel_fwhm"]

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


def smoothing_kernel(beam: Beam, target_arcsec: float) -> Beam:
    """The Gaussian that turns an elliptical restoring ``beam`` into a circular target.

    radio-beam's deconvolution ``target.deconvolve(beam)``: elliptical, with its major
    axis along the beam's minor axis.

    Raises
    ------
    ValueError
        If the target does not exceed the beam's major axis.
    """
    major_arcsec = float(beam.major.to_value(u.arcsec))
    if target_arcsec <= major_arcsec:
        raise ValueError(
            f'target beam {target_arcsec}" must exceed the image beam {major_arcsec}" (BMAJ)'
        )
    target = Beam(major=target_arcsec * u.arcsec)
    try:
        return target.deconvolve(beam)
    except BeamError as exc:
        raise ValueError(
            f'target beam {target_arcsec}" cannot be reached from the image beam {beam!r} ({exc})'
        ) from None


def _is_conformal(matrix: np.ndarray) -> bool:
    """True if the pixel-scale matrix maps a circle to a circle (square pixels, no skew)."""
    (a, b), (c, d) = matrix
    norm = a * a + c * c
    return bool(
        np.isclose(b * b + d * d, norm, rtol=1e-12, atol=0) and abs(a * b + c * d) <= 1e-12 * norm
    )


def _kernel_precision_px(kernel: Beam, wcs: WCS) -> tuple[np.ndarray, np.ndarray]:
    """Inverse covariance (1/pixel^2) and covariance (pixel^2) of a Gaussian ``kernel`` on
    the pixel grid of ``wcs``.

    The kernel's position angle is east of north; the pixel-scale matrix of the celestial
    WCS maps pixel offsets to (east, north) offsets at the reference pixel.
    """
    jacobian = np.array(wcs.pixel_scale_matrix, dtype=float) * 3600.0  # arcsec / pixel
    if wcs.wcs.lng == 1:  # latitude axis first: rows (north, east)
        jacobian = jacobian[::-1]
    pa = float(kernel.pa.to_value(u.rad))
    major = np.array([np.sin(pa), np.cos(pa)])
    minor = np.array([np.cos(pa), -np.sin(pa)])
    sigma_major = float(kernel.major.to_value(u.arcsec)) / FWHM_PER_SIGMA
    sigma_minor = float(kernel.minor.to_value(u.arcsec)) / FWHM_PER_SIGMA
    sky = sigma_major**2 * np.outer(major, major) + sigma_minor**2 * np.outer(minor, minor)
    inverse = np.linalg.inv(jacobian)
    covariance = inverse @ sky @ inverse.T
    return np.linalg.inv(covariance), covariance


def beam_matched_brightness(
    image: str | os.PathLike,
    ra_deg: np.ndarray,
    dec_deg: np.ndarray,
    target_beam_arcsec: float,
) -> np.ndarray:
    """Brightness (Jy per ``target_beam_arcsec`` beam) of ``image`` at each sky position.

    The image (Jy/beam, restoring beam BMAJ, BMIN, BPA) is convolved, around each
    position only, with the Gaussian that brings its beam to the target, and the
    result is evaluated at the sub-pixel position and scaled by the ratio of beam
    areas. Pixels are read from the memory-mapped file, a small stamp at a time,
    so the image may be any size. For a circular beam on square pixels the kernel is a
    circular Gaussian of FWHM ``sqrt(target^2 - BMAJ^2)``; otherwise it is radio-beam's
    deconvolution of the beam from the target (:func:`smoothing_kernel`), elliptical,
    drawn on the pixel grid through the WCS's pixel-scale matrix.

    Parameters
    ----------
    image : path-like
        FITS image with a celestial WCS and a restoring beam (see
        :func:`sdc1.beam.restoring_beam`).
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
        wcs = WCS(celestial_header(header, image))
        bmaj, bmin, _ = beam_from_header(header, image)
        if bmaj == bmin and _is_conformal(wcs.pixel_scale_matrix):
            beam_arcsec = bmaj * 3600.0
            pixel_arcsec = abs(float(wcs.proj_plane_pixel_scales()[0].to_value("arcsec")))
            kernel_sigma_px = (
                smoothing_kernel_fwhm(beam_arcsec, target_beam_arcsec)
                / FWHM_PER_SIGMA
                / pixel_arcsec
            )
            area_ratio = (target_beam_arcsec / beam_arcsec) ** 2
            weigh, total = _circular_weights(kernel_sigma_px)
            half = (int(np.ceil(STAMP_SIGMAS * kernel_sigma_px)),) * 2
        else:
            beam = restoring_beam(header, image)
            kernel = smoothing_kernel(beam, target_beam_arcsec)
            precision, covariance = _kernel_precision_px(kernel, wcs)
            area_ratio = target_beam_arcsec**2 / (
                float(beam.major.to_value(u.arcsec)) * float(beam.minor.to_value(u.arcsec))
            )
            weigh = _elliptical_weights(precision)

            def total(dx: np.ndarray, dy: np.ndarray) -> float:
                return weigh(dx, dy).sum()

            half = tuple(int(np.ceil(STAMP_SIGMAS * np.sqrt(covariance[i, i]))) for i in range(2))
        ny, nx = data.shape
        if len(ra) == 0:
            return values
        x, y = wcs.world_to_pixel_values(ra, dec)
        offsets_x = np.arange(-half[0], half[0] + 1)
        offsets_y = np.arange(-half[1], half[1] + 1)
        for i in np.flatnonzero(np.isfinite(x) & np.isfinite(y)):
            xc, yc = int(np.rint(x[i])), int(np.rint(y[i]))
            if not (0 <= xc < nx and 0 <= yc < ny):
                continue
            x0, x1 = max(xc - half[0], 0), min(xc + half[0] + 1, nx)
            y0, y1 = max(yc - half[1], 0), min(yc + half[1] + 1, ny)
            stamp = np.asarray(data[y0:y1, x0:x1], dtype=float)
            weights = weigh(np.arange(x0, x1) - x[i], np.arange(y0, y1) - y[i])
            # The full kernel's weight, as if the stamp were never cut by an edge.
            full = total(xc + offsets_x - x[i], yc + offsets_y - y[i])
            valid = np.isfinite(stamp)
            if weights[valid].sum() < MIN_VALID_WEIGHT * full:
                continue
            values[i] = area_ratio * np.sum(weights[valid] * stamp[valid]) / weights[valid].sum()
    return values


def _circular_weights(sigma_px: float):
    """Weights of a circular Gaussian at pixel offsets ``dx`` (columns) x ``dy`` (rows), and
    their sum (separable: the product of the two axes' sums)."""

    def weigh(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        gx = np.exp(-0.5 * (dx / sigma_px) ** 2)
        gy = np.exp(-0.5 * (dy / sigma_px) ** 2)
        return np.outer(gy, gx)

    def total(dx: np.ndarray, dy: np.ndarray) -> float:
        return (
            np.exp(-0.5 * (dx / sigma_px) ** 2).sum() * np.exp(-0.5 * (dy / sigma_px) ** 2).sum()
        )

    return weigh, total


def _elliptical_weights(precision: np.ndarray):
    """Weights of a Gaussian of inverse covariance ``precision`` (pixels) at offsets."""

    def weigh(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
        ddx, ddy = np.meshgrid(dx, dy)
        quadratic = (
            precision[0, 0] * ddx**2 + 2.0 * precision[0, 1] * ddx * ddy + precision[1, 1] * ddy**2
        )
        return np.exp(-0.5 * quadratic)

    return weigh
