"""Tiles of an image: geometry, plans from a memory budget and the work, and merging.

An image larger than ``tile_size`` is split along each axis into ``k =
ceil(n / tile_size)`` nearly equal *core* ranges, which partition the image.
Each tile is its core grown by ``overlap`` pixels on every side that is not an
image edge. PyBDSF runs on each tile with the global background maps of
:mod:`sdc1.background` (so thresholds do not change at tile borders; see
:mod:`sdc1.find_sources`); a tile keeps only the sources whose position falls
in its core. Because the cores partition the image, every source is kept
exactly once; because the overlap is at least the size of the largest island,
the tile that keeps a source saw its whole island, and so measured it as the
untiled run does.

Positions are assigned to cores with the image's own WCS, so the rule does not
depend on which tile measured the source: a pixel ``i`` covers ``[i - 0.5, i +
0.5)`` in PyBDSF's and astropy's 0-based convention, and positions beyond the
image edge belong to the edge pixel.

:func:`agreement` and :func:`split_pairs` compare a tiled catalogue with the
untiled one (the workflow tests and ``docs/benchmarks/bench.py``).
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS
from scipy.spatial import cKDTree

from sdc1.background import BackgroundGrid, evaluate, load_grid
from sdc1.errors import InputError
from sdc1.io import image_plane, write_json

__all__ = [
    "BASE_MB",
    "BYTES_PER_PIXEL",
    "PIXEL_COST",
    "TILING_KEYS",
    "Tile",
    "TilePlan",
    "WorkMap",
    "agreement",
    "axis_splits",
    "core_mask",
    "grow_core",
    "hilbert_index",
    "image_shape",
    "log_plan",
    "max_tile_pixels",
    "merge_tiles",
    "near_cut_edge",
    "pixel_positions",
    "plan_image_tiles",
    "plan_tiles",
    "plan_tiles_by_work",
    "pybdsf_settings",
    "read_plan",
    "sample_negated",
    "select_core",
    "split_pairs",
    "tile_memory_mb",
    "tile_name",
    "tile_work",
    "work_map",
    "write_plan",
]

log = logging.getLogger(__name__)

Range = tuple[int, int]

#: PyBDSF's peak memory at SDC1 560 MHz density is about 190 bytes per pixel of
#: the image it reads plus 250 MB (measured on full-field tiles); requests and
#: tile sizes use 200 bytes and 500 MB, for headroom.
BYTES_PER_PIXEL = 200
BASE_MB = 500

#: Keys of the ``sourcefind`` settings that shape the tile plan (and the choice of the
#: image's peak threshold, :mod:`sdc1.peak_threshold`), not PyBDSF's run.
TILING_KEYS = (
    "job_mem_mb",
    "max_tile_work",
    "negated_sample_mpix",
    "peak_threshold_margin",
    "tile_jobs",
    "tile_overlap",
    "tile_size",
)


def pybdsf_settings(sourcefind: Mapping[str, Any]) -> dict[str, Any]:
    """The ``sourcefind`` settings that reach PyBDSF: all but :data:`TILING_KEYS`, keys sorted."""
    return {key: sourcefind[key] for key in sorted(sourcefind) if key not in TILING_KEYS}


#: Work of one non-blank pixel relative to one pixel above ``thresh_pix``: reading,
#: labelling and the residual images cost per pixel, Gaussian fitting per bright pixel.
PIXEL_COST = 0.01


@dataclass(frozen=True)
class Tile:
    """One tile: the pixels PyBDSF reads and the core whose sources it keeps.

    All ranges are 0-based, half-open ``(start, stop)`` pixel ranges of the
    full image; rows are the y (NAXIS2) axis, columns the x (NAXIS1) axis.
    """

    name: str
    rows: Range
    cols: Range
    core_rows: Range
    core_cols: Range
    #: Weight of each noise detection on this tile's negated image: the image's core
    #: area over the sampled core area (:func:`sample_negated`); 0 when its negated
    #: image is not searched.
    negated_weight: float = 1.0

    @property
    def core_pixels(self) -> int:
        """Pixels of the tile's core."""
        return (self.core_rows[1] - self.core_rows[0]) * (self.core_cols[1] - self.core_cols[0])

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_columns)`` of the tile."""
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices of the tile in the full image."""
        return slice(*self.rows), slice(*self.cols)


def tile_name(core_rows: Range, core_cols: Range) -> str:
    """A tile's name, from its core's first row and column: ``rRRRRRcCCCCC``."""
    return f"r{core_rows[0]:05d}c{core_cols[0]:05d}"


def grow_core(core: Range, overlap: int, n: int) -> Range:
    """A core range grown by ``overlap`` on each side, clipped to an axis of ``n`` pixels."""
    return max(0, core[0] - overlap), min(n, core[1] + overlap)


def axis_splits(n: int, tile_size: int, overlap: int) -> list[tuple[Range, Range]]:
    """Split an axis of ``n`` pixels into cores and their overlapping extents.

    Parameters
    ----------
    n : int
        Axis length in pixels.
    tile_size : int
        Largest core length; 0 (or ``n <= tile_size``) gives one core, the whole axis.
    overlap : int
        Pixels added to each side of a core, clipped at the image edges.

    Returns
    -------
    list of ((core_start, core_stop), (start, stop))
        Cores are nearly equal, contiguous and cover ``[0, n)`` exactly.
    """
    if n < 1:
        raise ValueError(f"axis length {n} < 1")
    if tile_size < 0 or overlap < 0:
        raise ValueError(f"tile_size ({tile_size}) and overlap ({overlap}) must be >= 0")
    count = 1 if tile_size == 0 or n <= tile_size else math.ceil(n / tile_size)
    bounds = [round(i * n / count) for i in range(count + 1)]
    return [((lo, hi), grow_core((lo, hi), overlap, n)) for lo, hi in zip(bounds[:-1], bounds[1:])]


def plan_tiles(
    shape: tuple[int, int], tile_size: int, overlap: int, min_size: int = 1
) -> list[Tile]:
    """Tiles of an image of ``shape = (n_rows, n_columns)``, row-major order.

    Parameters
    ----------
    shape : tuple of int
        Image shape.
    tile_size, overlap : int
        See :func:`axis_splits`.
    min_size : int, optional
        Smallest tile side allowed when the image is cut (PyBDSF falls back to
        a constant rms when ``rms_box`` exceeds a quarter of the image, which
        would break the shared background).

    Returns
    -------
    list of Tile

    Raises
    ------
    InputError
        If a tile of a cut image would be smaller than ``min_size``.
    """
    row_splits = axis_splits(shape[0], tile_size, overlap)
    col_splits = axis_splits(shape[1], tile_size, overlap)
    tiles = [
        Tile(tile_name(core_rows, core_cols), rows, cols, core_rows, core_cols)
        for core_rows, rows in row_splits
        for core_cols, cols in col_splits
    ]
    if len(tiles) > 1:
        smallest = min(min(t.shape) for t in tiles)
        if smallest < min_size:
            raise InputError(
                f"sourcefind.tile_size: tiles of {smallest} px are smaller than {min_size} px "
                "(4 x rms_box); use a larger tile_size"
            )
    return tiles


def hilbert_index(row: int, col: int, order: int = 16) -> int:
    """Position of pixel ``(row, col)`` along a Hilbert curve over a ``2**order`` square.

    Points close on the curve are close on the sky, and evenly spaced points of
    the curve cover the square evenly.
    """
    index = 0
    x, y = int(col), int(row)
    side = 1 << (order - 1)
    while side > 0:
        rx = int(x & side > 0)
        ry = int(y & side > 0)
        index += side * side * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = side - 1 - x, side - 1 - y
            x, y = y, x
        side >>= 1
    return index


def sample_negated(tiles: list[Tile], sample_pixels: float) -> list[Tile]:
    """Choose the tiles whose negated image is searched, and weigh their noise detections.

    Noise peaks per unit area at a given S/N do not depend on where the noise is
    measured (the S/N is against the local rms), so the negated image of a sample
    of the tiles counts the noise of the whole image once its detections are
    weighed by the image's core area over the sampled core area. The sample is
    the fewest tiles, evenly spaced along a Hilbert curve through the cores'
    centres (:func:`hilbert_index`) so that they spread over the image in both
    directions, whose cores hold at least ``sample_pixels``; every tile when the
    image holds fewer.

    Parameters
    ----------
    tiles : list of Tile
        The plan's tiles, whose cores partition the image.
    sample_pixels : float
        Core pixels to search on the negated image, at least.

    Returns
    -------
    list of Tile
        The same tiles with ``negated_weight`` set: the area ratio on the
        sampled tiles (1 when all are), 0 on the others.
    """
    areas = np.array([t.core_pixels for t in tiles], dtype=float)
    total = float(areas.sum())
    chosen = np.ones(len(tiles), dtype=bool)
    if total > sample_pixels:
        n = len(tiles)
        order = np.argsort(
            [hilbert_index(sum(t.core_rows) // 2, sum(t.core_cols) // 2) for t in tiles],
            kind="stable",
        )
        for k in range(1, n + 1):
            picks = order[np.floor((np.arange(k) + 0.5) * n / k).astype(int)]
            if areas[picks].sum() >= sample_pixels:
                chosen = np.zeros(n, dtype=bool)
                chosen[picks] = True
                break
    weight = total / float(areas[chosen].sum())
    return [replace(t, negated_weight=weight if keep else 0.0) for t, keep in zip(tiles, chosen)]


def tile_memory_mb(n_pixels: int) -> int:
    """Memory (MB) to request for PyBDSF on an image of ``n_pixels`` pixels."""
    return int(BYTES_PER_PIXEL * n_pixels / 1e6) + BASE_MB


def max_tile_pixels(job_mem_mb: float) -> int:
    """Largest tile (pixels, overlap included) whose PyBDSF run fits ``job_mem_mb``.

    Raises
    ------
    InputError
        If the budget does not even cover PyBDSF's fixed cost.
    """
    pixels = int((job_mem_mb - BASE_MB) * 1e6 / BYTES_PER_PIXEL)
    if pixels < 1:
        raise InputError(
            f"sourcefind.job_mem_mb: {job_mem_mb} MB is below PyBDSF's fixed {BASE_MB} MB"
        )
    return pixels


@dataclass(frozen=True)
class WorkMap:
    """Where the source-finding work of an image lies, on a grid of square blocks.

    Attributes
    ----------
    block : int
        Block side in pixels; blocks on the last row and column may be smaller.
    valid : numpy.ndarray
        Non-blank pixels per block, shape
        ``(ceil(n_rows / block), ceil(n_cols / block))``.
    bright : numpy.ndarray
        Pixels per block above ``mean + thresh * rms``: where PyBDSF fits
        Gaussians (noise alone puts 0.1% of the pixels above 3 rms).
    shape : tuple of int
        ``(n_rows, n_columns)`` of the image.
    thresh : float
        The threshold, in rms.
    """

    block: int
    valid: np.ndarray
    bright: np.ndarray
    shape: tuple[int, int]
    thresh: float

    def cost(self, pixel_cost: float) -> np.ndarray:
        """Estimated work per block: ``bright + pixel_cost * valid``, in bright-pixel units."""
        return self.bright + pixel_cost * self.valid


def work_map(
    image_path: str | os.PathLike, grid: BackgroundGrid, thresh: float, block: int = 128
) -> WorkMap:
    """Count, per block, the non-blank pixels and those above ``thresh`` rms.

    The image is read from its memory map one band of ``block`` rows at a time,
    and compared with the background grid that PyBDSF will use (:func:`evaluate`),
    so only a band is ever in memory.
    """
    n_rows, n_cols = grid.shape
    shape_blocks = (math.ceil(n_rows / block), math.ceil(n_cols / block))
    valid = np.zeros(shape_blocks, dtype=np.int64)
    bright = np.zeros(shape_blocks, dtype=np.int64)
    col_edges = np.arange(0, n_cols, block)
    with fits.open(image_path, memmap=True) as hdul:
        plane = image_plane(hdul[0].data)
        for i, start in enumerate(range(0, n_rows, block)):
            rows = slice(start, min(start + block, n_rows))
            band = np.asarray(plane[rows, :], dtype=np.float32)
            mean, rms = evaluate(grid, rows, slice(0, n_cols))
            finite = np.isfinite(band)
            with np.errstate(invalid="ignore"):
                above = finite & (band > mean + thresh * rms)
            valid[i] = np.add.reduceat(finite.sum(axis=0), col_edges)
            bright[i] = np.add.reduceat(above.sum(axis=0), col_edges)
    return WorkMap(block, valid, bright, (n_rows, n_cols), float(thresh))


def _block_range(lo: int, hi: int, block: int) -> Range:
    """The blocks covering pixels ``[lo, hi)``."""
    return lo // block, math.ceil(hi / block)


def plan_tiles_by_work(
    work: WorkMap,
    *,
    max_pixels: int,
    max_work_fraction: float,
    overlap: int,
    min_core: int,
    pixel_cost: float,
) -> list[Tile]:
    """Tiles that fit a memory budget and share the work evenly, by recursive bisection.

    A core (starting as the whole image) is kept as a tile when its tile (the
    core grown by ``overlap``) has at most ``max_pixels`` pixels and at most
    ``max_work_fraction`` of the image's estimated work (:meth:`WorkMap.cost`,
    overlap included: PyBDSF fits those islands too). Otherwise it is cut
    across its longer side (the other when that one is too short): where the
    work halves, or in the middle when only memory asks for the cut. Cuts fall
    on block edges and leave cores of at least ``min_core`` pixels, so a core
    that cannot be cut stays whole even if its work is larger.

    The cores partition the image, as :func:`plan_tiles` requires. Tiles are
    named by the first row and column of their core, ``rRRRRRcCCCCC``.

    Raises
    ------
    InputError
        If a core of ``min_core`` pixels a side would not fit ``max_pixels``.
    """
    n_rows, n_cols = work.shape
    cost = work.cost(pixel_cost)
    # Prefix sums: the work of any block-aligned rectangle in O(1).
    prefix = np.zeros((cost.shape[0] + 1, cost.shape[1] + 1))
    prefix[1:, 1:] = cost.cumsum(0).cumsum(1)

    def rect_work(rows: Range, cols: Range) -> float:
        (r0, r1), (c0, c1) = _block_range(*rows, work.block), _block_range(*cols, work.block)
        return float(prefix[r1, c1] - prefix[r0, c1] - prefix[r1, c0] + prefix[r0, c0])

    total = max(rect_work((0, n_rows), (0, n_cols)), 1e-9)
    smallest = min(min_core, n_rows, n_cols) + 2 * overlap
    if smallest * smallest > max_pixels and (n_rows * n_cols > max_pixels):
        raise InputError(
            f"sourcefind.job_mem_mb: tiles of {min_core} px plus {overlap} px of overlap "
            f"({smallest}^2 px) do not fit {max_pixels} px; raise job_mem_mb or lower "
            "tile_overlap"
        )

    def cut_position(lo: int, hi: int, weights: np.ndarray | None) -> int | None:
        """A block edge in ``[lo + min_core, hi - min_core]``, at the work's half if weighted."""
        first_edge = math.ceil((lo + min_core) / work.block)
        edges = np.arange(first_edge, (hi - min_core) // work.block + 1) * work.block
        if len(edges) == 0:
            return None
        if weights is None:
            return int(edges[np.argmin(np.abs(edges - (lo + hi) / 2))])
        half = weights.sum() / 2
        first = lo // work.block
        cumulative = np.concatenate([[0.0], np.cumsum(weights)])
        below = cumulative[edges // work.block - first]
        return int(edges[np.argmin(np.abs(below - half))])

    def split(rows: Range, cols: Range) -> list[tuple[Range, Range]]:
        ext_rows, ext_cols = grow_core(rows, overlap, n_rows), grow_core(cols, overlap, n_cols)
        fits_memory = (ext_rows[1] - ext_rows[0]) * (ext_cols[1] - ext_cols[0]) <= max_pixels
        fits_work = rect_work(ext_rows, ext_cols) <= max_work_fraction * total
        if fits_memory and fits_work:
            return [(rows, cols)]
        by_work = not fits_work
        axes = (0, 1) if rows[1] - rows[0] >= cols[1] - cols[0] else (1, 0)
        for axis in axes:
            lo, hi = rows if axis == 0 else cols
            weights = None
            if by_work:
                (r0, r1) = _block_range(*rows, work.block)
                (c0, c1) = _block_range(*cols, work.block)
                weights = cost[r0:r1, c0:c1].sum(axis=1 - axis)
            at = cut_position(lo, hi, weights)
            if at is None:
                continue
            if axis == 0:
                return split((lo, at), cols) + split((at, hi), cols)
            return split(rows, (lo, at)) + split(rows, (at, hi))
        return [(rows, cols)]

    return [
        Tile(
            tile_name(core_rows, core_cols),
            grow_core(core_rows, overlap, n_rows),
            grow_core(core_cols, overlap, n_cols),
            core_rows,
            core_cols,
        )
        for core_rows, core_cols in sorted(split((0, n_rows), (0, n_cols)))
    ]


def tile_work(work: WorkMap, tile: Tile, pixel_cost: float) -> float:
    """Estimated work of a tile (overlap included), in the units of :meth:`WorkMap.cost`."""
    cost = work.cost(pixel_cost)
    r0, r1 = _block_range(*tile.rows, work.block)
    c0, c1 = _block_range(*tile.cols, work.block)
    return float(cost[r0:r1, c0:c1].sum())


@dataclass(frozen=True)
class TilePlan:
    """The tiles of an image and why they are so.

    Attributes
    ----------
    tiles : list of Tile
        The tiles, whose cores partition the image.
    shape : tuple of int
        ``(n_rows, n_columns)`` of the image.
    work : list of float or None
        Estimated work of each tile (:func:`tile_work`), when tiled by work.
    reason : str
        One line saying how the tiles were chosen.
    """

    tiles: list[Tile]
    shape: tuple[int, int]
    work: list[float] | None
    reason: str

    def memory_mb(self) -> list[int]:
        """Predicted peak memory request of PyBDSF on each tile (:func:`tile_memory_mb`)."""
        return [tile_memory_mb(t.shape[0] * t.shape[1]) for t in self.tiles]


def plan_image_tiles(
    image_path: str | os.PathLike,
    background_path: str | os.PathLike,
    *,
    tile_size: int | str,
    tile_overlap: int,
    job_mem_mb: float,
    max_tile_work: float,
    thresh: float,
    min_size: int = 1,
    negated_sample_mpix: float | None = None,
) -> TilePlan:
    """Plan the tiles of an image from ``sourcefind`` settings, and log the plan.

    ``tile_size`` 0 gives one tile (the whole image), an integer a grid of cores
    of at most that side (:func:`plan_tiles`), and ``"auto"`` tiles sized from the
    memory budget ``job_mem_mb``: the whole image when PyBDSF on it fits,
    otherwise cores that fit and each hold at most ``max_tile_work`` of the
    image's estimated work (:func:`plan_tiles_by_work` over :func:`work_map`,
    pixels above ``thresh`` rms). The plan is logged with :func:`log_plan`.

    Parameters
    ----------
    image_path, background_path : path-like
        The image and its background grid (:func:`sdc1.background.save_grid`).
    tile_size : int or "auto"
        See above.
    tile_overlap : int
        Pixels added to each side of a core.
    job_mem_mb : float
        Memory budget of one PyBDSF job (``"auto"`` only).
    max_tile_work : float
        Largest share of the image's work in one tile (``"auto"`` only).
    thresh : float
        Threshold (rms) of the pixels counted as work (``"auto"`` only).
    min_size : int, optional
        Smallest tile side (:func:`plan_tiles`); smallest core when ``"auto"``.
    negated_sample_mpix : float, optional
        Million core pixels, at least, whose negated image is searched
        (:func:`sample_negated`); every tile's when not given.

    Returns
    -------
    TilePlan
    """
    plan = _plan_image_tiles(
        image_path,
        background_path,
        tile_size=tile_size,
        tile_overlap=tile_overlap,
        job_mem_mb=job_mem_mb,
        max_tile_work=max_tile_work,
        thresh=thresh,
        min_size=min_size,
    )
    if negated_sample_mpix is not None:
        plan = replace(plan, tiles=sample_negated(plan.tiles, negated_sample_mpix * 1e6))
    log_plan(plan)
    return plan


def _plan_image_tiles(
    image_path: str | os.PathLike,
    background_path: str | os.PathLike,
    *,
    tile_size: int | str,
    tile_overlap: int,
    job_mem_mb: float,
    max_tile_work: float,
    thresh: float,
    min_size: int,
) -> TilePlan:
    """:func:`plan_image_tiles` without the logging."""
    shape = image_shape(image_path)
    if tile_size != "auto":
        tiles = plan_tiles(shape, int(tile_size), tile_overlap, min_size=min_size)
        return TilePlan(tiles, shape, None, f"tile_size {tile_size}: {len(tiles)} tiles on a grid")
    max_pixels = max_tile_pixels(job_mem_mb)
    if shape[0] * shape[1] <= max_pixels:
        reason = (
            f"whole image: {shape[0] * shape[1]} px fit job_mem_mb {job_mem_mb:g} "
            f"({max_pixels} px)"
        )
        return TilePlan(plan_tiles(shape, 0, 0), shape, None, reason)
    work = work_map(image_path, load_grid(background_path), thresh)
    # Smaller cores would spend most of their time on the overlap.
    min_core = max(min_size, 4 * tile_overlap)
    tiles = plan_tiles_by_work(
        work,
        max_pixels=max_pixels,
        max_work_fraction=max_tile_work,
        overlap=tile_overlap,
        min_core=min_core,
        pixel_cost=PIXEL_COST,
    )
    reason = (
        f"auto: {len(tiles)} tiles of at most {max_pixels} px (job_mem_mb {job_mem_mb:g}) "
        f"and {max_tile_work:g} of the work where cores of {min_core} px allow"
    )
    return TilePlan(tiles, shape, [tile_work(work, t, PIXEL_COST) for t in tiles], reason)


def log_plan(plan: TilePlan, logger: logging.Logger = log) -> None:
    """Log a plan: why it is so, then each tile's size, predicted memory and work share."""
    logger.info("%dx%d image: %s", *plan.shape, plan.reason)
    sampled = [t for t in plan.tiles if t.negated_weight > 0]
    logger.info(
        "negated image searched on %d of %d tiles (%.1f of %.1f Mpix of cores); "
        "its noise detections weigh %.3f each",
        len(sampled),
        len(plan.tiles),
        sum(t.core_pixels for t in sampled) / 1e6,
        sum(t.core_pixels for t in plan.tiles) / 1e6,
        sampled[0].negated_weight if sampled else 0.0,
    )
    total = sum(plan.work) if plan.work is not None else 0.0
    for i, (tile, mem_mb) in enumerate(zip(plan.tiles, plan.memory_mb())):
        work = "" if plan.work is None else f", work {plan.work[i] / (total or 1):.1%}"
        negated = "" if tile.negated_weight > 0 else ", negated image not searched"
        logger.info(
            "tile %s: %dx%d px, predicted peak %d MB%s%s",
            tile.name,
            *tile.shape[::-1],
            mem_mb,
            work,
            negated,
        )


def image_shape(path: str | os.PathLike) -> tuple[int, int]:
    """``(n_rows, n_columns)`` of a FITS image, from its header alone."""
    header = fits.getheader(path)
    return int(header["NAXIS2"]), int(header["NAXIS1"])


def write_plan(
    tiles: list[Tile] | TilePlan, shape: tuple[int, int], path: str | os.PathLike, **settings: Any
) -> None:
    """Write the tile plan as JSON (``shape``, the settings, and the tiles).

    For a :class:`TilePlan` each tile also carries its predicted ``mem_mb`` and,
    when tiled by work, its estimated ``work`` and share of the image's.
    """
    records = [asdict(t) for t in (tiles.tiles if isinstance(tiles, TilePlan) else tiles)]
    if isinstance(tiles, TilePlan):
        settings = {"reason": tiles.reason, **settings}
        for record, mem_mb in zip(records, tiles.memory_mb()):
            record["mem_mb"] = mem_mb
        if tiles.work is not None:
            total = sum(tiles.work) or 1.0
            for record, work in zip(records, tiles.work):
                record["work"] = round(work, 1)
                record["work_share"] = round(work / total, 5)
    content = {"shape": list(shape), **settings, "tiles": records}
    # The JSON round trip turns tuples into lists, as read back.
    write_json(json.loads(json.dumps(content)), path)


def tile_from_record(record: dict[str, Any]) -> Tile:
    """The :class:`Tile` of one entry of a plan's ``tiles`` (:func:`write_plan`)."""
    return Tile(
        record["name"],
        tuple(record["rows"]),
        tuple(record["cols"]),
        tuple(record["core_rows"]),
        tuple(record["core_cols"]),
        float(record.get("negated_weight", 1.0)),
    )


def read_plan(path: str | os.PathLike) -> list[Tile]:
    """Read the tiles of a plan written by :func:`write_plan`."""
    return [tile_from_record(t) for t in json.loads(Path(path).read_text())["tiles"]]


def pixel_positions(sources: pd.DataFrame, wcs: WCS) -> tuple[np.ndarray, np.ndarray]:
    """0-based ``(x, y)`` pixel positions of sources' ``RA``/``DEC`` in the full image."""
    if len(sources) == 0:
        return np.empty(0), np.empty(0)
    x, y = wcs.world_to_pixel_values(sources["RA"].to_numpy(float), sources["DEC"].to_numpy(float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def core_mask(x: np.ndarray, y: np.ndarray, tile: Tile, shape: tuple[int, int]) -> np.ndarray:
    """Whether each position lies in the tile's core.

    A position belongs to the pixel whose centre is nearest (``floor(p + 0.5)``),
    clipped to the image so that fits straying past an edge stay with the edge
    tile. The cores partition the image, so each finite position is in exactly
    one core.
    """
    px = np.clip(np.floor(np.asarray(x) + 0.5), 0, shape[1] - 1)
    py = np.clip(np.floor(np.asarray(y) + 0.5), 0, shape[0] - 1)
    return (
        np.isfinite(x)
        & np.isfinite(y)
        & (px >= tile.core_cols[0])
        & (px < tile.core_cols[1])
        & (py >= tile.core_rows[0])
        & (py < tile.core_rows[1])
    )


def select_core(
    sources: pd.DataFrame, gaussians: pd.DataFrame, tile: Tile, wcs: WCS, shape: tuple[int, int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the sources whose position is in the tile's core, and their Gaussians."""
    if len(sources) == 0:
        return sources, gaussians
    x, y = pixel_positions(sources, wcs)
    keep = core_mask(x, y, tile, shape)
    kept = sources.loc[keep].reset_index(drop=True)
    if len(gaussians):
        in_kept = gaussians["Source_id"].isin(kept["Source_id"])
        gaussians = gaussians.loc[in_kept].reset_index(drop=True)
    return kept, gaussians


def near_cut_edge(gaussians: pd.DataFrame, tile: Tile, shape: tuple[int, int]) -> int:
    """Kept Gaussians closer to a cut (non-image) edge of the tile than half the overlap.

    A kept source's Gaussians lie near its core; one that reaches halfway into
    the overlap means its island is about as large as the overlap, and may have
    been cut by the tile edge: ``tile_overlap`` should then be larger.
    """
    if len(gaussians) == 0:
        return 0
    x = gaussians["Xposn"].to_numpy(float)
    y = gaussians["Yposn"].to_numpy(float)
    near = np.zeros(len(gaussians), dtype=bool)
    for pos, (lo, hi), (core_lo, core_hi), n in (
        (x, tile.cols, tile.core_cols, shape[1]),
        (y, tile.rows, tile.core_rows, shape[0]),
    ):
        if lo > 0:
            near |= pos < lo + (core_lo - lo) / 2
        if hi < n:
            near |= pos > hi - (hi - core_hi) / 2
    return int(near.sum())


def merge_tiles(
    parts: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-tile (already core-selected) tables with unique ids.

    ``Source_id``, ``Isl_id`` and ``Gaus_id`` are renumbered from 0 in tile
    order, then in each tile's own order; Gaussians keep pointing at their
    source and island. An island whose sources are kept by two tiles gets one
    id per tile. The merge is logged.
    """
    sources_out, gaussians_out = [], []
    n_src = n_isl = n_parts = 0
    for sources, gaussians in parts:
        n_parts += 1
        if len(sources) == 0:
            continue
        src_map = pd.Series(
            np.arange(n_src, n_src + len(sources)), index=sources["Source_id"].to_numpy()
        )
        islands = pd.unique(sources["Isl_id"])
        isl_map = pd.Series(np.arange(n_isl, n_isl + len(islands)), index=islands)
        sources = sources.copy()
        sources["Source_id"] = src_map.loc[sources["Source_id"]].to_numpy()
        sources["Isl_id"] = isl_map.loc[sources["Isl_id"]].to_numpy()
        sources_out.append(sources)
        if len(gaussians):
            gaussians = gaussians.copy()
            gaussians["Source_id"] = src_map.loc[gaussians["Source_id"]].to_numpy()
            gaussians["Isl_id"] = isl_map.loc[gaussians["Isl_id"]].to_numpy()
            gaussians_out.append(gaussians)
        n_src += len(sources)
        n_isl += len(islands)
    sources = pd.concat(sources_out, ignore_index=True) if sources_out else pd.DataFrame()
    gaussians = pd.concat(gaussians_out, ignore_index=True) if gaussians_out else pd.DataFrame()
    if len(gaussians):
        gaussians = gaussians.sort_values(["Source_id", "Gaus_id"], kind="stable")
        gaussians = gaussians.reset_index(drop=True)
        gaussians["Gaus_id"] = np.arange(len(gaussians))
    log.info("%d tiles merged: %d sources, %d gaussians", n_parts, len(sources), len(gaussians))
    return sources, gaussians


def _unit_vectors(table: pd.DataFrame) -> np.ndarray:
    """Unit vectors of a table's ``RA``/``DEC`` (degrees): chord distances need no wrapping."""
    ra = np.radians(table["RA"].to_numpy(float))
    dec = np.radians(table["DEC"].to_numpy(float))
    return np.column_stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)])


def _chord(radius_deg: float) -> float:
    """Chord length on the unit sphere of an angle of ``radius_deg`` degrees."""
    return 2.0 * np.sin(np.radians(radius_deg) / 2.0)


def agreement(
    untiled: pd.DataFrame, tiled: pd.DataFrame, beam_deg: float, flux_tol: float = 0.01
) -> float:
    """Fraction of untiled sources that the tiled run found again.

    Parameters
    ----------
    untiled, tiled : pandas.DataFrame
        Source lists with ``RA``, ``DEC`` (degrees) and ``Total_flux``.
    beam_deg : float
        Beam size (degrees): a match lies within half of it.
    flux_tol : float, optional
        Largest relative difference of the integrated flux of a match.

    Returns
    -------
    float
        1.0 when there are no untiled sources.
    """
    if len(untiled) == 0:
        return 1.0
    if len(tiled) == 0:
        return 0.0
    tree = cKDTree(_unit_vectors(tiled))
    flux_t = tiled["Total_flux"].to_numpy(float)
    flux_u = untiled["Total_flux"].to_numpy(float)
    found = 0
    radius = _chord(0.5 * beam_deg)
    for i, near in enumerate(tree.query_ball_point(_unit_vectors(untiled), radius)):
        if near and np.any(np.abs(flux_t[near] / flux_u[i] - 1.0) <= flux_tol):
            found += 1
    return found / len(untiled)


def split_pairs(untiled: pd.DataFrame, tiled: pd.DataFrame, beam_deg: float) -> int:
    """Pairs of tiled sources closer than 0.5 beam whose nearest untiled source is the same one.

    Such a pair is a source split or duplicated by tiling.

    Parameters
    ----------
    untiled, tiled : pandas.DataFrame
        Source lists with ``RA`` and ``DEC`` (degrees).
    beam_deg : float
        Beam size (degrees).

    Returns
    -------
    int
    """
    if len(tiled) < 2 or len(untiled) == 0:
        return 0
    radius = _chord(0.5 * beam_deg)
    pairs = cKDTree(_unit_vectors(tiled)).query_pairs(radius, output_type="ndarray")
    if len(pairs) == 0:
        return 0
    distance, nearest = cKDTree(_unit_vectors(untiled)).query(_unit_vectors(tiled))
    a, b = pairs[:, 0], pairs[:, 1]
    same = (nearest[a] == nearest[b]) & (distance[a] < radius) & (distance[b] < radius)
    # A genuine close pair resolved into two sources untiled is matched to two
    # different untiled sources; only pairs sharing one are artefacts of tiling.
    return int(same.sum())
