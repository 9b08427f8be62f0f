#!/usr/bin/env bash
# The main job end to end on the embedded default: install, start the project-local cluster,
# migrate, load demo data, train, export, score a day in the database, show its top signals.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/hrdpg demo "$@"
