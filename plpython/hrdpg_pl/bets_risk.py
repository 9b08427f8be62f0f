"""Bet sizing and the risk manager of modeling.propose_bets (pure Python, no database).

Sizing: per runner, each way when the signal's each-way edge beats its win edge (and terms
exist), else win; the runner is a candidate when that edge reaches min_edge. Stake =
min(min(kelly_multiplier * full Kelly, max_stake_fraction) * bankroll, max_stake_per_bet),
rounded down to pence: the per-bet cap is a sizing cap (rejecting the strongest bets because
the bankroll grew would be perverse), the aggregate limits below reject.

Risk manager: candidates are checked one at a time in the order given (off time, then edge),
against the usage left by bets already in the ledger plus the ones accepted before them. A
candidate that would breach a limit is rejected whole, never resized, so no stake can slip
past a cap; the first rule it breaks is its reason. See docs/bets.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from hrdpg_pl.staking import each_way_place_odds, kelly_each_way, kelly_win, net_odds

PENNY = Decimal("0.01")


@dataclass(frozen=True)
class RiskLimits:
    """A profile's limits as modeling.risk_state reads them, for the risk manager."""

    bankroll: Decimal  # risk_state.bankroll_now: configured + P&L of every settled bet
    kelly_multiplier: float
    min_edge: float
    max_stake_fraction: float
    max_stake_per_bet: Decimal
    max_stake_per_race: Decimal
    max_stake_per_day: Decimal
    max_bets_per_race: int
    max_bets_per_day: int
    max_pending_exposure: Decimal
    daily_loss_limit: Decimal
    min_liquidity: float
    realised_today: Decimal  # P&L of the day's settled bets
    halted: bool


@dataclass
class Usage:
    """What the ledger's live bets already use (grows as candidates are accepted)."""

    day_stake: Decimal = Decimal(0)
    day_bets: int = 0
    pending: Decimal = Decimal(0)
    day_open: Decimal = Decimal(0)  # stakes of the day's bets not settled yet: still at risk
    race_stake: dict[int, Decimal] = field(default_factory=dict)
    race_bets: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Signal:
    """One runner's signal as propose_bets reads it (None where the signal has no value)."""

    race_id: int
    p_win: float
    p_place: float | None
    odds: float
    ew_places: int | None
    ew_fraction: float | None
    edge_win: float | None
    edge_each_way: float | None
    volume: float | None
    commission: float = 0.0  # the exchange's share of net winnings (signals' edges net of it)


@dataclass(frozen=True)
class Sized:
    bet_type: str  # 'win' or 'each_way'
    edge: float
    kelly: float
    stake: Decimal


def _finite(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def choose(s: Signal) -> tuple[str, float] | None:
    """('win' | 'each_way', edge): each way only when it has terms and the better edge."""
    win = s.edge_win if _finite(s.edge_win) else None
    ew_ok = (_finite(s.edge_each_way) and s.ew_places is not None and s.ew_places >= 2
             and _finite(s.ew_fraction) and _finite(s.p_place))
    if ew_ok and (win is None or float(s.edge_each_way or 0.0) > win):
        return "each_way", float(s.edge_each_way or 0.0)
    if win is None:
        return None
    return "win", win


def full_kelly(s: Signal, bet_type: str) -> float:
    """Full-Kelly bankroll fraction of the chosen bet (the pricing module's formulas, on the
    odds net of the exchange's commission)."""
    odds = float(net_odds(s.odds, s.commission))
    if bet_type == "win":
        return float(kelly_win(s.p_win, odds))
    if s.ew_fraction is None or s.p_place is None:
        return 0.0
    place = float(net_odds(each_way_place_odds(s.odds, s.ew_fraction), s.commission))
    f = float(kelly_each_way(s.p_win, s.p_place, odds, place))
    return f if math.isfinite(f) else 0.0


def size(s: Signal, lim: RiskLimits) -> Sized | None:
    """The sized bet for a runner, or None when it is no candidate (edge or stake too small)."""
    if not (s.odds > 1.0 and math.isfinite(s.odds)):
        return None
    chosen = choose(s)
    if chosen is None or chosen[1] < lim.min_edge or chosen[1] <= 0.0:
        return None
    bet_type, edge = chosen
    kelly = full_kelly(s, bet_type)
    fraction = min(lim.kelly_multiplier * kelly, lim.max_stake_fraction)
    if lim.bankroll <= 0:
        return None
    stake = min((Decimal(repr(fraction)) * lim.bankroll).quantize(PENNY, rounding=ROUND_DOWN),
                lim.max_stake_per_bet)
    if stake <= 0:
        return None
    return Sized(bet_type, edge, kelly, stake)


def check(race_id: int, stake: Decimal, volume: float | None, lim: RiskLimits, use: Usage
          ) -> tuple[str, dict[str, str]] | None:
    """The first limit this bet would break, as (rule, figures), or None when it passes."""
    race_stake = use.race_stake.get(race_id, Decimal(0))
    race_bets = use.race_bets.get(race_id, 0)
    rules: list[tuple[str, bool, object, object]] = [
        ("halted", lim.halted, True, lim.halted),
        # What the day can still lose: the realised loss, every open stake, and this one. A
        # morning batch is proposed before any result, so the realised loss alone cannot stop it.
        ("daily_loss_limit", -lim.realised_today + use.day_open + stake > lim.daily_loss_limit,
         lim.daily_loss_limit, -lim.realised_today + use.day_open),
        ("liquidity", volume is not None and volume < lim.min_liquidity,
         lim.min_liquidity, volume),
        ("max_bets_per_race", race_bets + 1 > lim.max_bets_per_race,
         lim.max_bets_per_race, race_bets),
        ("max_stake_per_race", race_stake + stake > lim.max_stake_per_race,
         lim.max_stake_per_race, race_stake),
        ("max_bets_per_day", use.day_bets + 1 > lim.max_bets_per_day,
         lim.max_bets_per_day, use.day_bets),
        ("max_stake_per_day", use.day_stake + stake > lim.max_stake_per_day,
         lim.max_stake_per_day, use.day_stake),
        ("max_pending_exposure", use.pending + stake > lim.max_pending_exposure,
         lim.max_pending_exposure, use.pending),
    ]
    for rule, broken, limit, used in rules:
        if broken:
            return rule, {"limit": str(limit), "used": str(used), "stake": str(stake)}
    return None


def accept(race_id: int, stake: Decimal, use: Usage) -> None:
    use.day_stake += stake
    use.day_bets += 1
    use.pending += stake
    use.day_open += stake
    use.race_stake[race_id] = use.race_stake.get(race_id, Decimal(0)) + stake
    use.race_bets[race_id] = use.race_bets.get(race_id, 0) + 1


@dataclass(frozen=True)
class Decision:
    index: int  # position in the input signals
    sized: Sized
    reject: tuple[str, dict[str, str]] | None


def decide(signals: Sequence[Signal], lim: RiskLimits, use: Usage) -> list[Decision]:
    """Size every signal, then run the candidates through the risk manager in input order."""
    out: list[Decision] = []
    for i, s in enumerate(signals):
        sized = size(s, lim)
        if sized is None:
            continue
        reject = check(s.race_id, sized.stake, s.volume, lim, use)
        if reject is None:
            accept(s.race_id, sized.stake, use)
        out.append(Decision(i, sized, reject))
    return out

