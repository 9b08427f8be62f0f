#!/usr/bin/env bash
# Print the Debian packages hrdpg needs, one per line: scripts/debian-packages.txt without its
# comments and blank lines. The one reader of that file, for scripts/bootstrap.sh and the
# docker images alike (tests/unit/test_docker_packages.py holds them to it).
set -euo pipefail
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' \
    "${1:-$(dirname "$0")/debian-packages.txt}"
