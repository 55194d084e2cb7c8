"""Source finding with PyBDSF, on a whole image or on one tile of it.

:func:`find_sources` runs ``bdsf.process_image`` on one FITS image and returns
PyBDSF's source list and Gaussian list as :class:`pandas.DataFrame` objects,
with PyBDSF's own column names. Every PyBDSF output (log file, catalogues) is
written to a temporary directory that is removed before the function returns,
so nothing appears beside the input image.

:func:`find_sources_in_tile` runs it on one tile (:mod:`sdc1.tiles`) with the
image's shared background maps (:mod:`sdc1.background`) and keeps the sources
of the tile's core; :func:`find_sources_job` is the workflow's job: the tile
named by the plan (or the whole image), memory profiled, and logged.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from sdc1.background import BackgroundGrid, load_grid, negated, write_map
from sdc1.beam import beam_from_header, celestial_header
from sdc1.errors import InputError
from sdc1.io import atomic_path, float32_header, image_plane
from sdc1.memory import peak_mib, profile_memory
from sdc1.pybdsf_patches import (
    close_pybdsf_log,
    island_peak_snr,
    pybdsf_collects_new_objects_only,
    pybdsf_fit_progress,
    pybdsf_islands_meeting,
)
from sdc1.tiles import Tile, near_cut_edge, plan_tiles, read_plan, select_core

__all__ = [
    "FoundSources",
    "TileSources",
    "choose_tile",
    "cut_tile",
    "empty_tables",
    "find_sources",
    "find_sources_in_tile",
    "find_sources_job",
    "read_bdsf_fits_catalogue",
    "search_both_signs",
]

log = logging.getLogger(__name__)

#: Rows of a tile read and written at once when it is cut from the image.
CUT_BLOCK_ROWS = 1024


def read_bdsf_fits_catalogue(path: str | os.PathLike) -> pd.DataFrame:
    """Read a catalogue written by PyBDSF's ``write_catalog(format='fits')``.

    Byte-string columns (``S_Code``) are decoded to ``str``.
    """
    table = Table.read(path, format="fits")
    frame = table.to_pandas()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(
                lambda v: v.decode().strip() if isinstance(v, bytes) else v
            )
    return frame


def find_sources(
    image_path: str | os.PathLike,
    *,
    thresh_isl: float,
    thresh_pix: float,
    rms_box: tuple[int, int] | None,
    rms_map: bool | None = None,
    adaptive_rms_box: bool = False,
    group_by_isl: bool = False,
    atrous_do: bool = False,
    peak_maxsize: float = 30.0,
    ncores: int = 1,
    beam: tuple[float, float, float] | None = None,
    extra: dict[str, Any] | None = None,
    fit_region: tuple[tuple[int, int], tuple[int, int]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run PyBDSF on a FITS image and return its source and Gaussian lists.

    Parameters
    ----------
    image_path : str or os.PathLike
        FITS image (Jy/beam). It should already be primary-beam corrected if the
        fluxes are to be physical.
    thresh_isl : float
        PyBDSF ``thresh_isl``: island boundary threshold, in units of the local rms.
    thresh_pix : float
        PyBDSF ``thresh_pix``: peak threshold for an island to be kept, in rms units.
    rms_box : tuple of int or None
        PyBDSF ``rms_box`` ``(box size, step)`` in pixels; None lets PyBDSF choose.
    rms_map : bool or None, optional
        PyBDSF ``rms_map``: True for a 2-D rms map, False for a constant rms,
        None to let PyBDSF decide.
    adaptive_rms_box : bool, optional
        PyBDSF ``adaptive_rms_box``: a smaller box near bright sources.
    group_by_isl : bool, optional
        PyBDSF ``group_by_isl``: one source per island.
    atrous_do : bool, optional
        PyBDSF ``atrous_do``: decompose residuals into wavelet scales.
    peak_maxsize : float, optional
        PyBDSF ``peak_maxsize``: islands larger than this (beam areas) are fitted
        iteratively, ten Gaussians at a time over the whole island.
    ncores : int, optional
        PyBDSF ``ncores`` for Gaussian fitting.
    beam : tuple of float or None, optional
        Restoring beam ``(bmaj, bmin, bpa)`` in degrees. By default it is read
        from the image header with :func:`beam_from_header`, because SDC1 images
        have no BPA keyword, which PyBDSF would otherwise require.
    extra : dict or None, optional
        Further ``process_image`` options, by PyBDSF name (for example
        ``{"flagging_opts": True, "flag_maxsize_bm": 50}``).
    fit_region : ((int, int), (int, int)) or None, optional
        0-based, half-open ``(rows, columns)`` of the image: only the islands
        that reach it are fitted (:func:`sdc1.pybdsf_patches.pybdsf_islands_meeting`),
        for a tile whose sources are kept from its core only. None fits every island.

    Returns
    -------
    sources : pandas.DataFrame
        PyBDSF source list (``srl``), PyBDSF column names (positions and sizes in
        degrees, fluxes in Jy), plus ``n_gaussians``: the number of Gaussians that
        make up each source. Empty (with the Gaussian-list columns missing) when
        nothing is found.
    gaussians : pandas.DataFrame
        PyBDSF Gaussian list (``gaul``), PyBDSF column names.

    Raises
    ------
    FileNotFoundError
        If ``image_path`` does not exist.
    """
    import bdsf  # imported here: heavy, and only needed when finding sources

    image_path = Path(image_path)
    if not image_path.exists():
        raise FileNotFoundError(f"{image_path}: no such image")
    if beam is None:
        beam = beam_from_header(fits.getheader(image_path))
    options: dict[str, Any] = {
        "thresh_isl": float(thresh_isl),
        "thresh_pix": float(thresh_pix),
        "rms_box": None if rms_box is None else tuple(int(v) for v in rms_box),
        "rms_map": rms_map,
        "adaptive_rms_box": bool(adaptive_rms_box),
        "group_by_isl": bool(group_by_isl),
        "atrous_do": bool(atrous_do),
        "peak_maxsize": float(peak_maxsize),
        "ncores": int(ncores),
        "beam": tuple(float(v) for v in beam),
    }
    options.update(extra or {})
    log.info(
        "PyBDSF beam: %.3f x %.3f arcsec, PA %.1f deg",
        options["beam"][0] * 3600.0,
        options["beam"][1] * 3600.0,
        options["beam"][2],
    )
    with tempfile.TemporaryDirectory(prefix="sdc1-bdsf-") as workdir:
        try:
            region: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
            if fit_region is not None:
                region = pybdsf_islands_meeting(*fit_region, logger=log)
            with region, pybdsf_collects_new_objects_only():
                img = bdsf.process_image(str(image_path), quiet=True, outdir=workdir, **options)
            sources = _catalogue(img, workdir, "srl")
            gaussians = _catalogue(img, workdir, "gaul")
            peak_snr = island_peak_snr(img)
        finally:
            close_pybdsf_log()
    for table in (sources, gaussians):
        if "Isl_id" in table:
            table["Isl_peak_snr"] = table["Isl_id"].map(peak_snr).to_numpy(dtype=float)
    if len(sources):
        counts = gaussians.groupby("Source_id").size() if len(gaussians) else pd.Series(dtype=int)
        sources["n_gaussians"] = (
            sources["Source_id"].map(counts).fillna(0).astype(np.int64).to_numpy()
        )
    else:
        sources["n_gaussians"] = pd.Series(dtype=np.int64)
    return sources, gaussians


def _catalogue(img: Any, workdir: str, catalog_type: str) -> pd.DataFrame:
    """Write one PyBDSF catalogue as FITS into ``workdir`` and read it back."""
    if getattr(img, "nsrc", 0) == 0:
        return pd.DataFrame()
    path = os.path.join(workdir, f"catalogue.{catalog_type}.fits")
    with contextlib.redirect_stdout(io.StringIO()):  # PyBDSF prints "--> Wrote ..."
        img.write_catalog(outfile=path, format="fits", catalog_type=catalog_type, clobber=True)
    if not os.path.exists(path):
        return pd.DataFrame()
    return read_bdsf_fits_catalogue(path)


def empty_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Source and Gaussian tables of a tile where nothing can be found."""
    return pd.DataFrame({"n_gaussians": pd.Series(dtype=np.int64)}), pd.DataFrame()


def cut_tile(
    image_path: str | os.PathLike,
    tile: Tile,
    out_path: str | os.PathLike,
    *,
    negate: bool = False,
) -> tuple[fits.Header, bool]:
    """Write the tile's pixels (negated if ``negate``) as a FITS image with a shifted WCS.

    The tile is read from the memory-mapped image, one band of rows at a time,
    so only the tile itself is ever in memory. The header keeps all axes of the
    input (PyBDSF and the scorer see the same geometry) with ``CRPIX1/2``
    shifted so that sky positions are unchanged.

    Returns
    -------
    header : astropy.io.fits.Header
        The tile's header.
    has_data : bool
        Whether any of its pixels is finite (corner tiles of a full SDC1 field,
        where the primary beam is below ``min_pb``, are all blank).
    """
    with fits.open(image_path, memmap=True) as hdul:
        header = hdul[0].header.copy()
        plane = image_plane(hdul[0].data)
        header["NAXIS1"] = tile.shape[1]
        header["NAXIS2"] = tile.shape[0]
        header["CRPIX1"] = float(header["CRPIX1"]) - tile.cols[0]
        header["CRPIX2"] = float(header["CRPIX2"]) - tile.rows[0]
        header = float32_header(
            header, f"sdc1: tile {tile.name}, rows {tile.rows}, columns {tile.cols}"
        )
        has_data = False
        with atomic_path(out_path) as tmp:
            stream = fits.StreamingHDU(tmp, header)
            rows, cols = tile.slices()
            for start in range(rows.start, rows.stop, CUT_BLOCK_ROWS):
                stop = min(start + CUT_BLOCK_ROWS, rows.stop)
                band = np.asarray(plane[start:stop, cols], dtype=np.float32)
                if negate:
                    band = -band
                has_data = has_data or bool(np.isfinite(band).any())
                stream.write(band)
            stream.close()
    return header, has_data


def _relative_to_image(path: Path, image_path: Path) -> str:
    """``path`` relative to the image's folder: PyBDSF prefixes map names with it."""
    return os.path.relpath(path, image_path.parent)


def _shared_maps_options(mean_path: Path, rms_path: Path, target: Path) -> dict[str, Any]:
    """PyBDSF options that make it use the shared background maps as they are."""
    return {
        # The shared maps, forced on: PyBDSF would otherwise decide per tile
        # whether to use a map or a constant.
        "rmsmean_map_filename": [
            _relative_to_image(mean_path, target),
            _relative_to_image(rms_path, target),
        ],
        "mean_map": "map",
        # FDR thresholding depends on the number of pixels: a fixed threshold
        # makes detection independent of the tile size.
        "thresh": "hard",
    }


def find_sources_in_tile(
    image_path: str | os.PathLike,
    grid: BackgroundGrid,
    tile: Tile,
    settings: dict[str, Any],
    *,
    ncores: int = 1,
    workdir: str | os.PathLike | None = None,
    finder: Callable[..., tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    negate: bool = False,
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
        PyBDSF options for :func:`find_sources`.
    ncores : int, optional
        PyBDSF cores.
    workdir : path-like, optional
        Where the tile and its maps are written (a temporary folder, removed).
    finder : callable, optional
        Replaces :func:`find_sources` (tests); PyBDSF's fitting progress is
        then not logged.
    negate : bool, optional
        Search the negated image against the negated background mean (same
        rms): what is found there is noise, the false detections to expect
        (:mod:`sdc1.reliability`).

    Returns
    -------
    sources, gaussians : pandas.DataFrame
        PyBDSF tables of the core's sources, Gaussian ``Xposn``/``Yposn`` in
        full-image pixels.
    """
    fit_progress: contextlib.AbstractContextManager[Any] = contextlib.nullcontext()
    if finder is None:
        finder = find_sources
        fit_progress = pybdsf_fit_progress(log)
    image_path = Path(image_path)
    shape = grid.shape
    # The negated image is always written: the input is never changed.
    whole = tile.rows == (0, shape[0]) and tile.cols == (0, shape[1]) and not negate
    if negate:
        grid = negated(grid)
    label = f"{tile.name} (negated)" if negate else tile.name
    with fits.open(image_path) as hdul:
        full_header = hdul[0].header.copy()
    wcs = WCS(celestial_header(full_header, image_path))
    with tempfile.TemporaryDirectory(prefix=f"sdc1-{tile.name}-", dir=workdir) as tmp:
        tmp_dir = Path(tmp)
        if whole:
            target, header = image_path, full_header
        else:
            target = tmp_dir / f"{tile.name}.fits"
            header, has_data = cut_tile(image_path, tile, target, negate=negate)
            log.info(
                "tile %s: %dx%d px cut from %s",
                label,
                tile.shape[1],
                tile.shape[0],
                image_path.name,
            )
            if not has_data:
                # Corners of a full SDC1 field lie where the primary beam is below
                # min_pb: all blanked, and PyBDSF refuses such an image.
                log.info("tile %s: every pixel is blanked: no sources", label)
                return empty_tables()
        rows, cols = tile.slices()
        mean_path, rms_path = tmp_dir / "mean.fits", tmp_dir / "rms.fits"
        write_map(grid, "mean", header, rows, cols, mean_path)
        write_map(grid, "rms", header, rows, cols, rms_path)
        settings = dict(settings)
        extra = dict(settings.pop("extra", None) or {})
        extra.update(_shared_maps_options(mean_path, rms_path, target))
        log.info(
            "tile %s: PyBDSF with %d cores on %dx%d px",
            label,
            ncores,
            tile.shape[1],
            tile.shape[0],
        )
        # Islands wholly in the overlap give no source of the core: they are not fitted.
        core = (
            None
            if whole
            else (
                (tile.core_rows[0] - tile.rows[0], tile.core_rows[1] - tile.rows[0]),
                (tile.core_cols[0] - tile.cols[0], tile.core_cols[1] - tile.cols[0]),
            )
        )
        start = time.monotonic()
        with fit_progress:
            sources, gaussians = finder(
                target, ncores=ncores, rms_map=True, extra=extra, fit_region=core, **settings
            )
        log.info(
            "tile %s: PyBDSF found %d sources, %d Gaussians in %.1f s",
            label,
            len(sources),
            len(gaussians),
            time.monotonic() - start,
        )
    if len(gaussians):
        gaussians = gaussians.copy()
        gaussians["Xposn"] = gaussians["Xposn"] + tile.cols[0]
        gaussians["Yposn"] = gaussians["Yposn"] + tile.rows[0]
    return select_core(sources, gaussians, tile, wcs, shape)


@dataclass(frozen=True)
class FoundSources:
    """The PyBDSF tables of one search, on the image and on the negated image.

    Attributes
    ----------
    sources, gaussians : pandas.DataFrame
        PyBDSF source and Gaussian lists of the image (a tile's core).
    negated : pandas.DataFrame
        PyBDSF source list of the negated image, same region and background:
        noise peaks, the false detections to expect (:mod:`sdc1.reliability`),
        each weighed by the tile's ``negated_weight`` (column ``Area_weight``,
        where it is not 1); empty when the tile's negated image is not searched.
    """

    sources: pd.DataFrame
    gaussians: pd.DataFrame
    negated: pd.DataFrame


def search_both_signs(
    image_path: str | os.PathLike,
    grid: BackgroundGrid,
    tile: Tile,
    settings: dict[str, Any],
    *,
    ncores: int = 1,
) -> FoundSources:
    """:func:`find_sources_in_tile` on the image, then on the negated image when sampled.

    The negated image is searched when the tile's ``negated_weight`` is positive
    (:func:`sdc1.tiles.sample_negated`), and its detections carry that weight as
    ``Area_weight`` when it is not 1 (only some tiles searched).
    """
    sources, gaussians = find_sources_in_tile(image_path, grid, tile, settings, ncores=ncores)
    if tile.negated_weight <= 0:
        return FoundSources(sources, gaussians, pd.DataFrame())
    negated, _ = find_sources_in_tile(image_path, grid, tile, settings, ncores=ncores, negate=True)
    if tile.negated_weight != 1.0:
        # Only a sample of the tiles is searched negated: each detection stands for several.
        negated = negated.assign(Area_weight=tile.negated_weight)
    return FoundSources(sources, gaussians, negated)


@dataclass(frozen=True)
class TileSources:
    """What one source-finding job found, and the memory it took.

    Attributes
    ----------
    tile : Tile
        The tile searched (the whole image when untiled).
    sources, gaussians : pandas.DataFrame
        PyBDSF tables of the tile's core (:func:`find_sources_in_tile`).
    negated : pandas.DataFrame
        PyBDSF source list of the negated tile's core (:class:`FoundSources`).
    memory : numpy.ndarray
        ``(n, 2)`` memory timeline: seconds, MiB (:func:`sdc1.memory.profile_memory`).
    """

    tile: Tile
    sources: pd.DataFrame
    gaussians: pd.DataFrame
    negated: pd.DataFrame
    memory: np.ndarray


def choose_tile(
    shape: tuple[int, int],
    plan_path: str | os.PathLike | None = None,
    tile_name: str | None = None,
) -> tuple[Tile, int, int]:
    """The tile to search: ``tile_name`` of the plan, or the whole image without a plan.

    Returns
    -------
    tile : Tile
    index, count : int
        The tile's place in the plan (1-based) and the number of tiles.

    Raises
    ------
    InputError
        If the plan has no tile ``tile_name``.
    """
    if plan_path is None:
        return plan_tiles(shape, 0, 0)[0], 1, 1
    plan = read_plan(plan_path)
    for index, tile in enumerate(plan, 1):
        if tile.name == tile_name:
            return tile, index, len(plan)
    raise InputError(f"{plan_path}: no tile named {tile_name!r}")


def find_sources_job(
    image_path: str | os.PathLike,
    background_path: str | os.PathLike,
    settings: Mapping[str, Any],
    *,
    plan_path: str | os.PathLike | None = None,
    tile_name: str | None = None,
    ncores: int = 1,
) -> TileSources:
    """PyBDSF on the whole image or on one tile of a plan, memory profiled and logged.

    The image and the negated image are searched (:func:`search_both_signs`).
    Logs the tile's place in the plan, then (:func:`find_sources_in_tile`)
    PyBDSF's start, its Gaussian fitting about every 10% of the islands and its
    end, then what was kept and the peak memory, and a warning when kept
    Gaussians reach halfway into the overlap (:func:`sdc1.tiles.near_cut_edge`).

    Parameters
    ----------
    image_path : path-like
        The full (primary-beam-corrected) image.
    background_path : path-like
        Its background grid (:func:`sdc1.background.save_grid`).
    settings : mapping
        PyBDSF options for :func:`find_sources`.
    plan_path : path-like, optional
        Tile plan (:func:`sdc1.tiles.write_plan`); without it the whole image
        is searched.
    tile_name : str, optional
        The plan's tile to search.
    ncores : int, optional
        PyBDSF cores.

    Returns
    -------
    TileSources
    """
    grid = load_grid(background_path)
    tile, index, count = choose_tile(grid.shape, plan_path, tile_name)
    log.info(
        "tile %s (%d of %d): rows %s, columns %s, core rows %s, core columns %s",
        tile.name,
        index,
        count,
        tile.rows,
        tile.cols,
        tile.core_rows,
        tile.core_cols,
    )
    found, timeline = profile_memory(
        search_both_signs, image_path, grid, tile, dict(settings), ncores=ncores
    )
    log.info(
        "%d sources, %d gaussians kept (%d on the negated image); peak memory %.0f MiB",
        len(found.sources),
        len(found.gaussians),
        len(found.negated),
        peak_mib(timeline),
    )
    risky = near_cut_edge(found.gaussians, tile, grid.shape)
    if risky:
        log.warning(
            "%d kept Gaussians reach halfway into the overlap: islands may be cut, "
            "consider a larger sourcefind.tile_overlap",
            risky,
        )
    return TileSources(tile, found.sources, found.gaussians, found.negated, timeline)
