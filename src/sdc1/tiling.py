"""Tiled source finding: plan overlapping tiles, find sources per tile, merge.

An image larger than ``tile_size`` is split along each axis into ``k =
ceil(n / tile_size)`` nearly equal *core* ranges, which partition the image.
Each tile is its core grown by ``overlap`` pixels on every side that is not an
image edge. PyBDSF runs on each tile with the global background maps of
:mod:`sdc1.background` (so thresholds do not change at tile borders); a tile
keeps only the sources whose position falls in its core. Because the cores
partition the image, every source is kept exactly once; because the overlap is
at least the size of the largest island, the tile that keeps a source saw its
whole island, and so measured it as the untiled run does.

Positions are assigned to cores with the image's own WCS, so the rule does not
depend on which tile measured the source: a pixel ``i`` covers ``[i - 0.5, i +
0.5)`` in PyBDSF's and astropy's 0-based convention, and positions beyond the
image edge belong to the edge pixel.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.background import BackgroundGrid, evaluate, load_grid, write_map
from sdc1.io import InputError, atomic_path, celestial_header, float32_header, image_plane, write_json

__all__ = [
    "Tile",
    "TilePlan",
    "WorkMap",
    "axis_splits",
    "max_tile_pixels",
    "core_mask",
    "cut_tile",
    "find_sources_in_tile",
    "image_shape",
    "merge_tiles",
    "near_cut_edge",
    "pixel_positions",
    "plan_tiles",
    "plan_image_tiles",
    "plan_tiles_by_work",
    "profile_memory",
    "pybdsf_fit_progress",
    "read_plan",
    "write_memory_timeline",
    "write_plan",
    "select_core",
    "tile_memory_mb",
    "tile_work",
    "work_map",
]

log = logging.getLogger(__name__)

#: PyBDSF's peak memory at SDC1 560 MHz density is about 190 bytes per pixel of
#: the image it reads plus 250 MB (measured on full-field tiles); requests and
#: tile sizes use 200 bytes and 500 MB, for headroom.
BYTES_PER_PIXEL = 200
BASE_MB = 500


@dataclass(frozen=True)
class Tile:
    """One tile: the pixels PyBDSF reads and the core whose sources it keeps.

    All ranges are 0-based, half-open ``(start, stop)`` pixel ranges of the
    full image; rows are the y (NAXIS2) axis, columns the x (NAXIS1) axis.
    """

    name: str
    rows: tuple[int, int]
    cols: tuple[int, int]
    core_rows: tuple[int, int]
    core_cols: tuple[int, int]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_rows, n_columns)`` of the tile."""
        return self.rows[1] - self.rows[0], self.cols[1] - self.cols[0]

    def slices(self) -> tuple[slice, slice]:
        """Row and column slices of the tile in the full image."""
        return slice(*self.rows), slice(*self.cols)


def axis_splits(n: int, tile_size: int, overlap: int) -> list[tuple[tuple[int, int], tuple[int, int]]]:
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
    return [
        ((lo, hi), (max(0, lo - overlap), min(n, hi + overlap)))
        for lo, hi in zip(bounds[:-1], bounds[1:])
    ]


def plan_tiles(shape: tuple[int, int], tile_size: int, overlap: int, min_size: int = 1) -> list[Tile]:
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

    Raises
    ------
    InputError
        If a tile of a cut image would be smaller than ``min_size``.
    """
    row_splits = axis_splits(shape[0], tile_size, overlap)
    col_splits = axis_splits(shape[1], tile_size, overlap)
    # Named by their core's first row and column, as plan_tiles_by_work names them.
    tiles = [
        Tile(f"r{core_rows[0]:05d}c{core_cols[0]:05d}", rows, cols, core_rows, core_cols)
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
        raise InputError(f"sourcefind.job_mem_mb: {job_mem_mb} MB is below PyBDSF's fixed {BASE_MB} MB")
    return pixels


@dataclass(frozen=True)
class WorkMap:
    """Where the source-finding work of an image lies, on a grid of square blocks.

    Attributes
    ----------
    block : int
        Block side in pixels; blocks on the last row and column may be smaller.
    valid : numpy.ndarray
        Non-blank pixels per block, shape ``(ceil(n_rows / block), ceil(n_cols / block))``.
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


def _grow(core: tuple[int, int], overlap: int, n: int) -> tuple[int, int]:
    return max(0, core[0] - overlap), min(n, core[1] + overlap)


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

    def blocks(lo: int, hi: int) -> tuple[int, int]:
        return lo // work.block, math.ceil(hi / work.block)

    def rect_work(rows: tuple[int, int], cols: tuple[int, int]) -> float:
        (r0, r1), (c0, c1) = blocks(*rows), blocks(*cols)
        return float(prefix[r1, c1] - prefix[r0, c1] - prefix[r1, c0] + prefix[r0, c0])

    total = max(rect_work((0, n_rows), (0, n_cols)), 1e-9)
    smallest = min(min_core, n_rows, n_cols) + 2 * overlap
    if smallest * smallest > max_pixels and (n_rows * n_cols > max_pixels):
        raise InputError(
            f"sourcefind.job_mem_mb: tiles of {min_core} px plus {overlap} px of overlap "
            f"({smallest}^2 px) do not fit {max_pixels} px; raise job_mem_mb or lower tile_overlap"
        )

    def cut_position(lo: int, hi: int, weights: np.ndarray | None) -> int | None:
        """A block edge in ``[lo + min_core, hi - min_core]``, at the work's half if weighted."""
        edges = np.arange(math.ceil((lo + min_core) / work.block), (hi - min_core) // work.block + 1)
        edges = edges * work.block
        if len(edges) == 0:
            return None
        if weights is None:
            return int(edges[np.argmin(np.abs(edges - (lo + hi) / 2))])
        half = weights.sum() / 2
        first = lo // work.block
        cumulative = np.concatenate([[0.0], np.cumsum(weights)])
        below = cumulative[edges // work.block - first]
        return int(edges[np.argmin(np.abs(below - half))])

    def split(rows: tuple[int, int], cols: tuple[int, int]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
        ext_rows, ext_cols = _grow(rows, overlap, n_rows), _grow(cols, overlap, n_cols)
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
                (r0, r1), (c0, c1) = blocks(*rows), blocks(*cols)
                weights = cost[r0:r1, c0:c1].sum(axis=1 - axis)
            at = cut_position(lo, hi, weights)
            if at is None:
                continue
            if axis == 0:
                return split((lo, at), cols) + split((at, hi), cols)
            return split(rows, (lo, at)) + split(rows, (at, hi))
        return [(rows, cols)]

    tiles = []
    for core_rows, core_cols in sorted(split((0, n_rows), (0, n_cols))):
        name = f"r{core_rows[0]:05d}c{core_cols[0]:05d}"
        tiles.append(
            Tile(name, _grow(core_rows, overlap, n_rows), _grow(core_cols, overlap, n_cols), core_rows, core_cols)
        )
    return tiles


def tile_work(work: WorkMap, tile: Tile, pixel_cost: float) -> float:
    """Estimated work of a tile (overlap included), in the units of :meth:`WorkMap.cost`."""
    cost = work.cost(pixel_cost)
    r0, r1 = tile.rows[0] // work.block, math.ceil(tile.rows[1] / work.block)
    c0, c1 = tile.cols[0] // work.block, math.ceil(tile.cols[1] / work.block)
    return float(cost[r0:r1, c0:c1].sum())


#: Work of one non-blank pixel relative to one pixel above ``thresh_pix``: reading,
#: labelling and the residual images cost per pixel, Gaussian fitting per bright pixel.
PIXEL_COST = 0.01


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
) -> TilePlan:
    """Plan the tiles of an image from ``sourcefind`` settings.

    ``tile_size`` 0 gives one tile (the whole image), an integer a grid of cores
    of at most that side (:func:`plan_tiles`), and ``"auto"`` tiles sized from the
    memory budget ``job_mem_mb``: the whole image when PyBDSF on it fits,
    otherwise cores that fit and each hold at most ``max_tile_work`` of the
    image's estimated work (:func:`plan_tiles_by_work` over :func:`work_map`,
    pixels above ``thresh`` rms).
    """
    shape = image_shape(image_path)
    if tile_size != "auto":
        tiles = plan_tiles(shape, int(tile_size), tile_overlap, min_size=min_size)
        return TilePlan(tiles, shape, None, f"tile_size {tile_size}: {len(tiles)} tiles on a grid")
    max_pixels = max_tile_pixels(job_mem_mb)
    if shape[0] * shape[1] <= max_pixels:
        reason = f"whole image: {shape[0] * shape[1]} px fit job_mem_mb {job_mem_mb:g} ({max_pixels} px)"
        return TilePlan(plan_tiles(shape, 0, 0), shape, None, reason)
    work = work_map(image_path, load_grid(background_path), thresh)
    tiles = plan_tiles_by_work(
        work,
        max_pixels=max_pixels,
        max_work_fraction=max_tile_work,
        overlap=tile_overlap,
        # Smaller cores would spend most of their time on the overlap.
        min_core=max(min_size, 4 * tile_overlap),
        pixel_cost=PIXEL_COST,
    )
    reason = (
        f"auto: {len(tiles)} tiles of at most {max_pixels} px (job_mem_mb {job_mem_mb:g}) "
        f"and {max_tile_work:g} of the work where cores of {max(min_size, 4 * tile_overlap)} px allow"
    )
    return TilePlan(tiles, shape, [tile_work(work, t, PIXEL_COST) for t in tiles], reason)


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
    write_json(json.loads(json.dumps(content)), path)


def read_plan(path: str | os.PathLike) -> list[Tile]:
    """Read the tiles of a plan written by :func:`write_plan`."""
    content = json.loads(Path(path).read_text())
    return [
        Tile(t["name"], tuple(t["rows"]), tuple(t["cols"]), tuple(t["core_rows"]), tuple(t["core_cols"]))
        for t in content["tiles"]
    ]


def cut_tile(image_path: str | os.PathLike, tile: Tile, out_path: str | os.PathLike) -> tuple[fits.Header, bool]:
    """Write the tile's pixels as a FITS image with a shifted WCS.

    Returns the tile's header and whether any of its pixels is finite (corner
    tiles of a full SDC1 field, where the primary beam is below ``min_pb``, are
    all blank).

    The tile is read from the memory-mapped image, one band of rows at a time,
    so only the tile itself is ever in memory. The header keeps all axes of the
    input (PyBDSF and the scorer see the same geometry) with ``CRPIX1/2``
    shifted so that sky positions are unchanged.
    """
    with fits.open(image_path, memmap=True) as hdul:
        header = hdul[0].header.copy()
        plane = image_plane(hdul[0].data)
        header["NAXIS1"] = tile.shape[1]
        header["NAXIS2"] = tile.shape[0]
        header["CRPIX1"] = float(header["CRPIX1"]) - tile.cols[0]
        header["CRPIX2"] = float(header["CRPIX2"]) - tile.rows[0]
        header = float32_header(header, f"sdc1: tile {tile.name}, rows {tile.rows}, columns {tile.cols}")
        has_data = False
        with atomic_path(out_path) as tmp:
            stream = fits.StreamingHDU(tmp, header)
            rows, cols = tile.slices()
            for start in range(rows.start, rows.stop, 1024):
                stop = min(start + 1024, rows.stop)
                band = np.asarray(plane[start:stop, cols], dtype=np.float32)
                has_data = has_data or bool(np.isfinite(band).any())
                stream.write(band)
            stream.close()
    return header, has_data


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
        np.isfinite(x) & np.isfinite(y)
        & (px >= tile.core_cols[0]) & (px < tile.core_cols[1])
        & (py >= tile.core_rows[0]) & (py < tile.core_rows[1])
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
        gaussians = gaussians.loc[gaussians["Source_id"].isin(kept["Source_id"])].reset_index(drop=True)
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


def merge_tiles(parts: Iterable[tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Concatenate per-tile (already core-selected) tables with unique ids.

    ``Source_id``, ``Isl_id`` and ``Gaus_id`` are renumbered from 0 in tile
    order, then in each tile's own order; Gaussians keep pointing at their
    source and island. An island whose sources are kept by two tiles gets one
    id per tile.
    """
    sources_out, gaussians_out = [], []
    n_src = n_isl = 0
    for sources, gaussians in parts:
        if len(sources) == 0:
            continue
        src_map = pd.Series(np.arange(n_src, n_src + len(sources)), index=sources["Source_id"].to_numpy())
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
        gaussians = gaussians.sort_values(["Source_id", "Gaus_id"], kind="stable").reset_index(drop=True)
        gaussians["Gaus_id"] = np.arange(len(gaussians))
    return sources, gaussians


def _relative_to_image(path: Path, image_path: Path) -> str:
    """``path`` relative to the image's folder: PyBDSF prefixes map names with it."""
    return os.path.relpath(path, image_path.parent)


@contextlib.contextmanager
def pybdsf_fit_progress(every: float = 0.1) -> Iterator[None]:
    """Log PyBDSF's Gaussian fitting, its longest step, about every ``every`` of the islands.

    PyBDSF (run ``quiet``, or writing to a log file) says how many islands it
    found and, when all are fitted, how many Gaussians; on a large tile the
    fitting between the two takes hours. This wraps ``bdsf.gausfit.Op_gausfit``
    for the duration: its ``__call__`` learns the number of islands, and each
    ``process_island`` run in this process (``ncores`` 1) reports one more done.
    With ``ncores`` > 1 the islands are fitted in worker processes and only the
    start and the end are logged. Without bdsf this does nothing.
    """
    from sdc1.logs import log_progress

    try:
        from bdsf.gausfit import Op_gausfit
    except ImportError:  # pragma: no cover - bdsf is a dependency
        yield
        return
    original_call, original_process = Op_gausfit.__call__, Op_gausfit.process_island
    state: dict[str, Any] = {"done": 0, "total": 0, "progress": None}

    def call(self: Any, img: Any) -> Any:
        state.update(done=0, total=len(getattr(img, "islands", None) or []),
                     progress=log_progress(log, "PyBDSF: islands fitted", every))
        start = time.monotonic()
        log.info("PyBDSF: fitting Gaussians to %d islands", state["total"])
        result = original_call(self, img)
        log.info("PyBDSF: %d islands fitted in %.1f s", state["total"], time.monotonic() - start)
        state["total"] = 0
        return result

    def process_island(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_process(self, *args, **kwargs)
        if state["total"]:
            state["done"] += 1
            state["progress"](min(state["done"], state["total"]), state["total"])
        return result

    Op_gausfit.__call__, Op_gausfit.process_island = call, process_island
    try:
        yield
    finally:
        Op_gausfit.__call__, Op_gausfit.process_island = original_call, original_process


def find_sources_in_tile(
    image_path: str | os.PathLike,
    grid: BackgroundGrid,
    tile: Tile,
    settings: dict[str, Any],
    *,
    ncores: int = 1,
    workdir: str | os.PathLike | None = None,
    finder: Callable[..., tuple[pd.DataFrame, pd.DataFrame]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run PyBDSF on one tile with the global background; keep the core's sources.

    Parameters
    ----------
    image_path : path-like
        The full (primary-beam-corrected) image.
    grid : BackgroundGrid
        Background of the full image (:func:`sdc1.background.compute_background`).
    tile : Tile
        The tile; a tile covering the whole image is the untiled run.
    settings : dict
        PyBDSF options for :func:`sdc1.sourcefind.find_sources`.
    ncores : int, optional
        PyBDSF cores.
    workdir : path-like, optional
        Where the tile and its maps are written (a temporary folder, removed).
    finder : callable, optional
        Replaces :func:`sdc1.sourcefind.find_sources` (tests).

    Returns
    -------
    sources, gaussians : pandas.DataFrame
        PyBDSF tables of the core's sources, Gaussian ``Xposn``/``Yposn`` in
        full-image pixels.
    """
    fit_progress: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if finder is None:
        from sdc1.sourcefind import find_sources as finder

        fit_progress = pybdsf_fit_progress()
    image_path = Path(image_path)
    shape = grid.shape
    whole = tile.rows == (0, shape[0]) and tile.cols == (0, shape[1])
    with fits.open(image_path) as hdul:
        full_header = hdul[0].header.copy()
    wcs = WCS(celestial_header(full_header))
    with tempfile.TemporaryDirectory(prefix=f"sdc1-{tile.name}-", dir=workdir) as tmp:
        tmp_dir = Path(tmp)
        if whole:
            target, header = image_path, full_header
        else:
            target = tmp_dir / f"{tile.name}.fits"
            header, has_data = cut_tile(image_path, tile, target)
            log.info("tile %s: %dx%d px cut from %s", tile.name, tile.shape[1], tile.shape[0], image_path.name)
            if not has_data:
                # Corners of a full SDC1 field lie where the primary beam is below
                # min_pb: all blanked, and PyBDSF refuses such an image.
                log.info("tile %s: every pixel is blanked: no sources", tile.name)
                return empty_tables()
        rows, cols = tile.slices()
        mean_path, rms_path = tmp_dir / "mean.fits", tmp_dir / "rms.fits"
        write_map(grid, "mean", header, rows, cols, mean_path)
        write_map(grid, "rms", header, rows, cols, rms_path)
        settings = dict(settings)
        extra = dict(settings.pop("extra", None) or {})
        extra.update(
            {
                # The shared maps, forced on: PyBDSF would otherwise decide per
                # tile whether to use a map or a constant.
                "rmsmean_map_filename": [
                    _relative_to_image(mean_path, target),
                    _relative_to_image(rms_path, target),
                ],
                "mean_map": "map",
                # FDR thresholding depends on the number of pixels: a fixed
                # threshold makes detection independent of the tile size.
                "thresh": "hard",
            }
        )
        log.info("tile %s: PyBDSF with %d cores on %dx%d px", tile.name, ncores, tile.shape[1], tile.shape[0])
        start = time.monotonic()
        with fit_progress:
            sources, gaussians = finder(target, ncores=ncores, rms_map=True, extra=extra, **settings)
        log.info("tile %s: PyBDSF found %d sources, %d Gaussians in %.1f s", tile.name, len(sources),
                 len(gaussians), time.monotonic() - start)
    if len(gaussians):
        gaussians = gaussians.copy()
        gaussians["Xposn"] = gaussians["Xposn"] + tile.cols[0]
        gaussians["Yposn"] = gaussians["Yposn"] + tile.rows[0]
    return select_core(sources, gaussians, tile, wcs, shape)


def empty_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Source and Gaussian tables of a tile where nothing can be found."""
    return pd.DataFrame({"n_gaussians": pd.Series(dtype=np.int64)}), pd.DataFrame()


def profile_memory(
    func: Callable[..., Any], *args: Any, interval: float = 0.5, **kwargs: Any
) -> tuple[Any, np.ndarray]:
    """Run ``func`` while memory-profiler samples the memory of this process and its children.

    The PSS backend is used: memory-profiler's sampler is a forked child that
    shares the parent's pages, and summing RSS would count those twice.

    Returns
    -------
    retval : object
        What ``func`` returned.
    timeline : numpy.ndarray
        ``(n, 2)``: seconds since the start, memory in MiB.
    """
    from memory_profiler import memory_usage

    samples, retval = memory_usage(
        (func, args, kwargs),
        interval=interval,
        timestamps=True,
        retval=True,
        include_children=True,
        backend="psutil_pss",
    )
    timeline = np.array([(t, m) for m, t in samples if m is not None], dtype=float).reshape(-1, 2)
    if len(timeline):
        timeline[:, 0] -= timeline[0, 0]
    return retval, timeline


def write_memory_timeline(timeline: np.ndarray, path: str | os.PathLike) -> None:
    """Write a memory timeline as TSV (``s``, ``mem_mib``) atomically."""
    table = pd.DataFrame({"s": np.round(timeline[:, 0], 3), "mem_mib": np.round(timeline[:, 1], 2)})
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
