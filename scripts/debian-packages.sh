#!/usr/bin/env bash
# Print the Debian packages hrdpg needs, one per line, without comments and blank lines:
# scripts/debian-packages-cli.txt (the CLI) then scripts/debian-packages.txt (the server).
#   --cli   the CLI's list alone (the trainer image)
#   --test  also scripts/debian-packages-test.txt (what only the test suite needs)
#   FILE    that list file instead (tests)
# The one reader of those files, for scripts/bootstrap.sh and the docker images alike
# (tests/unit/test_docker_packages.py holds them to it).
set -euo pipefail
here=$(dirname "$0")
lists=("$here/debian-packages-cli.txt" "$here/debian-packages.txt")
for arg in "$@"; do
    case $arg in
        --cli) lists=("$here/debian-packages-cli.txt") ;;
        --test) lists+=("$here/debian-packages-test.txt") ;;
        *) lists=("$arg") ;;
    esac
done
sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^[[:space:]]*$/d' "${lists[@]}"
