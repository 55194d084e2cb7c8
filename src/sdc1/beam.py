"""Primary-beam correction, streamed in blocks of rows.

The primary beam of SDC1 is given on a coarse grid (about 0.08 deg pixels); it is
regridded onto the image's WCS one block of rows at a time, so that correcting a
32768^2 image never holds more than one block of either array in memory.
"""

from __future__ import annotations

import os
from typing import Callable

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from reproject import reproject_interp

from sdc1.io import InputError, atomic_path, celestial_header, float32_header, image_plane


def regrid_primary_beam(
    pb_plane: np.ndarray,
    pb_wcs: WCS,
    image_wcs: WCS,
    shape: tuple[int, int],
    row_start: int = 0,
) -> np.ndarray:
    """Interpolate the primary beam onto rows ``row_start:row_start+shape[0]`` of an image.

    Parameters
    ----------
    pb_plane : numpy.ndarray
        2-D primary-beam response (1 at the pointing centre).
    pb_wcs : astropy.wcs.WCS
        Celestial WCS of ``pb_plane``.
    image_wcs : astropy.wcs.WCS
        Celestial WCS of the full image.
    shape : tuple of int
        ``(n_rows, n_columns)`` of the block to produce.
    row_start : int
        First image row (0-based) of the block.

    Returns
    -------
    numpy.ndarray
        The beam on the block's pixels, NaN where the beam grid does not reach.
    """
    block_wcs = image_wcs.slice((slice(row_start, row_start + shape[0]), slice(None)))
    beam, _ = reproject_interp((pb_plane, pb_wcs), block_wcs, shape_out=shape, order="bilinear")
    return beam


def correct_block(image_block: np.ndarray, beam_block: np.ndarray, min_pb: float) -> np.ndarray:
    """Divide an image block by its primary beam; blank pixels where the beam is below ``min_pb``.

    Blanking (NaN) rather than dividing by a tiny response keeps the amplified
    noise of the beam's edge out of source finding.
    """
    corrected = np.full(image_block.shape, np.nan, dtype=np.float32)
    good = np.isfinite(beam_block) & (beam_block >= min_pb)
    np.divide(image_block, beam_block, out=corrected, where=good)
    return corrected


def correct_primary_beam(
    image_path: str | os.PathLike,
    pb_path: str | os.PathLike | None,
    out_path: str | os.PathLike,
    *,
    min_pb: float = 0.1,
    block_rows: int = 1024,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write the primary-beam-corrected image ``image / beam`` to ``out_path``.

    Rows are read from the memory-mapped input and written through a streaming
    HDU, so peak memory is a few blocks, not whole images. The output keeps the
    input's header (all axes, beam keywords) so that PyBDSF and the scorer see the
    same geometry. Without ``pb_path`` the image is copied unchanged.

    Parameters
    ----------
    image_path, pb_path, out_path : path-like
        Input image, primary beam (or None), and output.
    min_pb : float
        Pixels where the beam response is below this are blanked (NaN).
    block_rows : int
        Rows per block; memory is about ``12 * block_rows * n_columns`` bytes.
    progress : callable, optional
        Called as ``progress(rows_done, rows_total)`` after each block.
    """
    if not 0.0 < min_pb <= 1.0:
        raise InputError(f"pb_correct.min_pb: {min_pb} is not in (0, 1]")
    with fits.open(image_path, memmap=True) as image_hdul:
        header = image_hdul[0].header.copy()
        image = image_plane(image_hdul[0].data)
        n_rows, n_cols = image.shape
        image_wcs = WCS(celestial_header(header))
        pb_plane, pb_wcs = _read_beam(pb_path) if pb_path is not None else (None, None)
        header = float32_header(
            header, f"sdc1: primary-beam corrected with {os.path.basename(str(pb_path))}, min_pb={min_pb}"
        )
        with atomic_path(out_path) as tmp:
            stream = fits.StreamingHDU(tmp, header)
            for start in range(0, n_rows, block_rows):
                stop = min(start + block_rows, n_rows)
                block = np.asarray(image[start:stop], dtype=np.float32)
                if pb_plane is not None:
                    beam = regrid_primary_beam(pb_plane, pb_wcs, image_wcs, block.shape, start)
                    block = correct_block(block, beam, min_pb)
                stream.write(block)
                if progress is not None:
                    progress(stop, n_rows)
            stream.close()


def _read_beam(pb_path: str | os.PathLike) -> tuple[np.ndarray, WCS]:
    """Read a primary-beam FITS file into its 2-D plane and celestial WCS."""
    with fits.open(pb_path) as hdul:
        plane = np.array(image_plane(hdul[0].data), dtype=np.float64)
        wcs = WCS(celestial_header(hdul[0].header))
    return plane, wcs
