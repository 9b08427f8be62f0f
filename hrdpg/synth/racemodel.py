"""Race-time model: performance = mean + mixture noise; exact win/top-k probabilities by quadrature.

Noise (units of noise_sd): (1-w) N(0, 1) + w N(shift, sd) -- a slow, wide "bad run" component, so
the distribution is skewed and heavier-tailed than Gumbel's mirror image (Harville is wrong).
Each runner independently fails to finish with probability d (a point mass at -inf), so its
effective CDF is G(x) = d + (1 - d) F(x - z). Every integrand is smooth (analytic mixture), so
the trapezoid rule on a uniform grid converges exponentially fast: a coarse grid is exact to ~1e-7.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq
from scipy.special import ndtr
from scipy.stats import binom

from hrdpg.synth.config import SynthConfig

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
TAB_LO, TAB_HI, TAB_STEP = -40.0, 40.0, 1.0 / 256


@dataclass(frozen=True)
class Noise:
    w: float
    shift: float
    sd: float
    dnf: float  # probability of not finishing, independent of the noise
    lo: float  # integration limits: F(lo) < 1e-8 and 1 - F(hi) < 1e-8
    hi: float
    tab_f: F32  # density and CDF tables on [TAB_LO, TAB_HI]
    tab_cdf: F32

    @classmethod
    def from_config(cls, cfg: SynthConfig) -> Noise:
        w, sh, sd = cfg.bad_run_weight, cfg.bad_run_shift, cfg.bad_run_sd

        def cdf(t: float) -> float:
            return float((1 - w) * ndtr(t) + w * ndtr((t - sh) / sd))

        lo = brentq(lambda t: cdf(t) - 1e-8, -30, 0)
        hi = brentq(lambda t: cdf(t) - (1 - 1e-8), 0, 30)
        grid = np.arange(TAB_LO, TAB_HI + TAB_STEP / 2, TAB_STEP)
        dens = (1 - w) * np.exp(-0.5 * grid**2) + w / sd * np.exp(-0.5 * ((grid - sh) / sd) ** 2)
        dens /= np.sqrt(2 * np.pi)
        tab = (1 - w) * ndtr(grid) + w * ndtr((grid - sh) / sd)
        return cls(w, sh, sd, cfg.dnf_rate, float(lo), float(hi),
                   dens.astype(np.float32), tab.astype(np.float32))

    def cdf(self, t: F64) -> F64:
        """Exact mixture CDF of the noise (finishers)."""
        return np.asarray((1 - self.w) * ndtr(t) + self.w * ndtr((t - self.shift) / self.sd))

    def lookup(self, i0: npt.NDArray[np.int64], frac: F32, stride: int, m: int) -> tuple[F32, F32]:
        """(density, CDF) at table nodes i0 + stride * arange(m), linearly interpolated by frac.

        The race grid spacing is a multiple of the table step, so each runner's interpolation
        fraction is constant along its grid: two gathers per value, no per-node arithmetic.
        """
        idx = i0[..., None] + stride * np.arange(m)
        np.clip(idx, 0, self.tab_cdf.size - 2, out=idx)
        fr = frac[..., None]
        f = self.tab_f[idx]
        f += fr * (self.tab_f[idx + 1] - f)
        c = self.tab_cdf[idx]
        c += fr * (self.tab_cdf[idx + 1] - c)
        return f, c

    def sample(self, rng: np.random.Generator, n: int) -> F64:
        bad = rng.random(n) < self.w
        z = rng.standard_normal(n)
        return np.where(bad, self.shift + self.sd * z, z)


def race_probs(z: F64, k: int, noise: Noise, step: float) -> tuple[F64, F64, F64]:
    """Win and top-k probabilities for R races of n runners each; z (R, n) mean performances.

    P(i in top k) = integral of density_i(x) * P(fewer than k others above x) dx (trapezoid); the
    count distribution of the others is a Poisson-binomial DP with leave-one-out prefix/suffix
    products, truncated at k. Returns (p_win, p_topk, raw quadrature error per race: |sum - exact
    expected sum| of p_win and p_topk).
    """
    r, n = z.shape
    stride = max(1, round(step / TAB_STEP))
    h = stride * TAB_STEP  # node spacing: a whole number of table steps
    lo = z.min(axis=1) + noise.lo
    m = int(np.ceil((z.max(axis=1) + noise.hi - lo).max() / h)) + 1
    u = (lo[None, :] - z.T - TAB_LO) / TAB_STEP  # (n, r) table coordinate of each first node
    i0 = np.floor(u).astype(np.int64)
    f, cdf = noise.lookup(i0, (u - i0).astype(np.float32), stride, m)  # (n, r, m)
    d = np.float32(noise.dnf)
    below = d + (1 - d) * cdf  # P(runner j ends below node x)
    above = 1 - below
    dens = f * np.float32((1 - noise.dnf) * h)  # trapezoid weight x density
    kk = max(k, 1)
    # prefix[i][c] = P(c of runners 0..i-1 above); stored for every i, truncated at kk
    pre = np.zeros((n + 1, kk, r, m), dtype=np.float32)
    pre[0, 0] = 1.0
    for j in range(n):
        pre[j + 1, 0] = pre[j, 0] * below[j]
        for c in range(1, kk):
            pre[j + 1, c] = pre[j, c] * below[j] + pre[j, c - 1] * above[j]
    suf = np.zeros((kk, r, m), dtype=np.float32)
    suf[0] = 1.0
    p_win = np.empty((r, n))
    p_top = np.empty((r, n))
    for i in range(n - 1, -1, -1):
        # suffix cumulative: P(at most c of runners i+1..n-1 above)
        cum = suf.copy()
        for c in range(1, kk):
            cum[c] += cum[c - 1]
        fewer = np.zeros((r, m), dtype=np.float32)
        for a in range(kk):
            fewer += pre[i, a] * cum[kk - 1 - a]
        p_win[:, i] = np.einsum("rm,rm->r", dens[i], pre[i, 0] * suf[0])
        p_top[:, i] = np.einsum("rm,rm->r", dens[i], fewer)
        for c in range(kk - 1, 0, -1):
            suf[c] = suf[c] * below[i] + suf[c - 1] * above[i]
        suf[0] = suf[0] * below[i]
    # exact targets: someone wins unless all fail to finish; E[min(k, finishers)] are placed
    fin = binom.pmf(np.arange(n + 1), n, 1 - noise.dnf)
    err = p_win.sum(axis=1) - (1 - fin[0])
    if k > 0:
        placed = fin @ np.minimum(np.arange(n + 1), k)
        err = np.maximum(np.abs(err), np.abs(p_top.sum(axis=1) - placed))
    return p_win, p_top, np.abs(err)


def truth_by_race(z: F64, race_start: I64, n_run: I64, places: npt.NDArray[np.int16],
                  noise: Noise, step: float) -> tuple[F64, F64, float]:
    """True p_win / p_place for runners laid out race by race (runners only, no NRs).

    Blocks of races with equal (field size, places) are vectorised; p_place is NaN for win-only
    races. Returns (p_win, p_place, max raw quadrature error of the per-race sums).
    """
    p_win = np.empty(z.size)
    p_place = np.full(z.size, np.nan)
    err = 0.0
    key = n_run * 8 + places
    for kv in np.unique(key):
        races = np.flatnonzero(key == kv)
        n, k = int(kv // 8), int(kv % 8)
        chunk = max(1, 2_000_000 // (n * max(k, 1) * 80))  # bound the DP's memory
        for s in range(0, races.size, chunk):
            rs = races[s:s + chunk]
            idx = race_start[rs][:, None] + np.arange(n)[None, :]
            pw, pt, e = race_probs(z[idx], k, noise, step)
            err = max(err, float(e.max()))
            p_win[idx] = pw / pw.sum(axis=1, keepdims=True)
            if k > 0:
                p_place[idx] = pt * (k / pt.sum(axis=1, keepdims=True))
    return p_win, p_place, err
