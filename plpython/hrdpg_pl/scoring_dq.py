"""Data-quality gate of the scorer: per race, per model, before anything is published.

A race failing a blocking check is not published; its check results (and every other race's)
go to modeling.dq_results. Invalid odds are reported but do not block: the runner is priced as
having no odds. A race whose book (the sum of 1 / best price over its runners) is implausible
for the kind of market that priced it is published without edges or stakes: its prices are shown
as quoted but not trusted. The content rules below withhold edges and stakes the same way.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
SUM_TOL = 1e-9
MIN_RUNNERS = 2
# Plausible books of the best prices per source kind. The best price of each runner across
# several sources sums below one firm's book (best-of-many: about 0.95 to 1.01 on the synthetic
# world, where one firm's book is 1.1 to 1.3), so the floor leaves room below 1; a book of 0.76
# is a feed error, not competition. An exchange's best backs sum close to 1; a tote's final odds
# pay out the pool less its take (HKJC: 17.5 %, so about 1.2).
BOOK_RANGE: dict[str, tuple[float, float]] = {
    "bookmaker": (0.9, 1.6), "exchange": (0.9, 1.2), "tote": (1.0, 1.4)}
WITHHELD = "published without stakes"
# Content rules (content_check): a race failing one is published (its probabilities stand)
# without edges or stakes, which would be computed from nothing. Prices are judged as of as_of.
PRICE_HISTORY_DAYS = 28  # how far back a course's races tell whether it is priced
# A course whose earlier races had a price this long before the off this often (at least
# this share of them) should have one now: no price at all is then a feed failure.
PRICED_HISTORY_SHARE = 0.5
STALE_PRICE_AFTER_S = 12 * 3600.0  # newest price older than this before min(as_of, off)
# Declared attributes (the catalogue's 'field' stage: age, weight, rating, draw ...) NULL in
# more than this share of a race's cells: the card was stripped, the model sees defaults.
ATTRIBUTE_STAGE = "field"
# Features from the horse's past runs: the NULL-share gate does not count their NULLs (NULL
# for a debutant, or where the source lacks sectionals).
HISTORY_STAGES = ("history", "relative")
MAX_ATTRIBUTE_NULL_SHARE = 0.5
# A DQ alert is critical when this share of a run's races is blocked or without stakes.
CRITICAL_RACE_SHARE = 0.5


@dataclass
class GateResult:
    blocked: npt.NDArray[np.bool_]  # per race
    race_id: list[int] = field(default_factory=list)
    check_name: list[str] = field(default_factory=list)
    passed: list[bool] = field(default_factory=list)
    is_blocked: list[bool] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    withheld: dict[int, list[str]] = field(default_factory=dict)  # race -> checks that
    # withheld its edges and stakes (it is published)

    def withheld_races(self, race_ids: I64) -> npt.NDArray[np.bool_]:
        return np.isin(race_ids, np.fromiter(self.withheld, dtype=np.int64))

    def add(self, race_id: int, name: str, ok: bool, blocking: bool,
            details: dict[str, Any]) -> None:
        self.race_id.append(race_id)
        self.check_name.append(name)
        self.passed.append(ok)
        self.is_blocked.append(blocking and not ok)
        self.details.append(json.dumps(details, allow_nan=False))
        if details.get("action") == WITHHELD and not ok:
            self.withheld.setdefault(race_id, []).append(name)


def _per_race(values: npt.ArrayLike, idx: I64, n: int) -> F64:
    return np.bincount(idx, weights=np.asarray(values, dtype=np.float64),
                       minlength=n).astype(np.float64)


def gate(race_ids: I64, idx: I64, horse_id: I64, x: F64, p: F64,
         invalid_odds: npt.NDArray[np.bool_], raw_odds: F64, max_null_share: float,
         model_id: int, history_cols: list[int] | None = None) -> GateResult:
    """Checks per race: runners, duplicates, NULL share, probabilities, odds. idx maps rows to
    races (0..len(race_ids)-1); races without rows fail min_runners. history_cols: the columns
    of history-derived features, whose NULLs are not counted (the share stays one of all the
    cells): they are NULL wherever the horse's past lacks them (a debutant, a source without
    sectionals), and a broken history store shows as missing runners, not NULLs."""
    n = race_ids.size
    count = np.bincount(idx, minlength=n)
    order = np.lexsort((horse_id, idx))
    dup_row = np.zeros(idx.size, dtype=bool)
    if idx.size > 1:
        same = (idx[order][1:] == idx[order][:-1]) & (horse_id[order][1:] == horse_id[order][:-1])
        dup_row[order[1:][same]] = True
    dups = _per_race(dup_row, idx, n)
    row_nulls = np.isnan(x).sum(axis=1) if x.size else np.zeros(idx.size)
    row_cells = np.full(idx.size, max(x.shape[1], 1), dtype=np.float64)
    if history_cols and x.size:  # out of the NULLs, not of the cells: the share stays of all
        row_nulls = row_nulls - np.isnan(x[:, history_cols]).sum(axis=1)
    cells = _per_race(row_cells, idx, n)
    nulls = _per_race(row_nulls, idx, n)
    null_share = np.divide(nulls, cells, out=np.zeros(n), where=cells > 0)
    finite = np.isfinite(p) & (p > 0) & (p < 1)
    bad_p = _per_race(~finite, idx, n)
    sums = _per_race(np.where(np.isfinite(p), p, 0.0), idx, n)
    checks = [  # name, passed per race, details per race (JSON text, as json.dumps writes it)
        ("min_runners", count >= MIN_RUNNERS,
         _texts('{"model_id": %d, "runners": %d, "min": %d}', model_id, count, MIN_RUNNERS)),
        ("no_duplicate_runner", dups == 0,
         _texts('{"model_id": %d, "duplicates": %d}', model_id, dups.astype(np.int64))),
        ("null_feature_share", null_share <= max_null_share,
         _texts('{"model_id": %d, "share": %s, "max": %s}', model_id,
                [repr(round(v, 6)) for v in null_share.tolist()], repr(float(max_null_share)))),
        ("probabilities_valid", (count > 0) & (bad_p == 0),
         _texts('{"model_id": %d, "bad": %d}', model_id, bad_p.astype(np.int64))),
        ("probabilities_sum", (count > 0) & (np.abs(sums - 1.0) <= SUM_TOL),
         _texts('{"model_id": %d, "sum": %s, "tol": %s}', model_id,
                [repr(v) if np.isfinite(v) else "null" for v in sums.tolist()],
                repr(SUM_TOL))),
    ]
    blocked = np.zeros(n, dtype=bool)
    for _, ok, _ in checks:
        blocked |= ~ok
    odds_ok, odds_details = _odds_check(idx, n, horse_id, invalid_odds, raw_odds, model_id)
    checks.append(("odds_valid", odds_ok, odds_details))  # reported, never blocks
    k = len(checks)
    res = GateResult(blocked=blocked)
    # Race by race, the checks in the order above.
    res.race_id = np.repeat(np.asarray(race_ids, dtype=np.int64), k).tolist()
    res.check_name = [name for name, _, _ in checks] * n
    passed = np.stack([ok for _, ok, _ in checks], axis=1)
    res.passed = passed.reshape(-1).tolist()
    blocking = np.array([True] * (k - 1) + [False])
    res.is_blocked = (~passed & blocking).reshape(-1).tolist()
    res.details = [d for row in zip(*(d for _, _, d in checks), strict=True) for d in row]
    return res


def _texts(template: str, model_id: int, *columns: Any) -> list[str]:
    """template % (model_id, *values) per race; a column is per race or one constant."""
    n = max((len(c) for c in columns if not isinstance(c, str | int)), default=0)
    cols = [itertools.repeat(c, n) if isinstance(c, str | int) else
            (c.tolist() if isinstance(c, np.ndarray) else c) for c in columns]
    return [template % (model_id, *values) for values in zip(*cols, strict=False)]


def _odds_check(idx: I64, n: int, horse_id: I64, invalid_odds: npt.NDArray[np.bool_],
                raw_odds: F64, model_id: int) -> tuple[npt.NDArray[np.bool_], list[str]]:
    """odds_valid per race: the runners whose odds are not a price > 1 (rare: json.dumps)."""
    ok = np.ones(n, dtype=bool)
    clean = json.dumps({"model_id": model_id, "invalid": [], "action": "priced as no odds"})
    details = [clean] * n
    for r in np.unique(idx[invalid_odds]).tolist():
        rows = np.flatnonzero((idx == r) & invalid_odds).tolist()
        ok[r] = False
        details[r] = json.dumps({"model_id": model_id, "invalid": [
            {"horse_id": int(horse_id[i]),
             "odds": float(raw_odds[i]) if np.isfinite(raw_odds[i]) else str(raw_odds[i])}
            for i in rows], "action": "priced as no odds"}, allow_nan=False)
    return ok, details


def book_check(race_ids: I64, idx: I64, odds: F64, kinds: list[str | None], g: GateResult,
               model_id: int) -> npt.NDArray[np.bool_]:
    """Adds a book_plausible result per race to g; returns the races whose book is implausible
    (only judged when every runner has a valid price, by the kind most of them came from)."""
    n = race_ids.size
    priced = np.isfinite(odds)
    runners = np.bincount(idx, minlength=n)
    n_priced = np.bincount(idx, weights=priced, minlength=n)
    book = np.bincount(idx, weights=np.where(priced, 1.0 / np.where(priced, odds, 1.0), 0.0),
                       minlength=n)
    # The kind most of a race's best prices came from, counted in one pass (a backfill chunk
    # holds thousands of races): codes are BOOK_RANGE's kinds, then "other"; None is not counted.
    names = [*BOOK_RANGE, None]
    code = {k: i for i, k in enumerate(BOOK_RANGE)}
    codes = np.array([-1 if k is None else code.get(k, len(BOOK_RANGE)) for k in kinds],
                     dtype=np.int64)
    seen = codes >= 0
    counts = np.bincount(idx[seen] * len(names) + codes[seen],
                         minlength=n * len(names)).reshape(n, len(names))
    kind_of = [names[int(c)] if counts[r, c] else None
               for r, c in enumerate(counts.argmax(axis=1).tolist())]
    bad = np.zeros(n, dtype=bool)
    for r in range(n):
        kind = kind_of[r]
        judged = runners[r] > 0 and n_priced[r] == runners[r] and kind in BOOK_RANGE
        lo, hi = BOOK_RANGE.get(kind or "", (0.0, float("inf")))
        bad[r] = bool(judged and not lo <= book[r] <= hi)
        g.add(int(race_ids[r]), "book_plausible", not bad[r], False,
              {"model_id": model_id, "kind": kind,
               "book": round(float(book[r]), 6) if judged else None,
               "range": [lo, hi] if judged else None,
               "action": WITHHELD if bad[r] else "none"})
    return bad


def attribute_null_share(race_ids: I64, idx: I64, x_attr: F64) -> F64:
    """Per race: the NULL share of its declared-attribute feature cells (NaN: none read)."""
    n = race_ids.size
    cells = (np.bincount(idx, minlength=n) * x_attr.shape[1]).astype(np.float64)
    nulls = _per_race(np.isnan(x_attr).sum(axis=1), idx, n)
    out: F64 = np.divide(nulls, cells, out=np.full(n, np.nan), where=cells > 0)
    return out


def content_check(race_ids: I64, newest_age_s: F64, history_share: F64,
                  attribute_share: F64, g: GateResult, model_id: int
                  ) -> npt.NDArray[np.bool_]:
    """Adds prices_present, prices_fresh and attributes_present per race to g (never
    blocking publication); returns the races whose stakes they withhold. Arrays are per race;
    NaN means unknown, which passes."""
    none = np.isnan(newest_age_s)
    share, age, attr = (_nums(v) for v in (history_share, newest_age_s, attribute_share))
    rules: list[tuple[str, npt.NDArray[np.bool_], list[dict[str, Any]]]] = [
        ("prices_present", none & (history_share >= PRICED_HISTORY_SHARE),
         [{"priced": not n, "course_priced_share": v, "min_share": PRICED_HISTORY_SHARE,
           "lookback_days": PRICE_HISTORY_DAYS} for n, v in zip(none.tolist(), share,
                                                                strict=True)]),
        ("prices_fresh", ~none & (newest_age_s > STALE_PRICE_AFTER_S),
         [{"newest_age_s": v, "max_s": STALE_PRICE_AFTER_S} for v in age]),
        ("attributes_present", attribute_share > MAX_ATTRIBUTE_NULL_SHARE,
         [{"null_share": v, "max": MAX_ATTRIBUTE_NULL_SHARE, "stage": ATTRIBUTE_STAGE}
          for v in attr]),
    ]
    withheld = np.zeros(race_ids.size, dtype=bool)
    for name, failed, details in rules:
        withheld |= failed
        for rid, bad, d in zip(race_ids.tolist(), failed.tolist(), details, strict=True):
            g.add(rid, name, not bad, False,
                  {"model_id": model_id, **d, "action": WITHHELD if bad else "none"})
    return withheld


def _nums(values: F64) -> list[float | None]:
    return [round(v, 6) if np.isfinite(v) else None for v in values.tolist()]

