#!/usr/bin/env bash
# Print the Debian packages hrdpg needs, one per line: scripts/debian-packages.txt without its
# comments and blank lines; with --test also scripts/debian-packages-test.txt (what only the
# test suite needs). The one reader of those files, for scripts/bootstrap.sh and the docker
# images alike (tests/unit/test_docker_packages.py holds them to it).
set -euo pipefail
here=$(dirname "$0")
lists=("$here/debian-packages.txt")
for arg in "$@"; do
    case $arg in
        --test) lists+=("$here/debian-packages-test.txt") ;;
        *) lists=("$arg") ;;  # another list file (tests)
    esac
done
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "${lists[@]}"
