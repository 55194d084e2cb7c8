"""Background (mean and rms) maps computed once for a whole image, streamed.

PyBDSF estimates the background on a coarse grid of boxes (``rms_box = (box,
step)``) from the pixels it has been given. Run on tiles, each tile would get
its own grid and its own edge extrapolation, so the noise, and therefore the
detection threshold, would jump at tile borders. Here the grid is computed
once for the whole image, reading one band of ``box`` rows at a time from the
memory-mapped FITS file, and every consumer (the untiled run or any tile)
evaluates the same grid at its own global pixel coordinates. A given pixel
therefore gets bit-identical mean and rms values whichever tile it is in.

The box statistics follow PyBDSF's ``bstat`` (iterative sigma clipping about
the median with a kappa set by the number of pixels per beam, mode or median
as the mean, rms corrected for the clipping), vectorised over all boxes of a
band. The grid is interpolated bilinearly: PyBDSF's cubic spline produces
negative rms values near bright sources (PyBDSF then falls back to bilinear
itself), and bilinear interpolation is local, so it needs no global
pre-filtering.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Callable

import numpy as np
from astropy.io import fits
from scipy import ndimage
from scipy.special import erf, erfcinv

from sdc1 import beam
from sdc1.errors import InputError
from sdc1.io import atomic_path, image_plane
from sdc1.logs import log_progress
from sdc1.validate import check_background_rms

__all__ = [
    "BackgroundGrid",
    "BlankImageError",
    "background_job",
    "box_starts",
    "clipped_stats",
    "compute_background",
    "evaluate",
    "load_grid",
    "negated",
    "save_grid",
    "write_map",
]

log = logging.getLogger(__name__)

#: PyBDSF uses the raw mean and rms of a box when clipping has not converged
#: after this many iterations (``cnt > 198`` in ``rmsimage.for_masked``).
_MAX_ITER = 199


class BlankImageError(InputError):
    """An image without valid (finite) pixels: there is no background to estimate."""


@dataclass(frozen=True)
class BackgroundGrid:
    """Mean and rms on a coarse grid of nodes covering an image.

    Attributes
    ----------
    mean, rms : numpy.ndarray
        Values at the nodes, shape ``(len(row_nodes), len(col_nodes))``.
    row_nodes, col_nodes : numpy.ndarray
        Increasing 0-based pixel coordinates of the nodes along rows (y) and
        columns (x); the first is 0 and the last is ``n - 1``, so every pixel
        of the image lies inside the grid.
    shape : tuple of int
        ``(n_rows, n_columns)`` of the image.
    box, step : int
        Box size and step (pixels) the grid was computed with.
    """

    mean: np.ndarray
    rms: np.ndarray
    row_nodes: np.ndarray
    col_nodes: np.ndarray
    shape: tuple[int, int]
    box: int
    step: int


def box_starts(n: int, box: int, step: int) -> np.ndarray:
    """First pixels of the boxes along an axis of ``n`` pixels.

    Boxes start every ``step`` pixels while they fit; when the last one stops
    short of the edge, one more box is placed flush with the edge (as PyBDSF
    does). An axis shorter than ``box`` gets a single box covering it.

    Parameters
    ----------
    n : int
        Axis length in pixels.
    box, step : int
        Box size and step in pixels, ``step <= box``.

    Returns
    -------
    numpy.ndarray
        Sorted, unique start pixels; box ``k`` covers ``[start_k, start_k + min(box, n))``.
    """
    if step < 1 or box < step:
        raise ValueError(f"rms_box: need 1 <= step <= box, got box={box}, step={step}")
    if n <= box:
        return np.array([0])
    starts = np.arange(0, n - box + 1, step)
    if starts[-1] + box < n:
        starts = np.append(starts, n - box)
    return starts


def node_positions(n: int, box: int, step: int) -> tuple[np.ndarray, int, int]:
    """Node coordinates along an axis: the box centres plus the two image edges.

    Returns
    -------
    nodes : numpy.ndarray
        Increasing pixel coordinates, from 0 to ``n - 1``.
    pad_before, pad_after : int
        How many edge nodes (0 or 1) were added before and after the box
        centres; their values are copied from the nearest box.
    """
    width = min(box, n)
    centres = box_starts(n, box, step) + width / 2.0 - 0.5
    pad_before = int(centres[0] > 0)
    pad_after = int(centres[-1] < n - 1)
    nodes = np.concatenate([[0.0] * pad_before, centres, [float(n - 1)] * pad_after])
    return nodes, pad_before, pad_after


def _first_at_least(
    data: np.ndarray, rows: np.ndarray, lo: np.ndarray, hi: np.ndarray, value: np.ndarray
) -> np.ndarray:
    """For each of ``rows``, the first index in ``[lo, hi)`` with ``data >= value``.

    ``hi`` where there is none. ``data`` rows are sorted; this is
    ``numpy.searchsorted`` vectorised over rows by bisection.
    """
    a, b = lo.copy(), hi.copy()
    last = data.shape[1] - 1
    while True:
        open_ = a < b
        if not open_.any():
            return a
        mid = (a + b) // 2
        below = open_ & (data[rows, np.minimum(mid, last)] < value)
        a = np.where(below, mid + 1, a)
        b = np.where(open_ & ~below, mid, b)


def _kappa(npix: np.ndarray, npixbeam: float) -> np.ndarray:
    """PyBDSF's automatic clipping kappa: one false clip per ``npix/npixbeam`` beams, >= 3."""
    with np.errstate(divide="ignore", invalid="ignore"):
        kappa = np.sqrt(2.0) * erfcinv(1.0 / (2.0 * npix / npixbeam))
    return np.where(np.isfinite(kappa) & (kappa > 3.0), kappa, 3.0)


def clipped_stats(boxes: np.ndarray, npixbeam: float) -> tuple[np.ndarray, np.ndarray]:
    """Sigma-clipped mean and rms of each row of ``boxes``, as PyBDSF's ``bstat``.

    Parameters
    ----------
    boxes : numpy.ndarray
        ``(n_boxes, n_pixels)`` values, NaN for masked pixels.
    npixbeam : float
        Beam area in pixels: sets the clipping kappa.

    Returns
    -------
    mean, rms : numpy.ndarray
        Per box. Boxes with more than 20 valid pixels are clipped; 6 to 20 get
        the plain mean and standard deviation; fewer get NaN (filled later from
        the neighbouring boxes).
    """
    data = np.sort(boxes, axis=1)  # NaNs sort to the end of each row
    n_rows = data.shape[0]
    rows = np.arange(n_rows)
    finite = np.isfinite(data)
    valid = finite.sum(axis=1)
    blanks = not finite.all()
    dev = data.astype(np.float64)
    if blanks:
        dev[~finite] = 0.0
    m_raw = dev.sum(axis=1) / np.maximum(valid, 1)
    # Prefix sums of deviations from the raw mean (as bstat's d2) give the mean
    # and variance of any contiguous range of the sorted row in O(1).
    dev -= m_raw[:, None]
    if blanks:
        dev[~finite] = 0.0
    del finite
    s1 = np.zeros((n_rows, data.shape[1] + 1))
    np.cumsum(dev, axis=1, out=s1[:, 1:])
    np.multiply(dev, dev, out=dev)
    s2 = np.zeros_like(s1)
    np.cumsum(dev, axis=1, out=s2[:, 1:])
    del dev
    r_raw = np.sqrt(s2[:, -1] / np.maximum(valid - 1, 1))

    lo = np.zeros(n_rows, dtype=np.int64)
    hi = valid.astype(np.int64)
    kappa = np.full(n_rows, 3.0)
    n_iter = np.zeros(n_rows, dtype=np.int64)
    active = valid > 20
    first = True
    while active.any() and n_iter.max() < _MAX_ITER + 1:
        idx = rows[active]
        npix = hi[idx] - lo[idx]
        kappa[idx] = _kappa(npix.astype(float), npixbeam)
        median = data[idx, lo[idx] + npix // 2]
        if first:
            sig = r_raw[idx]
        else:
            mean_dev = (s1[idx, hi[idx]] - s1[idx, lo[idx]]) / npix
            variance = (s2[idx, hi[idx]] - s2[idx, lo[idx]]) / npix - mean_dev**2
            sig = np.sqrt(np.maximum(variance, 0.0))
        new_lo = _first_at_least(data, idx, lo[idx], hi[idx], median - kappa[idx] * sig)
        new_hi = _first_at_least(data, idx, lo[idx], hi[idx], median + kappa[idx] * sig)
        count = new_hi - new_lo
        keep = count > 0
        lo[idx] = np.where(keep, new_lo, lo[idx])
        hi[idx] = np.where(keep, new_hi, hi[idx])
        n_iter[idx] += 1
        # Converged when clipping removed nothing (or would remove everything).
        active[idx] = keep & (count != npix)
        first = False

    ct = (hi - lo).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_dev = (s1[rows, hi] - s1[rows, lo]) / ct
        mean = m_raw + mean_dev
        median = data[rows, np.minimum(lo + (hi - lo) // 2, data.shape[1] - 1)]
        sigma = np.sqrt(
            np.maximum((s2[rows, hi] - s2[rows, lo]) / (ct - 1) - mean_dev**2 * ct / (ct - 1), 0.0)
        )
        skew = np.abs(mean - median) / sigma
        centre = np.where(skew <= 0.3, 2.5 * median - 1.5 * mean, median)
        r1 = np.sqrt(2.0 * np.pi) * erf(kappa / np.sqrt(2.0))
        rms = np.sqrt(sigma**2 * (r1 / (r1 - 2.0 * kappa * np.exp(-(kappa**2) / 2.0))))

    out_mean = np.full(n_rows, np.nan)
    out_rms = np.full(n_rows, np.nan)
    clipped = valid > 20
    out_mean[clipped] = centre[clipped]
    out_rms[clipped] = rms[clipped]
    # Not converged: PyBDSF keeps the raw statistics.
    raw = clipped & (n_iter > _MAX_ITER - 1)
    out_mean[raw] = m_raw[raw]
    out_rms[raw] = r_raw[raw]
    few = (valid > 5) & ~clipped
    if few.any():
        out_mean[few] = m_raw[few]
        out_rms[few] = np.sqrt(s2[few, -1] / valid[few])
    return out_mean, out_rms


def _fill_missing(values: np.ndarray, image_path: str | os.PathLike) -> np.ndarray:
    """Replace NaN nodes (boxes that were nearly all blank) by the nearest valid node.

    Raises
    ------
    BlankImageError
        If no node is valid: the image ``image_path`` is blank.
    """
    missing = ~np.isfinite(values)
    if not missing.any():
        return values
    if missing.all():
        raise BlankImageError(
            f"{image_path}: image has no valid (non-blank) pixels to estimate the background "
            "from (a blank image, or a primary beam below correct_primary_beam.min_pb "
            "everywhere?)"
        )
    _, (iy, ix) = ndimage.distance_transform_edt(missing, return_indices=True)
    return values[iy, ix]


def compute_background(
    image_path: str | os.PathLike,
    box: int,
    step: int,
    *,
    threads: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> BackgroundGrid:
    """Compute the background grid of a FITS image, one band of rows at a time.

    Parameters
    ----------
    image_path : path-like
        FITS image (any degenerate leading axes), memory-mapped: at most
        ``threads`` bands of ``box`` rows are in memory at once.
    box, step : int
        PyBDSF ``rms_box``: box size and step in pixels.
    threads : int, optional
        Bands processed concurrently (numpy's sort releases the GIL).
    progress : callable, optional
        ``progress(bands_done, bands_total)``.

    Returns
    -------
    BackgroundGrid

    Raises
    ------
    InputError
        Naming the image, if its header lacks the beam or pixel size.
    BlankImageError
        Naming the image, if it has no valid pixels.
    """
    with fits.open(image_path, memmap=True) as hdul:
        header = hdul[0].header
        image = image_plane(hdul[0].data)
        n_rows, n_cols = image.shape
        npixbeam = beam.pixels_per_beam(header, image_path)
        row_starts = box_starts(n_rows, box, step)
        col_starts = box_starts(n_cols, box, step)
        row_width = min(box, n_rows)
        col_width = min(box, n_cols)

        def band(start: int) -> tuple[np.ndarray, np.ndarray]:
            data = np.asarray(image[start : start + row_width], dtype=np.float32)
            windows = np.lib.stride_tricks.sliding_window_view(data, col_width, axis=1)
            windows = windows[:, col_starts, :]
            boxes = windows.transpose(1, 0, 2).reshape(len(col_starts), -1)
            return clipped_stats(boxes, npixbeam)

        mean = np.empty((len(row_starts), len(col_starts)))
        rms = np.empty_like(mean)
        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            # map() keeps at most a few bands queued ahead: results are consumed in order.
            for i, (band_mean, band_rms) in enumerate(pool.map(band, row_starts)):
                mean[i], rms[i] = band_mean, band_rms
                if progress is not None:
                    progress(i + 1, len(row_starts))
    row_nodes, rb, ra = node_positions(n_rows, box, step)
    col_nodes, cb, ca = node_positions(n_cols, box, step)
    pad = ((rb, ra), (cb, ca))
    mean = np.pad(_fill_missing(mean, image_path), pad, mode="edge")
    rms = np.pad(_fill_missing(rms, image_path), pad, mode="edge")
    return BackgroundGrid(mean, rms, row_nodes, col_nodes, (n_rows, n_cols), box, step)


def background_job(
    image_path: str | os.PathLike, rms_box: tuple[int, int], *, threads: int = 1
) -> BackgroundGrid:
    """The background grid of an image, checked and logged: the workflow's job.

    Parameters
    ----------
    image_path : path-like
        FITS image.
    rms_box : tuple of int
        PyBDSF ``rms_box``: ``(box, step)`` in pixels.
    threads : int, optional
        Bands processed concurrently.

    Returns
    -------
    BackgroundGrid

    Raises
    ------
    InputError
        In one line naming the image: a header without the beam, a blank image
        (:class:`BlankImageError`), or an rms that is zero everywhere
        (:func:`sdc1.validate.check_background_rms`).
    """
    box, step = rms_box
    grid = compute_background(
        image_path, box, step, threads=threads, progress=log_progress(log, "bands of boxes")
    )
    check_background_rms(grid.rms, image_path)
    log.info(
        "%dx%d nodes, median rms %.3g, median mean %.3g",
        *grid.rms.shape,
        float(grid.rms.mean()),
        float(grid.mean.mean()),
    )
    return grid


def save_grid(grid: BackgroundGrid, path: str | os.PathLike) -> None:
    """Write a grid to ``path`` (NumPy ``.npz``) atomically."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(
                handle,
                mean=grid.mean,
                rms=grid.rms,
                row_nodes=grid.row_nodes,
                col_nodes=grid.col_nodes,
                shape=np.array(grid.shape),
                box_step=np.array([grid.box, grid.step]),
            )


def load_grid(path: str | os.PathLike) -> BackgroundGrid:
    """Read a grid written by :func:`save_grid`."""
    with np.load(path) as data:
        shape = tuple(int(v) for v in data["shape"])
        box, step = (int(v) for v in data["box_step"])
        return BackgroundGrid(
            data["mean"], data["rms"], data["row_nodes"], data["col_nodes"], shape, box, step
        )


def _axis_weights(pixels: np.ndarray, nodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower node index and linear weight of the upper node for each pixel."""
    fraction = np.interp(pixels, nodes, np.arange(len(nodes), dtype=float))
    if len(nodes) == 1:
        return np.zeros(len(pixels), dtype=np.int64), np.zeros(len(pixels))
    lower = np.clip(np.floor(fraction).astype(np.int64), 0, len(nodes) - 2)
    return lower, fraction - lower


def _bilinear(
    values: np.ndarray, iy: np.ndarray, wy: np.ndarray, ix: np.ndarray, wx: np.ndarray
) -> np.ndarray:
    """Bilinear interpolation of a node grid on the tensor product of two pixel axes."""
    iy1 = np.minimum(iy + 1, values.shape[0] - 1)
    ix1 = np.minimum(ix + 1, values.shape[1] - 1)
    upper = values[iy][:, ix] * (1.0 - wx) + values[iy][:, ix1] * wx
    lower = values[iy1][:, ix] * (1.0 - wx) + values[iy1][:, ix1] * wx
    return (upper * (1.0 - wy)[:, None] + lower * wy[:, None]).astype(np.float32)


def evaluate(grid: BackgroundGrid, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray]:
    """Mean and rms maps on the image pixels ``[rows, cols]`` (global coordinates).

    The value at a pixel depends only on its global position, not on the
    region asked for: tiles that overlap get identical values.

    Returns
    -------
    mean, rms : numpy.ndarray
        float32 arrays of the region's shape.
    """
    y = np.arange(*rows.indices(grid.shape[0]), dtype=float)
    x = np.arange(*cols.indices(grid.shape[1]), dtype=float)
    iy, wy = _axis_weights(y, grid.row_nodes)
    ix, wx = _axis_weights(x, grid.col_nodes)
    return _bilinear(grid.mean, iy, wy, ix, wx), _bilinear(grid.rms, iy, wy, ix, wx)


def negated(grid: BackgroundGrid) -> BackgroundGrid:
    """The background of the negated image: the mean changes sign, the rms does not."""
    return dataclasses.replace(grid, mean=-grid.mean)


def write_map(
    grid: BackgroundGrid,
    which: str,
    header: fits.Header,
    rows: slice,
    cols: slice,
    path: str | os.PathLike,
    block_rows: int = 512,
) -> None:
    """Write the ``which`` ("mean" or "rms") map of a region as a FITS image.

    PyBDSF's ``rmsmean_map_filename`` needs maps on the grid of the image it
    reads; ``header`` is that image's header (its axes and WCS are kept).
    Rows are written in blocks, so the map is never held whole.
    """
    if which not in ("mean", "rms"):
        raise ValueError(f"which: {which!r} is neither 'mean' nor 'rms'")
    row_start, row_stop, _ = rows.indices(grid.shape[0])
    col_start, col_stop, _ = cols.indices(grid.shape[1])
    out = header.copy()
    out["BITPIX"] = -32
    for key in ("BLANK", "BSCALE", "BZERO"):
        out.remove(key, ignore_missing=True)
    # Same axes as the image (PyBDSF reads both into (1, 1, nx, ny)); rows
    # written in order fill the degenerate leading axes correctly.
    out["NAXIS1"] = col_stop - col_start
    out["NAXIS2"] = row_stop - row_start
    with atomic_path(path) as tmp:
        stream = fits.StreamingHDU(tmp, out)
        for start in range(row_start, row_stop, block_rows):
            stop = min(start + block_rows, row_stop)
            mean, rms = evaluate(grid, slice(start, stop), slice(col_start, col_stop))
            stream.write(mean if which == "mean" else rms)
        stream.close()
