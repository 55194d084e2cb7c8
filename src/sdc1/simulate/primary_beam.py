"""Primary-beam response for the synthetic sky: SDC1's radial profile, images and look-ups.

The radial profile is the azimuthal average of SDC1's 1.4 GHz primary beam (``PB_I_14``)
that ska-sdc ships (``ska_sdc/data/beam_info/PB_I_14.log``) and uses for its own
primary-beam look-ups; other frequencies scale the radius by 1400/freq, as SDC1 did
(description, section 6.2).
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from scipy.ndimage import map_coordinates

from sdc1.simulate.geometry import DEC_CENTRE, RA_CENTRE


def radial_profile() -> tuple[np.ndarray, np.ndarray]:
    """Return (radius in arcsec at 1400 MHz, mean response) of SDC1's primary beam.

    The profile starts at radius 0 with response 1 and ends with response 0 beyond
    the last tabulated radius.
    """
    spec = find_spec("ska_sdc")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            "ska_sdc is not installed: it provides the SDC1 primary-beam profile"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "beam_info" / "PB_I_14.log"
    text = path.read_text()
    rows = [
        line.split()
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    table = np.array(rows, dtype=float)
    radius = np.concatenate([[0.0], table[:, 0]])
    response = np.concatenate([[1.0], table[:, 2] / 1000.0])
    return radius, np.clip(response, 0.0, 1.0)


def separation_deg(
    ra: np.ndarray, dec: np.ndarray, ra0: float = RA_CENTRE, dec0: float = DEC_CENTRE
) -> np.ndarray:
    """Great-circle distance (degrees) of (ra, dec) from (ra0, dec0)."""
    ra, dec = np.radians(ra), np.radians(dec)
    ra0, dec0 = np.radians(ra0), np.radians(dec0)
    cos_d = np.sin(dec) * np.sin(dec0) + np.cos(dec) * np.cos(dec0) * np.cos(ra - ra0)
    return np.degrees(np.arccos(np.clip(cos_d, -1.0, 1.0)))


def radial_pb(sep_deg: np.ndarray, freq: int) -> np.ndarray:
    """Primary-beam response at angular distance ``sep_deg`` from the pointing centre at
    ``freq`` MHz."""
    radius, response = radial_profile()
    r_1400 = np.asarray(sep_deg, dtype=float) * 3600.0 * freq / 1400.0
    return np.interp(r_1400, radius, response, right=0.0)


def pb_image(header: fits.Header, freq: int) -> np.ndarray:
    """Evaluate the radial primary beam on the grid of ``header`` (2-D float32 array)."""
    wcs = WCS(header).celestial
    ny, nx = header["NAXIS2"], header["NAXIS1"]
    yy, xx = np.mgrid[0:ny, 0:nx]
    ra, dec = wcs.all_pix2world(xx.ravel(), yy.ravel(), 0)
    return radial_pb(separation_deg(ra, dec), freq).reshape(ny, nx).astype(np.float32)


def pb_at(
    ra: np.ndarray, dec: np.ndarray, pb_data: np.ndarray, pb_header: fits.Header
) -> np.ndarray:
    """Primary-beam response at sky positions, bilinearly interpolated from a PB image.

    Positions outside the PB image take the value of its nearest edge pixel.
    """
    wcs = WCS(pb_header).celestial
    x, y = wcs.all_world2pix(np.asarray(ra, dtype=float) % 360.0, np.asarray(dec, dtype=float), 0)
    plane = np.asarray(pb_data, dtype=float)
    while plane.ndim > 2:
        plane = plane[0]
    return map_coordinates(plane, [y, x], order=1, mode="nearest")
