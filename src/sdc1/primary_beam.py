"""Primary-beam correction, streamed in blocks of rows.

The primary beam of SDC1 is given on a coarse grid (about 0.08 deg pixels); it is
regridded onto the image's WCS one block of rows at a time, so that correcting a
32768^2 image never holds more than one block of either array in memory.
"""

from __future__ import annotations

import logging
import os
from typing import Callable

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from reproject import reproject_interp

from sdc1.beam import celestial_header, pybdsf_header
from sdc1.errors import InputError
from sdc1.io import atomic_path, float32_header, image_plane
from sdc1.logs import log_progress

log = logging.getLogger(__name__)

#: In images of more than EXACT_BEAM_MAX_PIXELS pixels the beam is evaluated
#: exactly every BEAM_NODE_STEP image pixels and interpolated bilinearly in
#: between (differences below 2e-4 of the beam): it varies on scales of
#: hundreds of pixels, and one WCS round trip per pixel made a 32768^2
#: correction take 36 minutes. Smaller images get the exact beam at every pixel.
BEAM_NODE_STEP: int = 32
EXACT_BEAM_MAX_PIXELS: int = 4096 * 4096


def regrid_primary_beam(
    pb_plane: np.ndarray,
    pb_wcs: WCS,
    image_wcs: WCS,
    shape: tuple[int, int],
    row_start: int = 0,
    node_step: int | None = None,
) -> np.ndarray:
    """Interpolate the primary beam onto rows ``row_start:row_start+shape[0]`` of an image.

    The beam is regridded exactly (bilinear in the beam's own pixels) on nodes
    every ``node_step`` image pixels, at global pixel coordinates so that the
    result does not depend on how the image is cut into blocks, and
    interpolated bilinearly from the nodes to every pixel.

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
    node_step : int, optional
        Image pixels between exactly computed nodes (1: every pixel exactly).
        By default 1 for images of up to :data:`EXACT_BEAM_MAX_PIXELS` pixels,
        else :data:`BEAM_NODE_STEP`.

    Returns
    -------
    numpy.ndarray
        The beam on the block's pixels, NaN where the beam grid does not reach.
    """
    n_rows, n_cols = shape
    rows = np.arange(row_start, row_start + n_rows)
    cols = np.arange(n_cols)
    total_cols, total_rows = image_wcs.pixel_shape or (n_cols, row_start + n_rows)
    if node_step is None:
        node_step = 1 if total_cols * total_rows <= EXACT_BEAM_MAX_PIXELS else BEAM_NODE_STEP
    if node_step == 1:
        block_wcs = image_wcs.slice((slice(row_start, row_start + n_rows), slice(None)))
        beam, _ = reproject_interp(
            (pb_plane, pb_wcs), block_wcs, shape_out=shape, order="bilinear"
        )
        return beam
    node_rows = _nodes(rows[0], rows[-1], total_rows, node_step)
    node_cols = _nodes(0, n_cols - 1, total_cols, node_step)
    # Nodes are exact beam values: one regridding per node, not per pixel.
    nodes = np.empty((len(node_rows), len(node_cols)))
    for i, r in enumerate(node_rows):
        row_wcs = image_wcs.slice((slice(int(r), int(r) + 1), slice(None)))
        row, _ = reproject_interp(
            (pb_plane, pb_wcs), row_wcs, shape_out=(1, total_cols), order="bilinear"
        )
        nodes[i] = row[0, node_cols]
    r0, tr = _cell(rows, node_rows)
    c0, tc = _cell(cols, node_cols)
    tr, tc = tr[:, None], tc[None, :]
    top = nodes[r0][:, c0] * (1 - tc) + nodes[r0][:, c0 + 1] * tc
    bottom = nodes[r0 + 1][:, c0] * (1 - tc) + nodes[r0 + 1][:, c0 + 1] * tc
    return top * (1 - tr) + bottom * tr


def _nodes(first: int, last: int, total: int, step: int) -> np.ndarray:
    """Global node coordinates (multiples of ``step`` and the image's last pixel) bracketing
    ``first..last``."""
    grid = np.append(np.arange(0, total - 1, step), total - 1)
    lo = max(np.searchsorted(grid, first, side="right") - 1, 0)
    hi = min(np.searchsorted(grid, last, side="left"), len(grid) - 1)
    nodes = grid[lo : hi + 1]
    return nodes if len(nodes) > 1 else np.array([nodes[0], nodes[0] + 1])


def _cell(pixels: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the node cell holding each pixel and the pixel's fractional position in it."""
    k = np.clip(np.searchsorted(nodes, pixels, side="right") - 1, 0, len(nodes) - 2)
    return k, (pixels - nodes[k]) / (nodes[k + 1] - nodes[k])


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
        raise InputError(f"correct_primary_beam.min_pb: {min_pb} is not in (0, 1]")
    with fits.open(image_path, memmap=True) as image_hdul:
        header = image_hdul[0].header.copy()
        image = image_plane(image_hdul[0].data)
        n_rows, n_cols = image.shape
        image_wcs = WCS(celestial_header(header, image_path))
        pb_plane, pb_wcs = _read_beam(pb_path) if pb_path is not None else (None, None)
        # What PyBDSF reads: other imagers' headers (CD matrix, STOKES before FREQ...) are
        # rewritten for the same pixels; SDC1's pass unchanged.
        header = float32_header(
            pybdsf_header(header, image_path),
            f"sdc1: primary-beam corrected with {os.path.basename(str(pb_path))}, min_pb={min_pb}",
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


def correct_image(
    image_path: str | os.PathLike,
    pb_path: str | os.PathLike | None,
    out_path: str | os.PathLike,
    freq_mhz: float,
    *,
    min_pb: float = 0.1,
    block_rows: int = 1024,
) -> None:
    """Check an image and its primary beam, then correct it (:func:`correct_primary_beam`).

    A bad header stops here with one line naming the file, before any pixel is
    read; an image without a primary beam is copied uncorrected, and the log says so.
    """
    from sdc1.validate import check_image, check_primary_beam

    check_image(image_path, freq_mhz)
    if pb_path is None:
        log.info("no primary beam given for %s: image copied uncorrected", image_path)
    else:
        check_primary_beam(pb_path, image_path, freq_mhz=freq_mhz)
    correct_primary_beam(
        image_path,
        pb_path,
        out_path,
        min_pb=min_pb,
        block_rows=block_rows,
        progress=log_progress(log, "rows corrected"),
    )


def response_at(
    pb_path: str | os.PathLike | None, ra_deg: np.ndarray, dec_deg: np.ndarray
) -> np.ndarray:
    """The primary-beam response at sky positions, bilinear in the beam's own pixels.

    Parameters
    ----------
    pb_path : path-like or None
        Primary-beam FITS file; None (no beam given) gives NaN everywhere.
    ra_deg, dec_deg : numpy.ndarray
        Positions in degrees (ICRS, as the catalogue writes them).

    Returns
    -------
    numpy.ndarray
        The response (1 at the pointing centre), NaN outside the beam's grid
        (constant within the outermost half pixel).
    """
    from scipy.ndimage import map_coordinates

    ra_deg = np.asarray(ra_deg, dtype=float)
    if pb_path is None or len(ra_deg) == 0:
        return np.full(len(ra_deg), np.nan)
    plane, wcs = _read_beam(pb_path)
    x, y = wcs.all_world2pix(ra_deg, np.asarray(dec_deg, dtype=float), 0)
    # The grid covers its pixels' full extent, half a pixel beyond the outer centres.
    inside = (x >= -0.5) & (x <= plane.shape[1] - 0.5) & (y >= -0.5) & (y <= plane.shape[0] - 0.5)
    response = map_coordinates(plane, [y, x], order=1, mode="nearest")
    return np.where(inside, response, np.nan)


def _read_beam(pb_path: str | os.PathLike) -> tuple[np.ndarray, WCS]:
    """Read a primary-beam FITS file into its 2-D plane and celestial WCS."""
    with fits.open(pb_path) as hdul:
        plane = np.array(image_plane(hdul[0].data), dtype=np.float64)
        wcs = WCS(celestial_header(hdul[0].header, pb_path))
    return plane, wcs
