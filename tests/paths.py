"""Where the tests' data lives."""

from __future__ import annotations

from hrdpg.config import PROJECT_ROOT

TEST_DATA = PROJECT_ROOT / "tests" / "data"  # small committed slices and fixtures
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data"  # real data next to the checkout, if any
