#!/usr/bin/env bash
# Export the postmaster environment written at build time (PYTHONPATH of the server venv, thread
# limits), then hand over to the official entrypoint. The import path is fixed in the image:
# no SQL role can change the environment of the postmaster (docs/security.md).
set -euo pipefail
while IFS='=' read -r key value; do
    key="${key//[[:space:]]/}"
    [[ -z $key || $key == \#* ]] && continue
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%\'}"; value="${value#\'}"
    export "$key=$value"
done < "${HRDPG_ENVIRONMENT_FILE:-/opt/hrdpg/environment}"
exec docker-entrypoint.sh "$@"
