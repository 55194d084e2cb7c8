"""PyBDSF's model, residual and rms images of a whole field, for DS9 and CARTA.

PyBDSF writes these images for the image it searched; a tiled field is searched in
tiles, so they are made here for the whole image from what the tiles kept: the
merged Gaussian list is drawn as PyBDSF draws it (:func:`add_gaussians`, after
``bdsf.make_residimage``: each Gaussian over a box outside which it stays below
``fittedimage_clip`` times its island's rms), the residual is the image less the
model, and the rms image is the background grid every tile used
(:mod:`sdc1.background`). Rows are made and written a block at a time, so a
32768^2 field never needs a whole image in memory.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales

from sdc1.background import BackgroundGrid, write_map
from sdc1.io import atomic_path

__all__ = ["FITTEDIMAGE_CLIP", "add_gaussians", "gaussian_boxes", "write_fitted_images"]

#: PyBDSF's ``fittedimage_clip``: a Gaussian is drawn out to where it falls below this
#: fraction of its island's rms.
FITTEDIMAGE_CLIP: float = 0.1

#: Converts a Gaussian's FWHM to its standard deviation.
FWHM_PER_SIGMA: float = 2.0 * math.sqrt(2.0 * math.log(2.0))


def gaussian_boxes(gaussians: pd.DataFrame, pixel_deg: float) -> np.ndarray:
    """Half-size in pixels of each Gaussian's box, as ``bdsf.make_residimage.find_bbox``."""
    peak = gaussians["Peak_flux"].to_numpy(float)
    fwhm = gaussians["Maj_img_plane"].to_numpy(float) / pixel_deg
    thresh = FITTEDIMAGE_CLIP * gaussians["Isl_rms"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = thresh / peak
        extent = np.where(
            (peak == 0) | (ratio >= 1) | (ratio <= 0),
            fwhm * 1.5,
            fwhm * np.sqrt(-2 * np.log(np.where((ratio > 0) & (ratio < 1), ratio, 0.5))),
        )
    return np.ceil(extent).astype(int)


def add_gaussians(
    block: np.ndarray,
    gaussians: pd.DataFrame,
    pixel_deg: float,
    row_offset: int = 0,
    boxes: np.ndarray | None = None,
) -> None:
    """Add the Gaussians to ``block``, rows ``row_offset`` onwards of the image, in place.

    Parameters
    ----------
    block : numpy.ndarray
        ``(rows, columns)`` of the image, from row ``row_offset``.
    gaussians : pandas.DataFrame
        PyBDSF Gaussian list: ``Xposn``, ``Yposn`` (0-based pixels of the whole
        image), ``Peak_flux``, ``Maj_img_plane``, ``Min_img_plane`` (FWHM, degrees),
        ``PA_img_plane`` (degrees, counter-clockwise from +y) and ``Isl_rms``.
    pixel_deg : float
        The image's pixel size in degrees.
    row_offset : int, optional
        Image row of ``block``'s first row.
    boxes : numpy.ndarray, optional
        :func:`gaussian_boxes` of ``gaussians``, when already known.
    """
    if boxes is None:
        boxes = gaussian_boxes(gaussians, pixel_deg)
    rows, cols = block.shape
    columns = ("Peak_flux", "Xposn", "Yposn", "Maj_img_plane", "Min_img_plane", "PA_img_plane")
    values = gaussians.loc[:, list(columns)].to_numpy(float)
    for (peak, x0, y0, maj, minor, pa), half in zip(values, boxes):
        # PyBDSF's box: int() of the bounds, around the centre.
        x_lo, x_hi = max(0, int(x0 - half)), min(cols, int(x0 + half + 1))
        y_lo = max(row_offset, int(y0 - half))
        y_hi = min(row_offset + rows, int(y0 + half + 1))
        if x_lo >= x_hi or y_lo >= y_hi:
            continue
        y, x = np.mgrid[y_lo:y_hi, x_lo:x_hi]
        theta = math.radians(pa + 90.0)  # PyBDSF's theta: 0 on the x axis
        cos, sin = math.cos(theta), math.sin(theta)
        s1, s2 = maj / pixel_deg / FWHM_PER_SIGMA, minor / pixel_deg / FWHM_PER_SIGMA
        f1 = ((x - x0) * cos + (y - y0) * sin) / s1
        f2 = (-(x - x0) * sin + (y - y0) * cos) / s2
        block[y_lo - row_offset : y_hi - row_offset, x_lo:x_hi] += peak * np.exp(
            -(f1 * f1 + f2 * f2) / 2
        )


def write_fitted_images(
    image_path: str | os.PathLike,
    gaussians: pd.DataFrame,
    grid: BackgroundGrid,
    *,
    model_path: str | os.PathLike,
    residual_path: str | os.PathLike,
    rms_path: str | os.PathLike,
    block_rows: int = 1024,
) -> None:
    """Write the model (Gaussians), residual (image less model) and rms images of a field.

    Each has the image's header and axes; pixels blank in the image are blank in
    the model and the residual. Each file is written atomically.
    """
    with fits.open(image_path, memmap=False, lazy_load_hdus=True) as hdul:
        hdu = hdul[0]
        header = hdu.header.copy()
        naxis = header["NAXIS"]
        lead = (0,) * (naxis - 2)
        n_rows, n_cols = header["NAXIS2"], header["NAXIS1"]
        pixel_deg = float(np.mean(proj_plane_pixel_scales(WCS(header).celestial)))
        boxes = gaussian_boxes(gaussians, pixel_deg)
        top = gaussians["Yposn"].to_numpy(float) - boxes
        bottom = gaussians["Yposn"].to_numpy(float) + boxes + 1
        out = header.copy()
        out["BITPIX"] = -32
        for key in ("BLANK", "BSCALE", "BZERO"):
            out.remove(key, ignore_missing=True)
        with atomic_path(model_path) as model_tmp, atomic_path(residual_path) as resid_tmp:
            model_stream = fits.StreamingHDU(model_tmp, out)
            resid_stream = fits.StreamingHDU(resid_tmp, out)
            for start in range(0, n_rows, block_rows):
                stop = min(start + block_rows, n_rows)
                image = np.asarray(hdu.section[(*lead, slice(start, stop), slice(None))])
                image = image.astype(np.float32)
                model = np.zeros((stop - start, n_cols), dtype=np.float64)
                here = (bottom > start) & (top < stop)
                add_gaussians(model, gaussians.loc[here], pixel_deg, start, boxes[here])
                model = model.astype(np.float32)
                model[np.isnan(image)] = np.nan
                model_stream.write(model)
                resid_stream.write(image - model)
            model_stream.close()
            resid_stream.close()
    write_map(grid, "rms", header, slice(None), slice(None), rms_path)
