"""Test scaffolding shared by the test modules: sky headers, images, the population file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

REPO = Path(__file__).resolve().parents[1]
#: The workflow's population parameters (the rule `simulate` reads the same file).
POPULATION_PARAMS = REPO / "resources" / "population" / "params.yaml"


def sky_header(
    nx: int,
    ny: int | None = None,
    *,
    pixel_arcsec: float,
    beam_arcsec: float | None = None,
    crpix: tuple[float, float] | None = None,
    crval: tuple[float, float] = (0.0, -30.0),
    freq_hz: float | None = None,
) -> fits.Header:
    """A SIN-projected header near SDC1's field centre, as the SDC1 images have.

    Parameters
    ----------
    nx, ny : int
        Image size in pixels (``ny`` defaults to ``nx``).
    pixel_arcsec : float
        Pixel size; RA increases to the left (negative CDELT1).
    beam_arcsec : float, optional
        Circular restoring beam (BMAJ = BMIN, no BPA), none when omitted.
    crpix : tuple of float, optional
        Reference pixel (FITS, 1-based); the image centre by default.
    crval : tuple of float
        RA and Dec (degrees) of the reference pixel.
    freq_hz : float, optional
        When given, FREQ and STOKES axes follow the sky axes, as in the SDC1 images.
    """
    ny = nx if ny is None else ny
    if crpix is None:
        crpix = ((nx + 1) / 2, (ny + 1) / 2)
    axes = [
        ("RA---SIN", crval[0], -pixel_arcsec / 3600.0, crpix[0], nx),
        ("DEC--SIN", crval[1], pixel_arcsec / 3600.0, crpix[1], ny),
    ]
    if freq_hz is not None:
        axes += [("FREQ", freq_hz, 1.0e6, 1.0, 1), ("STOKES", 1.0, 1.0, 1.0, 1)]
    header = fits.Header()
    header["NAXIS"] = len(axes)
    for axis, (_, _, _, _, size) in enumerate(axes, start=1):
        header[f"NAXIS{axis}"] = size
    for axis, (ctype, value, delta, ref, _) in enumerate(axes, start=1):
        header[f"CTYPE{axis}"] = ctype
        header[f"CRVAL{axis}"] = value
        header[f"CDELT{axis}"] = delta
        header[f"CRPIX{axis}"] = ref
    if freq_hz is not None:
        header["BUNIT"] = "JY/BEAM"
    if beam_arcsec is not None:
        header["BMAJ"] = header["BMIN"] = beam_arcsec / 3600.0
    return header


def write_image(path: Path, data: np.ndarray, header: fits.Header) -> Path:
    """Write ``data`` as float32 with ``header``, padded to the header's number of axes."""
    data = np.asarray(data, dtype=np.float32)
    data = data.reshape((1,) * (header.get("NAXIS", data.ndim) - data.ndim) + data.shape)
    fits.writeto(path, data, header)
    return path
