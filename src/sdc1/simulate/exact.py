"""An exponential whose float32 result is the same on every CPU.

numpy evaluates ``np.exp`` with instruction-set-specific code (AVX2, AVX512F and SSE paths
for float32, SVML-based ones for float64 on AVX512): each is accurate to about one unit in
the last place, but they round differently, so the same seed rendered the synthetic images
with a few percent of their pixels one float32 step apart on two machines (measured with
``NPY_DISABLE_CPU_FEATURES=X86_V3``). Here the exponential is built from additions,
multiplications, ``rint`` and ``ldexp`` only, each correctly rounded by IEEE 754 whatever the
vector width, in float64 with an error far below float32's resolution, then rounded once to
float32.
"""

from __future__ import annotations

import numpy as np

__all__ = ["exp_exact", "exp_float32"]

_LN2_HI = 6.93147180369123816490e-01  # fdlibm's split of ln 2: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e00
#: 1/n! for n = 11 .. 0: Taylor terms of exp(r) for |r| <= ln(2)/2 (truncation below 1e-12).
_TAYLOR = tuple(1.0 / float(np.prod(np.arange(1, n + 1))) for n in range(11, -1, -1))
#: Below this exp is zero in float32 (its smallest subnormal is about exp(-103.3)).
_UNDERFLOW = -104.0


def exp_exact(x: np.ndarray) -> np.ndarray:
    """``exp(x)`` in float64 from IEEE-exact operations only: the same bits on every CPU.

    Relative error below 1e-12 (Taylor terms to the 11th after reduction by ln 2) from
    -104 up; zero below -104, where float32 underflows anyway.
    """
    x64 = np.asarray(x, dtype=np.float64)
    underflow = x64 < _UNDERFLOW
    x64 = np.maximum(x64, _UNDERFLOW)
    k = np.rint(x64 * _INV_LN2)
    r = x64 - k * _LN2_HI
    r -= k * _LN2_LO
    poly = np.full_like(r, _TAYLOR[0])
    for coefficient in _TAYLOR[1:]:
        poly *= r
        poly += coefficient
    result = np.ldexp(poly, k.astype(np.int32))
    result[underflow] = 0.0
    return result


def exp_float32(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``exp(x)`` as float32, bit-identical on every IEEE 754 machine.

    Parameters
    ----------
    x : numpy.ndarray
        Exponents (any float dtype); values above 88 overflow to inf as in float32.
    out : numpy.ndarray, optional
        A float32 array of ``x``'s shape to write into (may be ``x`` itself).

    Returns
    -------
    numpy.ndarray
        float32 ``exp(x)``, within one float32 rounding of the exact value.
    """
    result = exp_exact(x)
    if out is None:
        return result.astype(np.float32)
    out[...] = result
    return out
