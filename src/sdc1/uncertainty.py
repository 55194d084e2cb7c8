"""Intervals on the evaluation figures: a bootstrap over sky blocks.

Neighbouring sources share their noise, their confusion and their counterparts, so
sources are not independent draws: the sky is cut into square blocks and the blocks
are resampled with replacement. Every figure here is a sum over sources, or a ratio of
such sums, so one resample is a vector of block weights (how often each block was
drawn), and all resamples together are one matrix product with per-block sums.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from sdc1.classify import CLASS_NAMES, CLASSES
from sdc1.match import tangent_plane_arcsec

__all__ = [
    "BlockBootstrap",
    "block_weights",
    "bootstrap_intervals",
    "sky_blocks",
]


@dataclass(frozen=True)
class BlockBootstrap:
    """Settings of the sky-block bootstrap (``config.score.bootstrap``).

    Attributes
    ----------
    resamples : int
        Number of bootstrap resamples.
    block_arcsec : float
        Side of the square sky blocks.
    level : float
        Coverage of the central interval (0.95: the 2.5 and 97.5 percentiles).
    seed : int
        Seed of the resampling.
    """

    resamples: int = 1000
    block_arcsec: float = 90.0
    level: float = 0.95
    seed: int = 20190219

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sky_blocks(ra_deg: np.ndarray, dec_deg: np.ndarray, block_arcsec: float) -> np.ndarray:
    """Block number (0 .. n-1) of each position, in squares of ``block_arcsec`` on a side.

    The squares are laid on the tangent plane at the positions' median.
    """
    ra = np.asarray(ra_deg, float)
    dec = np.asarray(dec_deg, float)
    if ra.size == 0:
        return np.zeros(0, dtype=int)
    xy = tangent_plane_arcsec(ra, dec, float(np.median(ra)), float(np.median(dec)))
    ij = np.floor(xy / block_arcsec).astype(np.int64)
    _, inverse = np.unique(ij, axis=0, return_inverse=True)
    return np.asarray(inverse).ravel()


def block_weights(n_blocks: int, resamples: int, seed: int) -> np.ndarray:
    """How often each block is drawn in each resample: ``(resamples, n_blocks)`` counts."""
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_blocks, np.full(n_blocks, 1.0 / n_blocks), size=resamples)


def _per_block(blocks: np.ndarray, n_blocks: int, values: np.ndarray) -> np.ndarray:
    return np.bincount(blocks, weights=np.asarray(values, float), minlength=n_blocks)


def _interval(samples: np.ndarray, level: float) -> list[float] | None:
    """The central ``level`` of the resampled values (row 0, the measured value, left out)."""
    samples = samples[1:][np.isfinite(samples[1:])]
    if samples.size == 0:
        return None
    tail = 50.0 * (1.0 - level)
    low, high = np.percentile(samples, [tail, 100.0 - tail])
    return [round(float(low), 4), round(float(high), 4)]


def _value(samples: np.ndarray) -> float | None:
    """The measured value (row 0 of the statistic's resampled values)."""
    value = float(samples[0])
    return round(value, 4) if np.isfinite(value) else None


def _f1_samples(
    weights: np.ndarray, blocks: np.ndarray, n_blocks: int, true: np.ndarray, pred: np.ndarray
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per-class F1 and macro F1 (over the classes present) of every resample."""
    f1 = {}
    for c in CLASSES:
        tp = weights @ _per_block(blocks, n_blocks, (true == c) & (pred == c))
        n_true = weights @ _per_block(blocks, n_blocks, true == c)
        n_pred = weights @ _per_block(blocks, n_blocks, pred == c)
        with np.errstate(invalid="ignore", divide="ignore"):
            score = np.where(n_true + n_pred > 0, 2.0 * tp / (n_true + n_pred), 0.0)
        f1[CLASS_NAMES[c]] = np.where(n_true > 0, score, np.nan)
    stacked = np.vstack(list(f1.values()))
    present = np.isfinite(stacked)
    with np.errstate(invalid="ignore"):
        macro = np.where(
            present.any(axis=0), np.nansum(stacked, axis=0) / present.sum(axis=0), np.nan
        )
    return f1, macro


def bootstrap_intervals(
    ra_deg: np.ndarray,
    dec_deg: np.ndarray,
    contribution: np.ndarray,
    true_class: np.ndarray,
    predicted_class: np.ndarray,
    probabilities: np.ndarray | None,
    settings: BlockBootstrap,
) -> dict[str, Any]:
    """Sky-block bootstrap intervals of a scored catalogue's headline figures.

    Parameters
    ----------
    ra_deg, dec_deg : numpy.ndarray
        Positions of the catalogue's sources.
    contribution : numpy.ndarray
        Each source's share of the SDC score: its ska-sdc match score, -1 for a false
        detection, NaN outside the scored area (:func:`sdc1.ska_score.detection_scores`).
    true_class : numpy.ndarray
        True class of the sources on which classification is judged, NaN elsewhere.
    predicted_class : numpy.ndarray
        The submitted class of every source.
    probabilities : numpy.ndarray, optional
        Calibrated class probabilities ``(n, 3)``: the class counts are their sums over
        the judged sources.
    settings : BlockBootstrap
        Resamples, block size, level and seed.

    Returns
    -------
    dict
        The settings, ``n_blocks``, and a ``[low, high]`` interval (None where nothing
        was measured) for ``score``, ``n_false``, ``false_fraction``, ``macro_f1``,
        per-class ``f1`` and, with probabilities, the ``class_counts`` (summed
        probabilities) beside the true counts' intervals ``true_counts``; ``values``
        holds the same figures measured on the catalogue itself.
    """
    contribution = np.asarray(contribution, float)
    scored = np.isfinite(contribution)
    judged = np.isfinite(np.asarray(true_class, float))
    blocks = sky_blocks(ra_deg, dec_deg, settings.block_arcsec)
    n_blocks = int(blocks.max()) + 1 if blocks.size else 0
    result: dict[str, Any] = {**settings.as_dict(), "n_blocks": n_blocks}
    if n_blocks == 0:
        return result
    # Row 0 weighs every block once: the measured values, reported beside the intervals.
    weights = np.vstack(
        [np.ones(n_blocks), block_weights(n_blocks, settings.resamples, settings.seed)]
    )
    false = scored & (contribution < 0)
    score = weights @ _per_block(blocks, n_blocks, np.where(scored, contribution, 0.0))
    n_false = weights @ _per_block(blocks, n_blocks, false)
    n_scored = weights @ _per_block(blocks, n_blocks, scored)
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(n_scored > 0, n_false / n_scored, np.nan)
    result["score"] = _interval(score, settings.level)
    result["n_false"] = _interval(n_false, settings.level)
    result["false_fraction"] = _interval(fraction, settings.level)
    values: dict[str, Any] = {"score": _value(score), "n_false": _value(n_false)}
    values["false_fraction"] = _value(fraction)

    rows = np.flatnonzero(judged)
    true = np.asarray(true_class, float)[rows].astype(int)
    pred = np.asarray(predicted_class)[rows].astype(int)
    f1, macro = _f1_samples(weights, blocks[rows], n_blocks, true, pred)
    result["macro_f1"] = _interval(macro, settings.level)
    result["f1"] = {name: _interval(samples, settings.level) for name, samples in f1.items()}
    values["macro_f1"] = _value(macro)
    values["f1"] = {name: _value(samples) for name, samples in f1.items()}
    if probabilities is not None:
        probs = np.asarray(probabilities, float)[rows]
        expected = {
            CLASS_NAMES[c]: weights @ _per_block(blocks[rows], n_blocks, probs[:, i])
            for i, c in enumerate(CLASSES)
        }
        counted = {
            CLASS_NAMES[c]: weights @ _per_block(blocks[rows], n_blocks, true == c)
            for c in CLASSES
        }
        result["class_counts"] = {k: _interval(v, settings.level) for k, v in expected.items()}
        result["true_counts"] = {k: _interval(v, settings.level) for k, v in counted.items()}
        values["class_counts"] = {k: _value(v) for k, v in expected.items()}
        values["true_counts"] = {k: _value(v) for k, v in counted.items()}
    result["values"] = values
    return result
