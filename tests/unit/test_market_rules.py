"""Place and each-way rules by jurisdiction (hrdpg_pl.market_rules)."""

from __future__ import annotations

import numpy as np
from hrdpg_pl.market_rules import each_way_offered, place_terms, uk_each_way_terms


def test_hong_kong_pays_places_without_each_way() -> None:
    fields = np.array([3, 4, 6, 7, 14])
    places, fraction = place_terms(["HK"] * 5, fields, np.ones(5, dtype=bool), [None] * 5)
    assert places.tolist() == [0, 2, 2, 3, 3]  # HKJC: 3 with 7+ starters, 2 with 4-6
    assert fraction.tolist() == [0.0] * 5
    assert not each_way_offered(places, fraction).any()


def test_britain_uses_standard_terms_unless_a_bookmaker_quotes_its_own() -> None:
    fields, handicap = np.array([8, 16]), np.array([False, True])
    standard = uk_each_way_terms(fields, handicap)
    places, fraction = place_terms(["GB", "IE"], fields, handicap, [None, (5, 0.2)])
    assert (places[0], fraction[0]) == (standard[0][0], standard[1][0])
    assert (places[1], fraction[1]) == (5, 0.2)
    assert each_way_offered(places, fraction).all()


def test_a_quote_does_not_invent_each_way_where_the_pool_has_none() -> None:
    places, fraction = place_terms(["AU", "NZ"], np.array([8, 6]), np.zeros(2, dtype=bool),
                                   [(4, 0.25), None])
    assert places.tolist() == [3, 2] and fraction.tolist() == [0.0, 0.0]
