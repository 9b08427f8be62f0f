"""Same seed gives an identical world; another seed a different one."""

import numpy as np

from hrdpg.synth import SynthConfig, generate


def _eq(x: np.ndarray, y: np.ndarray) -> bool:
    if x.dtype.kind == "M":  # NaT never equals NaT; compare the raw ticks
        return np.array_equal(x.view(np.int64), y.view(np.int64))
    return bool(np.array_equal(x, y, equal_nan=x.dtype.kind == "f"))


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(_eq(a[k], b[k]) for k in a)


def test_seeded() -> None:
    a = generate(SynthConfig(seed=1, n_days=5))
    b = generate(SynthConfig(seed=1, n_days=5))
    c = generate(SynthConfig(seed=2, n_days=5))
    for name in ("races", "runners", "odds", "truth"):
        assert _same(getattr(a, name), getattr(b, name)), name
    assert not np.array_equal(a.truth["true_p_win"][:100], c.truth["true_p_win"][:100])
    assert a.n_runners == a.runners["horse_id"].size and a.n_odds > 4 * a.n_runners
    d = generate(SynthConfig(seed=1, n_days=5, race_id_offset=9_000_000))
    assert d.races["race_id"][0] == 9_000_000


# Digest of a world, printed by a child process (its numpy may dispatch to other SIMD kernels).
DIGEST = """
import hashlib, numpy as np
from hrdpg.synth import SynthConfig, generate
w = generate(SynthConfig(seed=7, n_days=20, races_per_day=16))
h = hashlib.sha256()
for name in ("races", "runners", "odds", "truth"):
    t = getattr(w, name)
    for k in sorted(t):
        a = np.asarray(t[k])
        h.update(k.encode() + (a.tobytes() if a.dtype != object else repr(a.tolist()).encode()))
print(h.hexdigest())
"""


def test_same_world_with_and_without_simd_kernels() -> None:
    """numpy picks SIMD kernels by CPU (sorting, selection, some math). The world must not
    depend on them, or each machine generates its own and tests pass on one and fail on
    another: an argpartition whose order fed the draws did exactly that."""
    import os
    import subprocess
    import sys

    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    if not found:
        import pytest
        pytest.skip("this CPU has no SIMD kernels beyond numpy's baseline to turn off")

    def digest(env: dict[str, str]) -> str:
        out = subprocess.run([sys.executable, "-c", DIGEST], env={**os.environ, **env},
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    assert digest({}) == digest({"NPY_DISABLE_CPU_FEATURES": " ".join(found)})
