"""The restoring beam of an image, read from its FITS header."""

from __future__ import annotations

import numpy as np
from astropy.io import fits

__all__ = ["beam_arcsec_from_header", "beam_from_header"]

DEG_TO_ARCSEC = 3600.0


def beam_from_header(header: fits.Header) -> tuple[float, float, float]:
    """Return the restoring beam ``(BMAJ, BMIN, BPA)`` in degrees from a FITS header.

    SDC1 images carry BMAJ and BMIN but no BPA keyword; a missing BPA is taken
    to be 0.

    Parameters
    ----------
    header : astropy.io.fits.Header
        Image header with ``BMAJ`` and ``BMIN`` in degrees.

    Returns
    -------
    tuple of float
        ``(bmaj, bmin, bpa)`` in degrees, as PyBDSF's ``beam`` option expects.

    Raises
    ------
    KeyError
        If the header has no ``BMAJ`` keyword.
    """
    bmaj = float(header["BMAJ"])
    bmin = float(header.get("BMIN", bmaj))
    bpa = float(header.get("BPA", 0.0))
    return bmaj, bmin, bpa


def beam_arcsec_from_header(header: fits.Header) -> float:
    """Restoring-beam FWHM in arcsec: geometric mean of BMAJ and BMIN (degrees)."""
    bmaj, bmin, _ = beam_from_header(header)
    return float(np.sqrt(bmaj * bmin) * DEG_TO_ARCSEC)
