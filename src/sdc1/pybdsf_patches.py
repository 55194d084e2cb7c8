"""Every reach into PyBDSF's internals, in one place.

PyBDSF's public interface is ``bdsf.process_image`` and the returned image's
``write_catalog``. The workflow needs two things it does not offer:

- progress of the Gaussian fitting, its longest step: :func:`pybdsf_fit_progress`
  wraps ``bdsf.gausfit.Op_gausfit.__call__`` and ``Op_gausfit.process_island``
  while it is active;
- removing PyBDSF's log file, which its ``"PyBDSF"`` logger keeps open:
  :func:`close_pybdsf_log`;
- each island's peak S/N as ``thresh_pix`` judges it, read from the finished
  image's islands and background maps: :func:`island_peak_snr`;
- fitting only the islands that reach a tile's core, those whose sources the tile
  keeps: :func:`pybdsf_islands_meeting` filters ``bdsf.islands.Op_islands.ndimage_alg``'s
  islands while it is active.

All depend on PyBDSF's internals (checked for 1.14 by
``tests/unit/test_pybdsf_patches.py`` and, for the islands, by
``tests/unit/test_peak_threshold.py``, which fail when an upgrade changes them).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from sdc1.logs import log_progress

__all__ = [
    "PYBDSF_LOGGER",
    "close_pybdsf_log",
    "island_peak_snr",
    "pybdsf_collects_new_objects_only",
    "pybdsf_fit_progress",
    "pybdsf_islands_meeting",
]

#: Name of the logger PyBDSF's ``mylogger.init_logger`` attaches its log file to.
PYBDSF_LOGGER = "PyBDSF"


def close_pybdsf_log() -> None:
    """Detach PyBDSF's file handlers so that its temporary log file can be removed."""
    logger = logging.getLogger(PYBDSF_LOGGER)
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


@dataclass
class _FitState:
    """Islands of the current ``Op_gausfit`` call, and those fitted so far."""

    total: int = 0
    done: int = 0
    progress: Callable[[int, int], None] | None = None


@contextlib.contextmanager
def pybdsf_collects_new_objects_only() -> Iterator[None]:
    """Make PyBDSF's garbage collections walk only the objects made since the last one.

    PyBDSF calls ``gc.collect()`` after each of its steps (``bdsf._run_op_list``), and a
    full collection walks every object the process holds: on a dense tile, millions of
    islands', Gaussians' and sources' attributes, a tenth of the tile's CPU time. Here
    each of those collections runs as before and then freezes what survived it
    (``gc.freeze``), so that neither the next one nor Python's automatic collections
    in between walk it again. Garbage is still freed as before (automatic collections
    stay on); the catalogues do not depend on any of it (``docs/benchmarks/pybdsf_gc.py``
    compares them, with the CPU time and peak memory, on a run's tiles). On leaving,
    the frozen objects are handed back to the collector.
    """
    collect = gc.collect

    def collect_then_freeze(generation: int = 2) -> int:
        found = collect(generation)
        if generation == 2:  # only a full collection has looked at every object
            gc.freeze()
        return found

    gc.collect = collect_then_freeze
    try:
        yield
    finally:
        gc.collect = collect
        gc.unfreeze()


@contextlib.contextmanager
def pybdsf_fit_progress(logger: logging.Logger, every: float = 0.1) -> Iterator[None]:
    """Log PyBDSF's Gaussian fitting about every ``every`` of the islands, while active.

    PyBDSF (run ``quiet``, or writing to a log file) says how many islands it
    found and, when all are fitted, how many Gaussians; on a large tile the
    fitting between the two takes hours. For the duration of the block,
    ``Op_gausfit.__call__(self, img)`` learns the number of islands from
    ``img.islands`` and each ``Op_gausfit.process_island`` run in this process
    (``ncores`` 1) reports one more done. With ``ncores`` > 1 the islands are
    fitted in worker processes and only the start and the end are logged.
    Without bdsf this does nothing. The originals are restored on exit, also
    when the block raises.

    Parameters
    ----------
    logger : logging.Logger
        Where the progress goes.
    every : float, optional
        Fraction of the islands between two progress lines.
    """
    try:
        from bdsf.gausfit import Op_gausfit
    except ImportError:  # pragma: no cover - bdsf is a dependency
        yield
        return
    original_call, original_process = Op_gausfit.__call__, Op_gausfit.process_island
    state = _FitState()

    def call(self: Any, img: Any) -> Any:
        state.done = 0
        state.total = len(getattr(img, "islands", None) or [])
        state.progress = log_progress(logger, "PyBDSF: islands fitted", every)
        start = time.monotonic()
        logger.info("PyBDSF: fitting Gaussians to %d islands", state.total)
        result = original_call(self, img)
        logger.info("PyBDSF: %d islands fitted in %.1f s", state.total, time.monotonic() - start)
        state.total = 0
        return result

    def process_island(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = original_process(self, *args, **kwargs)
        if state.total and state.progress is not None:
            state.done += 1
            state.progress(min(state.done, state.total), state.total)
        return result

    Op_gausfit.__call__, Op_gausfit.process_island = call, process_island
    try:
        yield
    finally:
        Op_gausfit.__call__, Op_gausfit.process_island = original_call, original_process


def island_peak_snr(img: Any) -> pd.Series:
    """Each island's peak S/N at its brightest pixel, as PyBDSF's ``thresh_pix`` judges it.

    PyBDSF keeps an island when ``(peak - mean) / rms > thresh_pix`` at its
    brightest pixel (``bdsf.islands.Op_islands.ibbox``), and the fitting of an
    island does not depend on ``thresh_pix``. So the sources of a search at a
    higher threshold are exactly those of islands above it
    (:func:`sdc1.peak_threshold.islands_above`).

    Parameters
    ----------
    img : bdsf.image.Image
        A finished PyBDSF run.

    Returns
    -------
    pandas.Series
        Peak S/N by PyBDSF island id (``Isl_id``).
    """
    values = {}
    for island in getattr(img, "islands", None) or []:
        pixels = np.where(island.mask_active, -np.inf, np.nan_to_num(island.image, nan=-np.inf))
        row, col = np.unravel_index(np.argmax(pixels), pixels.shape)
        row, col = row + island.origin[0], col + island.origin[1]
        values[int(island.island_id)] = float(
            (island.max_value - img.mean_arr[row, col]) / img.rms_arr[row, col]
        )
    return pd.Series(values, dtype=float)


#: Pixels an island's bounding box is grown by before it is compared with the region: a
#: source's position lies within its island, and is assigned to the pixel nearest it.
ISLAND_MARGIN = 4


def _meets(bbox: Any, rows: tuple[int, int], cols: tuple[int, int], margin: int) -> bool:
    """Whether a PyBDSF island's bounding box (x slice, y slice), grown by ``margin``,
    overlaps the 0-based half-open ``rows`` x ``cols``."""
    x, y = bbox[0], bbox[1]
    return (
        x.start - margin < cols[1]
        and x.stop + margin > cols[0]
        and y.start - margin < rows[1]
        and y.stop + margin > rows[0]
    )


@contextlib.contextmanager
def pybdsf_islands_meeting(
    rows: tuple[int, int], cols: tuple[int, int], *, logger: logging.Logger | None = None
) -> Iterator[None]:
    """While active, PyBDSF fits only the islands that reach the region ``rows`` x ``cols``.

    A tile keeps the sources whose position lies in its core
    (:func:`sdc1.tiles.select_core`), and a source lies within its island: the
    islands wholly in the overlap would be fitted only to be thrown away. The
    islands found by ``Op_islands.ndimage_alg`` are filtered before PyBDSF numbers
    them, so every later step sees a consistent, smaller list.

    Parameters
    ----------
    rows, cols : tuple of int
        0-based, half-open pixel ranges (FITS y and x) of the image PyBDSF reads:
        the tile's core. PyBDSF's arrays are indexed (x, y).
    logger : logging.Logger, optional
        Where the number of islands kept is logged.
    """
    from bdsf.islands import Op_islands

    original = Op_islands.__dict__["ndimage_alg"]

    def ndimage_alg(self: Any, img: Any, opts: Any) -> list[Any]:
        islands = original(self, img, opts)
        kept = [isl for isl in islands if _meets(isl.bbox, rows, cols, ISLAND_MARGIN)]
        if logger is not None:
            logger.info("%d of %d islands reach the core and are fitted", len(kept), len(islands))
        return kept

    Op_islands.ndimage_alg = ndimage_alg
    try:
        yield
    finally:
        Op_islands.ndimage_alg = original
