"""Bulk loading of racing data: CSV/Parquet -> COPY -> set-based validation -> upsert.

    from hrdpg.loader import load_file
    report = load_file(conn, "runners", "runners.csv")   # LoadReport
    print(report.render())

See docs/loading.md and docs/data-contract.md.
"""

from hrdpg.loader.core import DEFAULT_CHUNK_ROWS, load_file
from hrdpg.loader.report import LoadReport
from hrdpg.loader.spec import TABLES, TableSpec
from hrdpg.loader.upsert import ReasonCount

__all__ = ["DEFAULT_CHUNK_ROWS", "TABLES", "LoadReport", "ReasonCount", "TableSpec", "load_file"]
