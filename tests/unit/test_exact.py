"""The instruction-set-independent exponential of the renderer."""

from __future__ import annotations

import numpy as np

from sdc1.simulate.exact import exp_exact, exp_float32


def test_exp_float32_is_the_rounded_exponential() -> None:
    x = -np.random.default_rng(0).exponential(5.0, 200_000).astype(np.float32)
    reference = np.exp(x.astype(np.float64))
    got = exp_float32(x)
    assert got.dtype == np.float32
    normal = reference > 1e-37
    # Within half a float32 step of the exact value: correctly rounded, up to ties.
    step = np.spacing(reference[normal].astype(np.float32)).astype(np.float64)
    assert (np.abs(got[normal] - reference[normal]) <= 0.5 * step + 1e-300).all()


def test_edges_and_in_place() -> None:
    x = np.array([0.0, -1.0, 1.0, -103.0, -200.0, -np.inf], np.float32)
    assert (
        exp_float32(x).tolist()[:3] == np.exp(np.float64([0, -1, 1])).astype(np.float32).tolist()
    )
    assert exp_float32(x)[3] > 0 and exp_float32(x)[4] == 0 and exp_float32(x)[5] == 0
    out = x.copy()
    assert exp_float32(out, out=out) is out and out[0] == 1.0


def test_exp_exact_float64_relative_error() -> None:
    x = np.linspace(-104, 700, 100_001)
    assert np.max(np.abs(exp_exact(x) / np.exp(x) - 1)) < 1e-12
    assert exp_exact(np.array([-104.5, -1e6])).tolist() == [0.0, 0.0]
