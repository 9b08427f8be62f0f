"""Transcendental functions by the C library, value by value, for the synthetic world.

numpy dispatches float64 log, exp and power to AVX-512 kernels where the CPU has them, and
those may differ from its baseline ones in the last bit: a world drawn with its power differed
between machines from the same seed (tests/unit/test_synth_determinism.py). Each distinct
value is computed once; most inputs here (distances, gaps in days) repeat.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def _each(fn: Callable[[float], float], x: npt.ArrayLike) -> F64:
    a = np.asarray(x, dtype=np.float64)
    values, inverse = np.unique(a.ravel(), return_inverse=True)
    out = np.array([fn(v) for v in values.tolist()], dtype=np.float64)
    return out[inverse].reshape(a.shape)


def log(x: npt.ArrayLike) -> F64:
    return _each(math.log, x)


def exp(x: npt.ArrayLike) -> F64:
    return _each(math.exp, x)


def power(x: npt.ArrayLike, p: float) -> F64:
    return _each(lambda v: math.pow(v, p), x)
