"""Each tiled image's own peak threshold, chosen on its pilot tiles.

At PyBDSF's default ``thresh_pix`` of 3, most of what a noise-dominated image's
tiles fit is noise islands, and the reliability cut later throws their sources
away: the cut starts at S/N 5 or more there, against about 3.4 on a dense
1000 h field. The pilot tiles are those whose negated image is searched
(:func:`sdc1.tiles.sample_negated`, spread over the image): searched first at
``thresh_pix``, they give the image's reliability against S/N
(:func:`sdc1.reliability.reliability_cut`), and so the S/N from which its
model keeps every detection (:func:`sdc1.reliability.model_cut_snr`). The other
tiles are then searched with a peak threshold ``margin`` below that S/N, never
below ``thresh_pix``.

Nothing else changes: PyBDSF keeps an island when its peak S/N
(:func:`sdc1.pybdsf_patches.island_peak_snr`) exceeds ``thresh_pix``, and fits it
the same whatever the threshold, so the pilot tiles' tables cut at the chosen
threshold (:func:`islands_above`) are those a search at it would give, and the
merged catalogue is the same as if every tile had been searched at it.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sdc1.catalogue import peak_snr
from sdc1.errors import InputError
from sdc1.io import atomic_path
from sdc1.reliability import model_cut_snr, reliability_cut
from sdc1.tiles import Tile

__all__ = [
    "PeakThreshold",
    "apply_peak_threshold",
    "threshold_from_detections",
    "pilot_tiles",
    "choose_peak_threshold",
    "islands_above",
    "log_peak_threshold",
    "read_peak_threshold",
    "write_peak_threshold",
]

log = logging.getLogger(__name__)

#: Column of the PyBDSF tables holding each island's peak S/N.
ISLAND_SNR = "Isl_peak_snr"


@dataclass(frozen=True)
class PeakThreshold:
    """The peak threshold of one image's tiles, and what the pilot tiles said.

    Attributes
    ----------
    thresh_pix : float
        PyBDSF ``thresh_pix`` of the tiles that are not pilots, and of the merged
        tables (the reliability model's S/N floor).
    floor : float
        ``sourcefind.thresh_pix``: the pilot tiles' threshold, the lowest allowed.
    margin : float or None
        How far below ``snr_cut`` the threshold is set; None: kept at ``floor``.
    snr_cut : float
        The S/N the threshold is set ``margin`` below: from where the reliability
        model fitted on the pilot tiles keeps every detection
        (:func:`sdc1.reliability.model_cut_snr`), or, when it keeps none, where
        the image expects under one noise detection; nan when none was chosen.
    pilot_tiles, tiles : int
        Pilot tiles, and all tiles of the image.
    pilot_sources, pilot_kept, pilot_lost : int
        The pilot tiles' sources, those the reliability cut keeps, and those of
        them that lie in islands at or below ``thresh_pix``: what the other
        tiles miss, per pilot area, against a search at ``floor``.
    reason : str
        Why the threshold is what it is.
    """

    thresh_pix: float
    floor: float
    margin: float | None
    snr_cut: float
    pilot_tiles: int
    tiles: int
    pilot_sources: int
    pilot_kept: int
    pilot_lost: int
    reason: str


def islands_above(table: pd.DataFrame, thresh_pix: float, *, name: str = "table") -> pd.DataFrame:
    """The rows of a PyBDSF table whose island PyBDSF keeps at ``thresh_pix``.

    PyBDSF keeps an island when its peak S/N is strictly above the threshold.

    Raises
    ------
    InputError
        If the table has rows but no ``Isl_peak_snr`` (written before it existed).
    """
    if len(table) == 0:
        return table
    keep = table_island_snr(table, name=name) > thresh_pix
    return table.loc[keep].reset_index(drop=True)


def table_island_snr(table: pd.DataFrame, *, name: str = "table") -> np.ndarray:
    """The ``Isl_peak_snr`` of each row of a PyBDSF table (none for an empty one).

    Raises
    ------
    InputError
        If the table has rows but no such column (written before it existed).
    """
    if len(table) == 0:
        return np.zeros(0)
    if ISLAND_SNR not in table:
        raise InputError(
            f"{name}: no {ISLAND_SNR} column (written by an older sdc1): search its tiles again"
        )
    return table[ISLAND_SNR].to_numpy(dtype=float)


def noise_free_snr(count: float, floor: float, rate: float) -> float:
    """S/N above which under one noise detection is expected, of ``count`` above ``floor``."""
    if count <= 1.0:
        return float(floor)
    return float(math.sqrt(floor**2 + math.log(count) / rate))


def threshold_from_detections(
    sources: pd.DataFrame,
    negated: pd.DataFrame,
    *,
    floor: float,
    margin: float | None,
    match_value: float,
    pilot_tiles: int,
    tiles: int,
    area_ratio: float = 1.0,
) -> PeakThreshold:
    """The peak threshold for an image's other tiles, from its pilot tiles' tables.

    Parameters
    ----------
    sources, negated : pandas.DataFrame
        The pilot tiles' PyBDSF source lists, on the image and on the negated
        image (the same cores), searched at ``floor``.
    floor : float
        ``sourcefind.thresh_pix``.
    margin : float or None
        The threshold is set this far below the S/N where the pilot's reliability
        cut starts; None keeps ``floor``.
    match_value : float
        ``catalogue.match_value``, which sets where the cut starts.
    pilot_tiles, tiles : int
        Pilot tiles, and all tiles of the image: when every tile is a pilot
        there is nothing left to search, and the threshold stays ``floor``.
    area_ratio : float, optional
        The image's core area over the pilot tiles': when the pilot keeps
        nothing, the threshold starts from the S/N above which the whole image
        expects less than one noise detection.

    Returns
    -------
    PeakThreshold
    """
    counts = dict(pilot_tiles=int(pilot_tiles), tiles=int(tiles), pilot_sources=len(sources))
    if margin is None or pilot_tiles >= tiles:
        reason = (
            "sourcefind.peak_threshold_margin is null"
            if margin is None
            else "every tile is a pilot tile"
        )
        return PeakThreshold(
            thresh_pix=float(floor),
            floor=float(floor),
            margin=margin,
            snr_cut=math.nan,
            pilot_kept=0,
            pilot_lost=0,
            reason=reason,
            **counts,
        )
    cut = reliability_cut(
        peak_snr(sources), peak_snr(negated), floor=floor, match_value=match_value
    )
    start = model_cut_snr(cut.noise, cut.sources, match_value)
    if math.isfinite(start):
        reason = "the pilot tiles' reliability model keeps every detection from S/N {:.2f}"
    else:
        noise = cut.noise
        start = noise_free_snr(noise.count * area_ratio, noise.floor, noise.rate)
        reason = (
            "the pilot tiles' reliability model keeps nothing; "
            "the image expects under one noise detection above S/N {:.2f}"
        )
    thresh = max(float(floor), start - float(margin))
    kept = np.asarray(cut.keep, dtype=bool)
    lost = int((kept & (table_island_snr(sources, name="pilot sources") <= thresh)).sum())
    return PeakThreshold(
        thresh_pix=round(thresh, 4),
        floor=float(floor),
        margin=float(margin),
        snr_cut=float(start),
        pilot_kept=int(kept.sum()),
        pilot_lost=lost,
        reason=reason.format(start),
        **counts,
    )


def pilot_tiles(tiles: list[Tile]) -> list[Tile]:
    """The pilot tiles of a plan: those whose negated image is searched."""
    return [t for t in tiles if t.negated_weight > 0]


def choose_peak_threshold(
    tiles: list[Tile],
    pilot_tables: list[tuple[pd.DataFrame, pd.DataFrame]],
    *,
    floor: float,
    margin: float | None,
    match_value: float,
) -> PeakThreshold:
    """:func:`threshold_from_detections` for a plan, from its pilot tiles' tables.

    Parameters
    ----------
    tiles : list of Tile
        Every tile of the plan.
    pilot_tables : list of (DataFrame, DataFrame)
        Each pilot tile's sources and negated-image sources, in any order.
    """
    pilots = pilot_tiles(tiles)
    frames = [(s, n) for s, n in pilot_tables]
    sources = [s for s, _ in frames if len(s)]
    negated = [n for _, n in frames if len(n)]
    return threshold_from_detections(
        pd.concat(sources, ignore_index=True) if sources else pd.DataFrame(),
        pd.concat(negated, ignore_index=True) if negated else pd.DataFrame(),
        floor=floor,
        margin=margin,
        match_value=match_value,
        pilot_tiles=len(pilots),
        tiles=len(tiles),
        area_ratio=pilots[0].negated_weight if pilots else 1.0,
    )


def apply_peak_threshold(
    table: pd.DataFrame, threshold: PeakThreshold, *, name: str = "table"
) -> pd.DataFrame:
    """A tile's PyBDSF table as a search at the chosen threshold gives it.

    Unchanged when the threshold is the floor the tile was searched at.
    """
    if threshold.thresh_pix <= threshold.floor:
        return table
    return islands_above(table, threshold.thresh_pix, name=name)


def write_peak_threshold(threshold: PeakThreshold, path: str | os.PathLike) -> None:
    """Write a :class:`PeakThreshold` as JSON (atomically; inf and nan as strings)."""
    record = {
        k: (str(v) if isinstance(v, float) and not math.isfinite(v) else v)
        for k, v in asdict(threshold).items()
    }
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(record, indent=1, sort_keys=True) + "\n")


def read_peak_threshold(path: str | os.PathLike) -> PeakThreshold:
    """Read what :func:`write_peak_threshold` wrote.

    Raises
    ------
    InputError
        If the file is not a peak-threshold record.
    """
    try:
        record = json.loads(Path(path).read_text())
        record["snr_cut"] = float(record["snr_cut"])
        return PeakThreshold(**record)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{path}: not a peak-threshold record ({exc})") from None


def log_peak_threshold(threshold: PeakThreshold, logger: logging.Logger = log) -> None:
    """Log the chosen threshold and what the pilot tiles said, in one line."""
    logger.info(
        "peak threshold %.2f (sourcefind.thresh_pix %.2f, margin %s): %s; pilot: %d of %d "
        "tiles, %d sources, %d kept by the reliability cut, %d of them in islands at or "
        "below %.2f",
        threshold.thresh_pix,
        threshold.floor,
        threshold.margin,
        threshold.reason,
        threshold.pilot_tiles,
        threshold.tiles,
        threshold.pilot_sources,
        threshold.pilot_kept,
        threshold.pilot_lost,
        threshold.thresh_pix,
    )
