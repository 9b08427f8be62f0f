"""Walk-forward evaluation against the closing market, and side-by-side model comparison."""
