"""What a race's market offers beyond the win: the one place for place and each-way rules.

Per jurisdiction (the race's country): how many places a place bet pays for a field size, and
whether each-way bets exist (bookmaker markets in Britain and Ireland) and on what terms. A
bookmaker's quoted each-way terms override the standard ones where each-way is offered.
fraction 0 means "place market without each-way" (Hong Kong's tote, Australian and New
Zealand pools and exchanges); places 0 means win only.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from hrdpg_pl.place import MAX_PLACES

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

# (fewer than this many runners: no place market, fewer: 2 places, else 3) per country.
POOL_PLACES = {"HK": (4, 7), "AU": (5, 8), "NZ": (5, 8)}


def uk_each_way_terms(field_size: I64, handicap: npt.NDArray[np.bool_]) -> tuple[I64, F64]:
    """Standard UK/IE each-way terms by field size and handicap: (places, fraction).

    < 5 runners: win only (0); 5-7: 2 at 1/4; 8-15: 3 at 1/5 (handicaps 12-15: 3 at 1/4);
    16+: handicaps 4 at 1/4, others 3 at 1/5.
    """
    n = np.asarray(field_size, dtype=np.int64)
    h = np.asarray(handicap, dtype=bool)
    places = np.select([n < 5, n < 8, n < 16, h], [0, 2, 3, 4], default=3).astype(np.int64)
    quarter = ((n >= 5) & (n < 8)) | (h & (n >= 12))
    fraction = np.where(places == 0, 0.0, np.where(quarter, 0.25, 0.2))
    return places, fraction


def pool_places(field_size: I64, country: str) -> I64:
    """Places a pool's place bet pays (HK: 3 with 7+ starters, 2 with 4-6, none below)."""
    no_place, three = POOL_PLACES[country]
    n = np.asarray(field_size, dtype=np.int64)
    return np.select([n < no_place, n < three], [0, 2], default=3).astype(np.int64)


def place_terms(country: list[str | None], field_size: I64, handicap: npt.NDArray[np.bool_],
                quoted: list[tuple[int, float] | None]) -> tuple[I64, F64]:
    """(places, each-way fraction) per race; quoted = a bookmaker's (places, fraction) or None.
    Countries without a rule of their own get the UK/IE bookmaker terms."""
    places, fraction = uk_each_way_terms(field_size, handicap)
    for j, c in enumerate(country):
        code = (c or "").upper()
        if code in POOL_PLACES:
            places[j], fraction[j] = pool_places(field_size[j:j + 1], code)[0], 0.0
        elif (q := quoted[j]) and q[0] >= 2 and 0 < q[1] <= 1:
            places[j], fraction[j] = min(q[0], MAX_PLACES), q[1]
    return places, fraction


def each_way_offered(places: I64, fraction: F64) -> npt.NDArray[np.bool_]:
    return (np.asarray(places) >= 2) & (np.asarray(fraction) > 0)
