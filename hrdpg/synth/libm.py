"""Transcendental functions by the C library, value by value, for the synthetic world.

numpy dispatches log, exp and power on float64 to AVX-512 kernels where the CPU has them, and
those differ from its baseline ones in the last bit: a world drawn with them differed between
machines from the same seed. The world's sizes (thousands of values a day) make a Python loop
cheap enough.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def _each(fn: object, x: npt.ArrayLike) -> F64:
    a = np.asarray(x, dtype=np.float64)
    return np.array([fn(v) for v in a.ravel().tolist()],  # type: ignore[operator]
                    dtype=np.float64).reshape(a.shape)


def log(x: npt.ArrayLike) -> F64:
    return _each(math.log, x)


def power(x: npt.ArrayLike, p: float) -> F64:
    return _each(lambda v: math.pow(v, p), x)
