#!/usr/bin/env bash
# Run by the official entrypoint once, on the first start with an empty data directory, as the
# postgres OS user against the init-time server (unix socket only). Later upgrades: run
# `hrdpg db migrate` from the trainer image (docker/README.md).
set -euo pipefail
export HRDPG_DSN="host=/var/run/postgresql dbname=${POSTGRES_DB} user=${POSTGRES_USER}"
hrdpg db migrate

# Optional logins: HRDPG_LOGINS="api=hrdpg_reader trainer=hrdpg_trainer", each with its password
# in the secret /run/secrets/<login>_password. Group roles come from the migration.
for entry in ${HRDPG_LOGINS:-}; do
    login="${entry%%=*}"; group="${entry#*=}"
    secret="/run/secrets/${login}_password"
    [[ -r $secret ]] || { echo "hrdpg: no secret $secret for login $login" >&2; exit 1; }
    psql -v ON_ERROR_STOP=1 -v login="$login" -v grp="$group" -v pw="$(cat "$secret")" \
         --dbname "$HRDPG_DSN" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', :'login', :'pw', :'grp') \gexec
SQL
done
