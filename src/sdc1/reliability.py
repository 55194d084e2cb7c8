"""Reliability of detections, estimated from the negated image.

The standard method of radio surveys: search the negated image with the same
finder, thresholds and background. Nothing real is found there, so its
detections count the noise peaks, and noise is symmetric: as many noise peaks
are expected among the image's own detections at each peak signal-to-noise.
The reliability of a detection at S/N ``s`` is then the share of real
detections among all those expected at ``s``.

:func:`fit_noise_counts` models the negated image's counts against S/N,
:func:`fit_source_counts` the real ones as a power law (a mixture fit of the
image's detections), :func:`detection_reliability` turns both into each
detection's reliability, and
:func:`reliability_cut` keeps a detection when its expected contribution to the
SDC1 score is positive: a match earns about its attribute score
(``match_value``), a false detection costs 1.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

__all__ = [
    "NoiseCounts",
    "ReliabilityCut",
    "SourceCounts",
    "detection_reliability",
    "fit_noise_counts",
    "fit_source_counts",
    "keep_threshold",
    "model_cut_snr",
    "reliability_cut",
]

log = logging.getLogger(__name__)

#: Pure Gaussian noise: peaks above S/N ``s`` fall off as ``exp(-s^2 / 2)``.
GAUSSIAN_RATE = 0.5


@dataclass(frozen=True)
class NoiseCounts:
    """Noise detections of an image against peak S/N.

    ``N(> s) = count * exp(-rate * (s**2 - floor**2))`` for ``s >= floor``: the
    tail of Gaussian noise peaks (``rate`` 1/2), with the rate fitted to the
    negated image because confusion and the island finder change it.

    Attributes
    ----------
    count : float
        Noise detections at or above ``floor`` (the negated image's count).
    floor : float
        Detection floor in S/N (PyBDSF's ``thresh_pix``).
    rate : float
        Fall-off of the counts in ``s**2``.
    """

    count: float
    floor: float
    rate: float

    def above(self, snr: np.ndarray | float) -> np.ndarray:
        """Expected noise detections with S/N at or above ``snr``."""
        s = np.maximum(np.asarray(snr, dtype=float), self.floor)
        with np.errstate(over="ignore", invalid="ignore"):
            counts = self.count * np.exp(-self.rate * (s**2 - self.floor**2))
        return np.where(np.isfinite(s), counts, 0.0)

    def between(self, low: np.ndarray, high: np.ndarray) -> np.ndarray:
        """Expected noise detections with ``low <= S/N < high``."""
        return self.above(low) - self.above(high)

    def density(self, snr: np.ndarray) -> np.ndarray:
        """Expected noise detections per unit S/N at ``snr`` (the floor for values below it)."""
        s = np.maximum(np.asarray(snr, dtype=float), self.floor)
        with np.errstate(over="ignore", invalid="ignore"):
            values = self.count * self.rate * 2.0 * s * np.exp(-self.rate * (s**2 - self.floor**2))
        return np.where(np.isfinite(values), values, 0.0)


def fit_noise_counts(
    negated_snr: np.ndarray,
    floor: float,
    *,
    weights: np.ndarray | None = None,
    prior_count: float = 2.0,
) -> NoiseCounts:
    """Fit :class:`NoiseCounts` to the S/N of the negated image's detections.

    The rate is the maximum-likelihood one of an exponential in ``s**2``,
    steadied by ``prior_count`` pseudo-detections of pure Gaussian noise so that
    an image with a handful of noise detections still gets a sensible tail.

    Parameters
    ----------
    negated_snr : numpy.ndarray
        Peak S/N of each detection on the negated image.
    floor : float
        Detection floor in S/N; values below it count as at it.
    weights : numpy.ndarray, optional
        Detections each one stands for (the image's area over the area whose
        negated image was searched, :func:`sdc1.tiles.sample_negated`); 1 each
        when not given.
    prior_count : float, optional
        Weight of the Gaussian-noise prior, in detections.
    """
    snr = np.asarray(negated_snr, dtype=float)
    weight = np.ones_like(snr) if weights is None else np.asarray(weights, dtype=float)
    finite = np.isfinite(snr)
    snr, weight = snr[finite], weight[finite]
    excess = np.maximum(snr**2 - floor**2, 0.0)
    count = float(weight.sum())
    rate = (count + prior_count) / (float((weight * excess).sum()) + prior_count / GAUSSIAN_RATE)
    return NoiseCounts(count=count, floor=float(floor), rate=float(rate))


@dataclass(frozen=True)
class SourceCounts:
    """Real detections of an image against peak S/N: a power law above the floor.

    ``N(> s) = count * (s / floor) ** (1 - slope)``, as source counts are power
    laws in flux.

    Attributes
    ----------
    count : float
        Real detections at or above ``floor``.
    floor : float
        Detection floor in S/N.
    slope : float
        Power-law index of the counts per unit S/N (> 1).
    """

    count: float
    floor: float
    slope: float

    def density(self, snr: np.ndarray) -> np.ndarray:
        """Expected real detections per unit S/N at ``snr`` (the floor for values below it)."""
        s = np.maximum(np.asarray(snr, dtype=float), self.floor)
        values = self.count * (self.slope - 1.0) / self.floor * (s / self.floor) ** -self.slope
        return np.where(np.isfinite(s), values, 0.0)


def fit_source_counts(snr: np.ndarray, noise: NoiseCounts) -> SourceCounts:
    """Fit :class:`SourceCounts` to an image's detections, noise included.

    Maximises the extended likelihood of the mixture: detections arrive at S/N
    ``s`` with density ``noise.density(s) + sources.density(s)``; the noise part
    is fixed (from the negated image), the count and slope of the sources are fitted.
    """
    snr = np.asarray(snr, dtype=float)
    snr = snr[np.isfinite(snr)]
    noise_density = noise.density(snr)
    floor = noise.floor

    def negative_log_likelihood(params: np.ndarray) -> float:
        sources = SourceCounts(np.exp(params[0]), floor, 1.0 + np.exp(params[1]))
        total = noise_density + sources.density(snr)
        return float(sources.count - np.sum(np.log(np.maximum(total, 1e-300))))

    start = np.array([np.log(max(len(snr) - noise.count, 1.0)), np.log(1.5)])
    # Slopes from 1.05 (flat) to 21 (all within a fraction of the floor): no overflow.
    bounds = [(-20.0, float(np.log(10.0 * len(snr) + 10.0))), (np.log(0.05), np.log(20.0))]
    start = np.clip(start, [b[0] for b in bounds], [b[1] for b in bounds])
    best = minimize(negative_log_likelihood, start, method="Nelder-Mead", bounds=bounds)
    return SourceCounts(float(np.exp(best.x[0])), float(floor), float(1.0 + np.exp(best.x[1])))


def detection_reliability(
    snr: np.ndarray, noise: NoiseCounts, sources: SourceCounts
) -> np.ndarray:
    """Reliability of each detection: the share of real detections expected at its S/N.

    ``sources.density(s) / (sources.density(s) + noise.density(s))``, made
    non-decreasing with S/N so that a brighter detection is never less reliable.

    Parameters
    ----------
    snr : numpy.ndarray
        Peak S/N of the image's detections.
    noise : NoiseCounts
        The image's noise detections (:func:`fit_noise_counts`).
    sources : SourceCounts
        Its real detections (:func:`fit_source_counts`).

    Returns
    -------
    numpy.ndarray
        Reliability of each detection, in its input order.
    """
    snr = np.asarray(snr, dtype=float)
    if len(snr) == 0:
        return np.zeros(0)
    real, false = sources.density(snr), noise.density(snr)
    with np.errstate(invalid="ignore", divide="ignore"):
        reliability = np.where(real + false > 0, real / (real + false), 1.0)
    reliability = np.where(np.isfinite(snr), reliability, 1.0)
    order = np.argsort(snr, kind="stable")
    out = np.empty(len(snr))
    out[order] = np.maximum.accumulate(reliability[order])
    return out


def keep_threshold(match_value: float) -> float:
    """Lowest reliability worth keeping: ``r * match_value - (1 - r) > 0``."""
    return 1.0 / (1.0 + float(match_value))


def model_cut_snr(
    noise: NoiseCounts, sources: SourceCounts, match_value: float, *, high: float = 100.0
) -> float:
    """The S/N above which the fitted counts keep every detection.

    Where ``sources.density / (sources.density + noise.density)`` last stays at or
    below :func:`keep_threshold`, on a 0.005 grid from the floor to ``high``:
    unlike the faintest detection kept, it does not depend on which detections an
    area happens to hold. The floor when every S/N is kept; inf when none up to
    ``high`` is.
    """
    grid = np.arange(noise.floor, high + 0.005, 0.005)
    real, false = sources.density(grid), noise.density(grid)
    with np.errstate(invalid="ignore", divide="ignore"):
        reliability = np.where(real + false > 0, real / (real + false), 1.0)
    below = np.flatnonzero(reliability <= keep_threshold(match_value))
    if len(below) == 0:
        return float(noise.floor)
    if below[-1] == len(grid) - 1:
        return float("inf")
    return float(grid[below[-1] + 1])


@dataclass(frozen=True)
class ReliabilityCut:
    """The reliability of an image's detections and the cut made with it.

    Attributes
    ----------
    reliability : numpy.ndarray
        Of every detection (:func:`detection_reliability`).
    keep : numpy.ndarray
        Boolean mask of the detections kept.
    noise : NoiseCounts
        The negated image's fitted counts.
    sources : SourceCounts
        The image's real detections, fitted.
    snr_cut : float
        Lowest S/N kept (inf when nothing is kept).
    predicted_false : float
        Expected false detections among those kept: the sum of ``1 - reliability``.
    """

    reliability: np.ndarray
    keep: np.ndarray
    noise: NoiseCounts
    sources: SourceCounts
    snr_cut: float
    predicted_false: float

    def summary(self) -> dict[str, float]:
        """Plain figures for logs and JSON."""
        return {
            "n_negated": int(self.noise.count),
            "noise_rate": round(self.noise.rate, 4),
            "n_real_fitted": round(self.sources.count, 1),
            "real_slope": round(self.sources.slope, 3),
            "snr_cut": float(self.snr_cut),
            "n_kept": int(self.keep.sum()),
            "predicted_false": round(self.predicted_false, 2),
        }


def reliability_cut(
    snr: np.ndarray,
    negated_snr: np.ndarray,
    *,
    floor: float,
    match_value: float,
    negated_weights: np.ndarray | None = None,
) -> ReliabilityCut:
    """Reliability of each detection from the negated image, and the detections worth keeping.

    Parameters
    ----------
    snr, negated_snr : numpy.ndarray
        Peak S/N of the detections on the image and on the negated image.
    negated_weights : numpy.ndarray, optional
        Detections each negated-image detection stands for, when only part of
        the image's negated image was searched (:func:`fit_noise_counts`).
    floor : float
        Detection floor in S/N (PyBDSF's ``thresh_pix``).
    match_value : float
        What a match earns in the SDC1 score (its mean attribute score, about
        0.8); a false detection costs 1.

    Returns
    -------
    ReliabilityCut
    """
    snr = np.asarray(snr, dtype=float)
    noise = fit_noise_counts(negated_snr, floor, weights=negated_weights)
    sources = fit_source_counts(snr, noise)
    reliability = detection_reliability(snr, noise, sources)
    keep = reliability > keep_threshold(match_value)
    snr_cut = float(snr[keep].min()) if keep.any() else float("inf")
    cut = ReliabilityCut(
        reliability=reliability,
        keep=keep,
        noise=noise,
        sources=sources,
        snr_cut=snr_cut,
        predicted_false=float((1.0 - reliability[keep]).sum()),
    )
    log.info(
        "reliability: %.0f negated-image detections (S/N fall-off %.3f in S/N^2), "
        "%.0f real ones fitted (slope %.2f); %d of %d detections kept, from S/N %.2f; "
        "%.1f false expected among them",
        noise.count,
        noise.rate,
        sources.count,
        sources.slope,
        keep.sum(),
        len(snr),
        snr_cut,
        cut.predicted_false,
    )
    return cut
