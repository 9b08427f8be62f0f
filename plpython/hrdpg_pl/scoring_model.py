"""One model over the fetched rows: infer, race-normalise (+ blend), gate, price, explain.

Pure numpy + onnxruntime; the database work is in scoring.py, scoring_fetch.py and
scoring_publish.py.
"""

from __future__ import annotations

import dataclasses
import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hrdpg_pl import pricing, racenorm
from hrdpg_pl.market_rules import place_terms
from hrdpg_pl.model_cache import LoadedModel, ModelInfo
from hrdpg_pl.price_facts import PriceFacts
from hrdpg_pl.risk_defaults import KellyCaps
from hrdpg_pl.scoring_dq import (
    GateResult,
    attribute_null_share,
    book_check,
    content_check,
    gate,
)
from hrdpg_pl.scoring_fetch import MAX_DECIMAL_ODDS, BestOdds, FeatureRows

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
MARKET_FEATURE = "mkt_latest_prob"


@dataclass
class Scored:
    p_win: F64
    p_model: F64
    gate: GateResult
    rows: I64  # feature-row indices that are published
    priced: pricing.PricedRunners | None
    places: I64  # per published row
    fraction: F64  # per published row
    odds: F64  # per published row, NaN where none or invalid
    reasons: list[str]
    timings: dict[str, float] = field(default_factory=dict)
    explain_error: str | None = None


def market_feature(info: ModelInfo) -> str | None:
    """The market column a Benter-blend model reads, or None."""
    blend = info.params.get("blend")
    if isinstance(blend, dict):
        return str(blend.get("market_feature", MARKET_FEATURE))
    return None


def infer(model: LoadedModel, x: F64) -> F64:
    if not x.shape[0]:
        return np.zeros(0)
    feed = x.astype(np.float32) if model.input_float32 else x
    out = model.session.run([model.info.output_name], {model.info.input_name: feed})[0]
    return np.asarray(out, dtype=np.float64).reshape(-1)


def win_probabilities(info: ModelInfo, log_strength: F64, race_id: I64,
                      market: F64 | None) -> tuple[F64, F64]:
    """(win probability, the model's own race softmax) per runner: the two differ when the
    model has a Benter blend. NaN for races with a non-finite score."""
    p = np.full(log_strength.size, np.nan)
    if not log_strength.size:
        return p, p.copy()
    idx, n = racenorm.race_index(race_id)
    race_ok = np.bincount(idx, weights=~np.isfinite(log_strength), minlength=n) == 0
    ok = race_ok[idx]
    own = p.copy()
    own[ok] = racenorm.group_softmax(log_strength[ok], race_id[ok])
    params = racenorm.blend_params(info.params)
    if params is not None and market is not None:
        p[ok] = racenorm.blend(log_strength[ok], market[ok], race_id[ok], *params)
    else:
        p[ok] = own[ok]
    return p, own


def _reasons(model: LoadedModel, x: F64) -> list[str]:
    if model.explainer is None or not x.shape[0]:
        return ["[]"] * x.shape[0]
    explain = importlib.import_module("hrdpg_pl.explain")
    contrib, _bias = model.explainer_for(x.shape[0]).contributions(x)
    return list(explain.reasons_json(contrib, list(model.info.feature_names), x, k=5))


def score(model: LoadedModel, rows: FeatureRows, race_ids: I64, handicap: npt.NDArray[np.bool_],
          country: list[str | None], terms: dict[int, tuple[int, float]], best: BestOdds,
          limits: KellyCaps, max_null_share: float, prices: PriceFacts,
          attribute_features: set[str], reasons: bool = True,
          history_features: set[str] | None = None) -> Scored:
    """race_ids: the date range's races (sorted); rows: their runners (any order);
    attribute_features: the catalogue's declared-attribute features (content check);
    reasons False publishes '[]' (a research backfill: only the API shows reasons)."""
    t0 = time.perf_counter()
    x = rows.columns(model.info.feature_names)
    ls = infer(model, x)
    mkt = market_feature(model.info)
    market = rows.columns([mkt]).reshape(-1) if mkt else None
    p, own = win_probabilities(model.info, ls, rows.race_id, market)
    infer_s = time.perf_counter() - t0

    def explain(pub: I64) -> tuple[list[str], str | None]:
        if not reasons:
            return ["[]"] * pub.size, None
        try:
            return _reasons(model, x[pub]), None
        except Exception as exc:  # explanations must never stop publishing; the run records it
            return ["[]"] * pub.size, f"{type(exc).__name__}: {str(exc)[:200]}"

    attr = [j for j, n in enumerate(model.info.feature_names) if n in attribute_features]
    attribute_share = attribute_null_share(race_ids, np.searchsorted(race_ids, rows.race_id),
                                           x[:, attr])
    s = gate_and_price(p, own, x, rows, race_ids, handicap, country, terms, best, limits,
                       max_null_share, model.info.model_id, explain, prices, attribute_share,
                       [j for j, n in enumerate(model.info.feature_names)
                        if n in (history_features or set())])
    s.timings["infer"] = infer_s
    return s


def untrusted(priced: pricing.PricedRunners, rows: npt.NDArray[np.bool_]
              ) -> pricing.PricedRunners:
    """The same pricing with edges, Kelly fractions and stakes removed on ``rows``."""
    def cut(values: F64) -> F64:
        return np.where(rows, np.nan, values)

    return dataclasses.replace(
        priced, ev_win=cut(priced.ev_win), ev_each_way=cut(priced.ev_each_way),
        kelly_win=cut(priced.kelly_win), kelly_each_way=cut(priced.kelly_each_way),
        stake_win=cut(priced.stake_win), stake_each_way=cut(priced.stake_each_way))


def gate_and_price(p: F64, p_model: F64, x: F64, rows: FeatureRows, race_ids: I64,
                   handicap: npt.NDArray[np.bool_], country: list[str | None],
                   terms: dict[int, tuple[int, float]],
                   best: BestOdds, limits: KellyCaps, max_null_share: float, model_id: int,
                   explain: Callable[[I64], tuple[list[str], str | None]],
                   prices: PriceFacts, attribute_share: F64,
                   history_cols: list[int] | None = None) -> Scored:
    """From win probabilities per row: DQ gate, each-way terms, pricing and reasons of the
    published rows (explain gets their indices). Shared by scoring and re-pricing.
    prices and attribute_share (per race) feed the content checks."""
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    idx = np.searchsorted(race_ids, rows.race_id)
    odds_raw = best.odds
    invalid = ~np.isnan(odds_raw) & ~((odds_raw > 1.0) & (odds_raw < MAX_DECIMAL_ODDS))
    g = gate(race_ids, idx, rows.horse_id, x, p, invalid, odds_raw, max_null_share, model_id,
             history_cols)
    book_check(race_ids, idx, np.where(invalid, np.nan, odds_raw), best.kind, g, model_id)
    content_check(race_ids, prices.newest_age_s, prices.history_share, attribute_share, g,
                  model_id)
    untrusted_race = g.withheld_races(race_ids)
    t["dq"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    pub = np.flatnonzero(~g.blocked[idx])
    pub_races, ri = np.unique(idx[pub], return_inverse=True)
    field_size = np.bincount(ri, minlength=pub_races.size)
    places, fraction = place_terms([country[r] for r in pub_races.tolist()], field_size,
                                   handicap[pub_races],
                                   [terms.get(int(race_ids[r])) for r in pub_races.tolist()])
    priced = None
    odds = np.where(invalid, np.nan, odds_raw)[pub]
    if pub.size:
        priced = pricing.price(ri, p[pub], places, fraction, odds_raw[pub],
                               kelly_multiplier=limits.kelly_multiplier,
                               max_stake_fraction=limits.max_stake_fraction,
                               max_race_fraction=limits.max_race_fraction,
                               commission=best.commission[pub])
        if untrusted_race.any():  # prices shown as quoted, but no edge and no stake on them
            priced = untrusted(priced, untrusted_race[idx[pub]])
    t["price"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    reasons, error = explain(pub)
    t["explain"] = time.perf_counter() - t0
    return Scored(p_win=p, p_model=p_model, gate=g, rows=pub, priced=priced, places=places[ri],
                  fraction=fraction[ri], odds=odds, reasons=reasons, timings=t,
                  explain_error=error)
