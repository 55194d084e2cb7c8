"""SDC1 sky geometry: the training areas and where an image lies relative to them."""

from __future__ import annotations

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.beam import celestial_header


def wrap_ra(ra_deg: np.ndarray) -> np.ndarray:
    """Map right ascension to (-180, 180] degrees, the convention of the SDC1 truth."""
    ra = np.asarray(ra_deg, dtype=float) % 360.0
    return np.where(ra > 180.0, ra - 360.0, ra)


def in_training_area(ra_deg: np.ndarray, dec_deg: np.ndarray, freq: int) -> np.ndarray:
    """Return True where positions lie inside the SDC1 training area of ``freq``.

    Uses the same limits and strict inequalities as ska-sdc's ``refine_area``.
    """
    # Imported here: ska-sdc pulls in scikit-learn and scipy.stats, seconds that jobs
    # merely wrapping RA would pay on every start.
    from ska_sdc.sdc1.dc_defns import TRAIN_LIM

    lim = TRAIN_LIM[freq]
    ra = wrap_ra(ra_deg)
    dec = np.asarray(dec_deg, dtype=float)
    return (
        (ra > lim["ra_min"])
        & (ra < lim["ra_max"])
        & (dec > lim["dec_min"])
        & (dec < lim["dec_max"])
    )


def image_footprint(header: fits.Header, step: int = 16) -> tuple[np.ndarray, np.ndarray]:
    """RA and Dec (degrees) of pixels along the border of an image, every ``step`` pixels."""
    wcs = WCS(celestial_header(header))
    nx, ny = wcs.pixel_shape
    xs = np.unique(np.r_[np.arange(0, nx, step), nx - 1])
    ys = np.unique(np.r_[np.arange(0, ny, step), ny - 1])
    x = np.r_[xs, xs, np.zeros_like(ys), np.full_like(ys, nx - 1)]
    y = np.r_[np.zeros_like(xs), np.full_like(xs, ny - 1), ys, ys]
    ra, dec = wcs.pixel_to_world_values(x, y)
    return wrap_ra(ra), np.asarray(dec)


def image_inside_training_area(header: fits.Header, freq: int) -> bool:
    """True when the whole image lies inside the training area of ``freq``.

    Such images (the real SDC1 cutouts) are scored with ska-sdc's ``train=True``
    and classified out-of-fold.
    """
    ra, dec = image_footprint(header)
    return bool(np.all(in_training_area(ra, dec, freq)))
