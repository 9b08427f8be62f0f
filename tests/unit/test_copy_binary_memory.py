"""copy_binary bounds a block's matrix: one long value costs its own size, not rows x size."""

from __future__ import annotations

import tracemalloc

import numpy as np
from hrdpg_pl import copy_binary as cb


def test_one_long_value_does_not_widen_its_whole_block() -> None:
    rows = 300
    docs = ['{"n": 1}'] * rows
    docs[123] = '{"long": "' + "x" * cb.BLOCK_BYTES + '"}'
    fields = [cb.int8(np.arange(rows)), cb.jsonb(docs)]
    tracemalloc.start()
    try:
        stream = cb.encode(fields)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Split, the long row alone takes ~13x its size: the input text, joined and encoded (3x),
    # its matrix, mask, used bytes and their copies (5x), the int32 column index (4x) and the
    # stream (1x). Unsplit, the block's matrix and mask alone would be rows x that: ~600x.
    assert peak < 16 * len(stream)
