"""Population counts: true, hard-label and summed-probability counts per bin, on known answers."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sdc1.class_counts import class_counts_by_bin, population_counts, quartile_edges


def test_counts_per_bin_on_a_constructed_example() -> None:
    # Bin [0, 10): 30 SFGs at p = 0.9 SFG / 0.1 SS-AGN, hard labels all SFG.
    # Bin [10, 20): 25 SS-AGN at p = 0.5 / 0.5, hard labels all SS-AGN.
    values = np.array([5.0] * 30 + [15.0] * 25)
    true = np.array([3] * 30 + [1] * 25)
    hard = np.array([3] * 30 + [1] * 25)
    probs = np.array([[0.1, 0.0, 0.9]] * 30 + [[0.5, 0.0, 0.5]] * 25)
    low, high = class_counts_by_bin(values, np.array([0.0, 10.0, 20.0]), true, hard, probs)
    assert (low["lo"], low["hi"], low["n"]) == (0.0, 10.0, 30)
    assert low["sfg"] == {
        "true": 30,
        "hard": 30,
        "expected": 27.0,
        "sigma": 1.64,
        "hard_bias": 0.0,
        "expected_bias": -0.1,
        "within": True,
    }
    assert low["macro_f1"] == 1.0
    assert low["ss_agn"]["expected"] == 3.0 and low["ss_agn"]["within"] is None  # 0 members
    # 12.5 expected against 25 true: 50% off, 2.5 sigma off: not within.
    assert high["ss_agn"]["expected"] == 12.5 and high["ss_agn"]["sigma"] == 2.5
    assert high["ss_agn"]["within"] is False and high["ss_agn"]["hard"] == 25


def test_population_counts_bin_flux_by_quartiles_and_snr_by_fixed_edges() -> None:
    rng = np.random.default_rng(1)
    n = 400
    true = rng.choice([1, 2, 3], n, p=[0.1, 0.1, 0.8])
    probs = np.eye(3)[true - 1] * 0.9 + 0.1 / 3  # calibrated enough: counts within tolerance
    population = population_counts(
        true, true, probs, rng.uniform(1e-6, 1e-3, n), rng.uniform(3, 80, n)
    )
    assert [b["n"] for b in population["flux"]["bins"]] == [100, 100, 100, 100]
    assert population["snr"]["edges"][-1] is None  # open end, strict JSON
    assert sum(b["n"] for b in population["snr"]["bins"]) == n
    assert population["goal_met"] is True
    json.dumps(population, allow_nan=False)


def test_population_counts_of_nothing() -> None:
    empty = population_counts(np.zeros(0), np.zeros(0), np.zeros((0, 3)), np.zeros(0), np.zeros(0))
    assert empty["goal_met"] is None
    assert empty["flux"]["bins"][0]["n"] == 0


@pytest.mark.parametrize("tolerance, within", [(0.15, False), (0.6, True)])
def test_tolerance_decides(tolerance, within) -> None:
    values = np.full(20, 1.0)
    probs = np.tile([0.6, 0.0, 0.4], (20, 1))
    (entry,) = class_counts_by_bin(
        values,
        np.array([0.0, 2.0]),
        np.ones(20, int),
        np.ones(20, int),
        probs,
        tolerance=tolerance,
        n_sigma=0.0,
    )
    assert entry["ss_agn"]["within"] is within


def test_population_counts_by_primary_beam_response() -> None:
    rng = np.random.default_rng(2)
    n = 200
    true = rng.choice([1, 3], n, p=[0.3, 0.7])
    hard = np.where(rng.uniform(size=n) < 0.9, true, 4 - true)  # 10% swapped
    probs = np.eye(3)[true - 1]
    response = np.r_[rng.uniform(0.4, 1.0, n - 10), np.full(10, np.nan)]
    population = population_counts(
        true, hard, probs, rng.uniform(1, 2, n), np.full(n, 8.0), response
    )
    bins = population["pb_response"]["bins"]
    assert sum(b["n"] for b in bins) == n - 10  # no response, no bin
    assert population["pb_response"]["edges"][0] == pytest.approx(np.nanmin(response))
    assert all(0.0 < b["macro_f1"] < 1.0 for b in bins)
    without = population_counts(true, hard, probs, rng.uniform(1, 2, n), np.full(n, 8.0))
    assert "pb_response" not in without


def test_quartile_edges_hold_every_finite_value() -> None:
    values = np.array([3.0, 1.0, 2.0, 4.0, np.nan])
    edges = quartile_edges(values)
    assert edges[0] == 1.0 and edges[-1] > 4.0 and len(edges) == 5
    assert list(quartile_edges(np.full(4, 2.0))) == [2.0, np.inf]
    assert list(quartile_edges(np.array([np.nan]))) == [0.0, np.inf]
