"""All tiles of an image in one job: PyBDSF on several tiles at once, within a memory budget.

A cluster that gives each frequency one large node (32 cores, 90 GB) is best
used by one job that runs the image's tiles side by side, rather than by one
job per tile: the node's cores then share the tiles as they come free, and the
job's memory holds as many tiles at once as their predicted peaks allow.

:func:`find_sources_in_tiles` starts one process per tile (forked, so that a
finished tile's memory goes back to the system), the tiles with the most
estimated work first (longest-processing-time order, which keeps the slowest
tile from starting last), at most ``processes`` at a time, and only while the
predicted peaks (``mem_mb`` of the plan, :func:`sdc1.tiles.tile_memory_mb`) of
the running tiles fit ``mem_mb``. Each tile writes its tables as the per-tile
job would, and the tables are merged in plan order: the result is the same as
that of ``find_sources_tile`` jobs followed by ``merge_tiles``.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import tempfile
import time
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from sdc1.background import BackgroundGrid, load_grid
from sdc1.io import read_table, write_table
from sdc1.peak_threshold import (
    PeakThreshold,
    apply_peak_threshold,
    choose_peak_threshold,
    log_peak_threshold,
)
from sdc1.tiles import Tile, merge_tiles, near_cut_edge, tile_from_record

__all__ = ["PlannedTile", "find_sources_in_tiles", "launch_order", "read_planned_tiles"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlannedTile:
    """A tile of a plan with what the plan predicts of it.

    Attributes
    ----------
    tile : Tile
    mem_mb : int
        Predicted peak memory of PyBDSF on it.
    work : float
        Estimated work (0 when the plan was not made by work).
    """

    tile: Tile
    mem_mb: int
    work: float


def read_planned_tiles(path: str | os.PathLike) -> list[PlannedTile]:
    """The tiles of a plan written by :func:`sdc1.tiles.write_plan`, in plan order."""
    content = json.loads(Path(path).read_text())
    return [
        PlannedTile(tile_from_record(t), int(t["mem_mb"]), float(t.get("work", 0.0)))
        for t in content["tiles"]
    ]


def launch_order(tiles: list[PlannedTile]) -> list[int]:
    """Indices of ``tiles``, most work first (then most memory, then name)."""
    return sorted(
        range(len(tiles)), key=lambda i: (-tiles[i].work, -tiles[i].mem_mb, tiles[i].tile.name)
    )


def _next_fitting(
    pending: list[int], tiles: list[PlannedTile], used_mb: int, mem_mb: float, running: int
) -> int | None:
    """Position in ``pending`` of the first tile whose peak fits beside the running ones.

    With nothing running, the first tile always starts: a tile larger than the
    whole budget would otherwise never run.
    """
    for position, index in enumerate(pending):
        if running == 0 or used_mb + tiles[index].mem_mb <= mem_mb:
            return position
    return None


#: File name endings of a tile's tables: sources, Gaussians, negated-image sources.
PARTS = ("", "_gaussians", "_negated")


def _search_tile(
    image_path: str,
    grid: BackgroundGrid,
    tile: Tile,
    settings: dict[str, Any],
    sources_path: Path,
    gaussians_path: Path,
    negated_path: Path,
) -> None:
    """The child process of one tile: PyBDSF on it and on it negated, its core's tables written."""
    from sdc1.find_sources import search_both_signs

    found = search_both_signs(image_path, grid, tile, settings, ncores=1)
    risky = near_cut_edge(found.gaussians, tile, grid.shape)
    if risky:
        log.warning(
            "tile %s: %d kept Gaussians reach halfway into the overlap: islands may be cut, "
            "consider a larger sourcefind.tile_overlap",
            tile.name,
            risky,
        )
    write_table(found.sources, sources_path)
    write_table(found.gaussians, gaussians_path)
    write_table(found.negated, negated_path)


def _search_tiles(
    indices: list[int],
    tiles: list[PlannedTile],
    image_path: str,
    grid: BackgroundGrid,
    settings: dict[str, Any],
    outputs: list[tuple[Path, Path, Path]],
    *,
    processes: int,
    mem_mb: float,
) -> None:
    """Search the tiles ``indices`` of ``tiles`` in child processes, within the memory budget.

    Raises
    ------
    RuntimeError
        If PyBDSF fails on a tile; the other tiles are stopped.
    """
    context = multiprocessing.get_context("fork")
    pending = [i for i in launch_order(tiles) if i in set(indices)]
    running: dict[int, tuple[int, Any, float]] = {}
    used_mb = done = 0
    try:
        while pending or running:
            while len(running) < processes:
                position = _next_fitting(pending, tiles, used_mb, mem_mb, len(running))
                if position is None:
                    break
                index = pending.pop(position)
                process = context.Process(
                    target=_search_tile,
                    args=(image_path, grid, tiles[index].tile, dict(settings), *outputs[index]),
                    name=f"tile-{tiles[index].tile.name}",
                )
                process.start()
                running[process.sentinel] = (index, process, time.monotonic())
                used_mb += tiles[index].mem_mb
            for sentinel in wait(list(running)):
                index, process, start = running.pop(sentinel)
                process.join()
                used_mb -= tiles[index].mem_mb
                name = tiles[index].tile.name
                if process.exitcode != 0:
                    raise RuntimeError(
                        f"tile {name}: PyBDSF failed (exit code {process.exitcode}), "
                        "see the log above"
                    )
                done += 1
                log.info(
                    "tile %s done in %.1f s (%d of %d)",
                    name,
                    time.monotonic() - start,
                    done,
                    len(indices),
                )
    finally:
        for _, process, _ in running.values():
            process.terminate()
            process.join()


def find_sources_in_tiles(
    image_path: str | os.PathLike,
    background_path: str | os.PathLike,
    plan_path: str | os.PathLike,
    settings: Mapping[str, Any],
    *,
    processes: int = 1,
    mem_mb: float,
    peak_threshold_margin: float | None = None,
    match_value: float = 0.8,
    workdir: str | os.PathLike | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, PeakThreshold]:
    """PyBDSF on every tile of a plan, several at once, merged as `merge_tiles` merges them.

    The pilot tiles (those whose negated image is searched) go first, at
    ``settings["thresh_pix"]``; the image's peak threshold is chosen from them
    (:func:`sdc1.peak_threshold.choose_peak_threshold`), the other tiles are
    searched at it, and every table is cut to it: the same tables and threshold
    as ``find_sources_tile`` jobs, ``choose_peak_threshold`` and ``merge_tiles``.

    Parameters
    ----------
    image_path : path-like
        The full (primary-beam-corrected) image.
    background_path : path-like
        Its background grid (:func:`sdc1.background.save_grid`).
    plan_path : path-like
        The tile plan (:func:`sdc1.tiles.write_plan`).
    settings : mapping
        PyBDSF options for :func:`sdc1.find_sources.find_sources`.
    processes : int, optional
        Tiles searched at once (each PyBDSF run on one core).
    mem_mb : float
        Memory budget of the job: the predicted peaks of the tiles running at
        once stay within it.
    peak_threshold_margin : float or None, optional
        ``sourcefind.peak_threshold_margin``; None searches every tile at
        ``thresh_pix``.
    match_value : float, optional
        ``catalogue.match_value``, which sets where the reliability cut starts.
    workdir : path-like, optional
        Where the tiles' tables are written before the merge (a temporary
        folder, removed).

    Returns
    -------
    sources, gaussians, negated : pandas.DataFrame
        The merged tables (:func:`sdc1.tiles.merge_tiles`), the last of the
        negated image's sources (:func:`sdc1.find_sources.search_both_signs`).
    threshold : PeakThreshold
        The image's peak threshold.

    Raises
    ------
    RuntimeError
        If PyBDSF fails on a tile; the other tiles are stopped.
    """
    grid = load_grid(background_path)
    tiles = read_planned_tiles(plan_path)
    processes = max(1, int(processes))
    log.info(
        "%d tiles, up to %d at once within %.0f MB (largest predicted peak %d MB)",
        len(tiles),
        processes,
        mem_mb,
        max(t.mem_mb for t in tiles),
    )
    floor = float(settings["thresh_pix"])
    pilots = [i for i, t in enumerate(tiles) if t.tile.negated_weight > 0]
    others = [i for i in range(len(tiles)) if i not in set(pilots)]
    # Without a threshold to choose, every tile is searched at once.
    first = pilots if peak_threshold_margin is not None and others else list(range(len(tiles)))
    run = dict(image_path=str(image_path), grid=grid, processes=processes, mem_mb=mem_mb)
    with tempfile.TemporaryDirectory(prefix="sdc1-tiles-", dir=workdir) as tmp:
        outputs = [
            tuple(Path(tmp) / f"{t.tile.name}{part}.parquet" for part in PARTS) for t in tiles
        ]
        _search_tiles(first, tiles, settings=dict(settings), outputs=outputs, **run)
        threshold = choose_peak_threshold(
            [t.tile for t in tiles],
            # Read only when a threshold is chosen from them.
            [(read_table(outputs[i][0]), read_table(outputs[i][2])) for i in pilots]
            if len(first) < len(tiles)
            else [],
            floor=floor,
            margin=peak_threshold_margin,
            match_value=match_value,
        )
        log_peak_threshold(threshold, log)
        if len(first) < len(tiles):
            chosen = {**settings, "thresh_pix": threshold.thresh_pix}
            _search_tiles(others, tiles, settings=chosen, outputs=outputs, **run)

        def read(path: Path) -> pd.DataFrame:
            return apply_peak_threshold(read_table(path), threshold, name=str(path.name))

        sources, gaussians = merge_tiles((read(s), read(g)) for s, g, _ in outputs)
        negated, _ = merge_tiles((read(n), pd.DataFrame()) for _, _, n in outputs)
        return sources, gaussians, negated, threshold
