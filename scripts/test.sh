#!/usr/bin/env bash
# The whole test suite: installs what it needs (scripts/bootstrap.sh), lints, type-checks, and
# runs pytest against a throwaway PostgreSQL 15 cluster (or HRDPG_TEST_DSN).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --test
echo "[test] ruff"
.venv/bin/ruff check hrdpg plpython tests alembic bench
echo "[test] mypy"
.venv/bin/mypy
echo "[test] docs: links, paths and commands exist"
.venv/bin/python scripts/check_docs.py
echo "[test] pytest"
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
