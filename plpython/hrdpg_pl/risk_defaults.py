"""The one place for risk defaults: the profile signals are priced for, and the Kelly caps
scoring uses when that profile has no modeling.risk_limits row (and pricing's defaults).

A signal is one per runner and model, not per profile, so exactly one profile sizes its
stake_fraction; propose_bets and the CLI default to the same one (modeling.default_risk_profile
reads DEFAULT_PROFILE). Revision 0002's seed row and column defaults are frozen history.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PROFILE = "default"


@dataclass(frozen=True)
class KellyCaps:
    """What pricing needs from a risk profile, as bankroll fractions: the Kelly multiplier,
    the per-runner and per-race caps, and the minimum volume behind a price."""

    kelly_multiplier: float = 0.25
    max_stake_fraction: float = 0.02
    max_race_fraction: float = 0.05
    min_liquidity: float = 0.0


DEFAULT_CAPS = KellyCaps()
