"""Class counts for population studies: true, from hard labels, and from summed probabilities.

A population study asks how many sources of each class there are, per bin of flux
or signal-to-noise, not which class each source is. Hard labels bias such counts
(a classifier tuned for macro F1 over-calls the rare classes, argmax under-calls
them); summing calibrated probabilities does not, and gives its own uncertainty:
the count is a sum of independent Bernoulli variables, with variance
``sum p (1 - p)``.

:func:`class_counts_by_bin` makes the table of one binning, and
:func:`population_counts` the ``classification.population`` entry of the scores:
binned by flux, by S/N and by primary-beam response, the last because the
labelled training area sits at the beam's centre and the field around it is
noisier (each bin also gives the hard labels' macro F1 there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sdc1.classify import CLASS_NAMES, CLASSES, classification_metrics

__all__ = ["SNR_EDGES", "class_counts_by_bin", "population_counts", "quartile_edges"]

#: Peak S/N bin edges of the population counts.
SNR_EDGES: tuple[float, ...] = (0.0, 5.0, 10.0, 20.0, 50.0, np.inf)

#: A bin is judged when it holds at least this many true members of a class.
MIN_MEMBERS = 20


def _json(value: float) -> float | None:
    """A bin edge for strict JSON: None stands for an open end (infinity)."""
    return float(value) if np.isfinite(value) else None


def class_counts_by_bin(
    values: np.ndarray,
    edges: np.ndarray,
    true: np.ndarray,
    hard: np.ndarray,
    probabilities: np.ndarray,
    *,
    tolerance: float = 0.15,
    n_sigma: float = 2.0,
) -> list[dict[str, Any]]:
    """Per bin of ``values`` and per class: true, hard-label and summed-probability counts.

    Parameters
    ----------
    values : numpy.ndarray
        The binned quantity of each source (flux, S/N ...).
    edges : numpy.ndarray
        Bin edges (``len(edges) - 1`` bins, each ``[lo, hi)``).
    true, hard : numpy.ndarray
        True and predicted classes.
    probabilities : numpy.ndarray
        ``(n, 3)`` calibrated probabilities, columns in :data:`CLASSES` order.
    tolerance, n_sigma : float, optional
        A summed-probability count is ``within`` when it is within ``tolerance``
        of the true count or within ``n_sigma`` of its own uncertainty; judged
        (True or False) only where the bin holds :data:`MIN_MEMBERS` true members.

    Returns
    -------
    list of dict
        One per bin: ``lo``, ``hi`` (None: open), ``n``, ``macro_f1`` of the hard
        labels, and per class name ``true``, ``hard``, ``expected``, ``sigma``,
        ``hard_bias`` and ``expected_bias`` (count / true - 1; None without true
        members) and ``within`` (None where not judged).
    """
    values = np.asarray(values, dtype=float)
    true = np.asarray(true, dtype=int)
    hard = np.asarray(hard, dtype=int)
    probabilities = np.asarray(probabilities, dtype=float)
    bins = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        rows = (values >= lo) & (values < hi)
        entry: dict[str, Any] = {
            "lo": _json(lo),
            "hi": _json(hi),
            "n": int(rows.sum()),
            "macro_f1": classification_metrics(true[rows], hard[rows])["macro_f1"]
            if rows.any()
            else None,
        }
        for column, cls in enumerate(CLASSES):
            p = probabilities[rows, column]
            n_true = int((true[rows] == cls).sum())
            expected = float(p.sum())
            sigma = float(np.sqrt((p * (1.0 - p)).sum()))
            within = None
            if n_true >= MIN_MEMBERS:
                error = abs(expected - n_true)
                within = bool(error <= tolerance * n_true or error <= n_sigma * sigma)
            n_hard = int((hard[rows] == cls).sum())
            entry[CLASS_NAMES[cls]] = {
                "true": n_true,
                "hard": n_hard,
                "expected": round(expected, 2),
                "sigma": round(sigma, 2),
                "hard_bias": round(n_hard / n_true - 1.0, 3) if n_true else None,
                "expected_bias": round(expected / n_true - 1.0, 3) if n_true else None,
                "within": within,
            }
        bins.append(entry)
    return bins


def quartile_edges(values: np.ndarray) -> np.ndarray:
    """Bin edges at the quartiles of the finite ``values``, the last just above the maximum."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not len(finite):
        return np.array([0.0, np.inf])
    edges = np.unique(np.quantile(finite, [0.0, 0.25, 0.5, 0.75, 1.0]))
    if len(edges) == 1:
        return np.array([edges[0], np.inf])
    edges[-1] = np.nextafter(edges[-1], np.inf)
    return edges


def population_counts(
    true: np.ndarray,
    hard: np.ndarray,
    probabilities: np.ndarray,
    flux: np.ndarray,
    snr: np.ndarray,
    pb_response: np.ndarray | None = None,
) -> dict[str, Any]:
    """Class counts per bin of flux and of primary-beam response (quartiles) and of S/N.

    Returns
    -------
    dict
        ``flux``, ``snr`` and, where ``pb_response`` has finite values,
        ``pb_response`` (:func:`class_counts_by_bin`, each with its ``edges``), and
        ``goal_met``: whether every judged count is ``within`` (None when no bin
        holds enough members of any class).
    """
    flux = np.asarray(flux, dtype=float)
    parts: list[tuple[str, np.ndarray, np.ndarray]] = [
        ("flux", flux, quartile_edges(flux)),
        ("snr", np.asarray(snr, dtype=float), np.asarray(SNR_EDGES)),
    ]
    if pb_response is not None and np.isfinite(pb_response).any():
        response = np.asarray(pb_response, dtype=float)
        parts.append(("pb_response", response, quartile_edges(response)))
    out: dict[str, Any] = {}
    for name, values, bin_edges in parts:
        out[name] = {
            "edges": [_json(e) for e in bin_edges],
            "bins": class_counts_by_bin(values, bin_edges, true, hard, probabilities),
        }
    judged = [
        entry[CLASS_NAMES[c]]["within"]
        for part in out
        for entry in out[part]["bins"]
        for c in CLASSES
        if entry[CLASS_NAMES[c]]["within"] is not None
    ]
    out["goal_met"] = all(judged) if judged else None
    return out
