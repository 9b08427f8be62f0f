"""UK each-way terms by runners and handicap status."""

import numpy as np

from hrdpg.synth import ew_terms


def test_ew_table() -> None:
    cases = [  # runners, handicap, places, fraction
        (4, False, 0, 0.0), (4, True, 0, 0.0), (5, False, 2, 0.25), (7, True, 2, 0.25),
        (8, False, 3, 0.2), (11, True, 3, 0.2), (12, True, 3, 0.25), (15, True, 3, 0.25),
        (12, False, 3, 0.2), (16, True, 4, 0.25), (20, True, 4, 0.25), (16, False, 3, 0.2),
    ]
    n = np.array([c[0] for c in cases])
    h = np.array([c[1] for c in cases])
    places, frac = ew_terms(n, h)
    assert places.tolist() == [c[2] for c in cases]
    assert frac.tolist() == [c[3] for c in cases]
