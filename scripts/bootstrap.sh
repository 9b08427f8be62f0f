#!/usr/bin/env bash
# Install what hrdpg needs on a Debian/Ubuntu machine. Idempotent: re-running installs nothing new.
#   1. Debian packages (PostgreSQL 15 + plpython3u + pg_cron, python3-venv) -- needs root or sudo
#   2. the project venv (.venv, on the OS python3, pinned by constraints.txt)
#   3. the server-side Python environment is built by `hrdpg db up` (it needs the project venv)
# --test also installs the test-only packages (scripts/debian-packages.sh --test: chromium for
# the report test) and the optional Python extras the tests exercise (mlflow); scripts/test.sh
# passes it. Runtime images install the runtime list alone.
set -euo pipefail
cd "$(dirname "$0")/.."

LIST_ARGS=()
for arg in "$@"; do
    case $arg in
        --test) LIST_ARGS+=(--test) ;;
        *) printf '[bootstrap] ERROR: unknown argument %s (only --test)\n' "$arg" >&2; exit 2 ;;
    esac
done

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] ERROR: %s\n' "$*" >&2; exit 1; }

mapfile -t PACKAGES < <(bash scripts/debian-packages.sh "${LIST_ARGS[@]}")

missing=()
for pkg in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done

if ((${#missing[@]})); then
    if [[ ! -f /etc/debian_version ]] || ! command -v apt-get >/dev/null; then
        die "not a Debian/Ubuntu system. Install by hand: PostgreSQL 15 server with plpython3u and
pg_cron, and Python 3.11 with venv (${missing[*]}), or point HRDPG_DSN at an existing server."
    fi
    SUDO=""
    if [[ $EUID -ne 0 ]]; then
        command -v sudo >/dev/null || die "missing packages (${missing[*]}) and no root/sudo.
Ask an administrator to run: apt-get install ${missing[*]}"
        SUDO="sudo"
    fi
    say "installing Debian packages: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
    # Debian's postgresql package starts a default cluster on 5432; hrdpg uses its own.
else
    say "Debian packages present"
fi

PY=/usr/bin/python3
[[ -x $PY ]] || die "$PY not found (python3 package)"
if [[ ! -x .venv/bin/python ]]; then
    say "creating project venv .venv with $PY"
    $PY -m venv .venv
fi
stamp=.venv/.hrdpg-installed
EXTRAS=dev
[[ ${#LIST_ARGS[@]} -gt 0 ]] && EXTRAS=dev,mlflow
want=$( (cat pyproject.toml constraints.txt; echo "$EXTRAS") | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    say "installing Python dependencies (pinned by constraints.txt)"
    .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
    .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[$EXTRAS]"
    echo "$want" > "$stamp"
else
    say "project venv up to date"
fi
say "done. Next: .venv/bin/hrdpg db up"
