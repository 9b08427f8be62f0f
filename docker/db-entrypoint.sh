#!/usr/bin/env bash
# The database image's entrypoint (Debian's PostgreSQL 15, no official postgres image):
#   1. export the postmaster environment written at build time (PYTHONPATH of the server venv,
#      thread limits): no SQL role can change the environment of the postmaster (security.md);
#   2. on an empty $PGDATA: initdb (superuser $POSTGRES_USER, password from
#      $POSTGRES_PASSWORD_FILE), a socket-only server with the same settings, database
#      $POSTGRES_DB, the scripts in /docker-entrypoint-initdb.d (migrate, logins), stop;
#   3. run the command (CMD: postgres -c ...) as the postgres OS user.
set -euo pipefail
while IFS='=' read -r key value; do
    key="${key//[[:space:]]/}"
    [[ -z $key || $key == \#* ]] && continue
    value="${value#"${value%%[![:space:]]*}"}"
    value="${value%\'}"; value="${value#\'}"
    export "$key=$value"
done < "${HRDPG_ENVIRONMENT_FILE:-/opt/hrdpg/environment}"

die() { printf 'hrdpg-entrypoint: %s\n' "$*" >&2; exit 1; }
as_root() { [[ $(id -u) == 0 ]]; }
# initdb and postgres refuse to run as root.
as_postgres() {
    if as_root; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi
}

first_start() {
    local settings=("${@:2}") password
    # Local connections authenticate by OS user (peer), and the server runs as postgres.
    [[ $POSTGRES_USER == postgres ]] || die "POSTGRES_USER must be postgres (peer authentication)"
    [[ -r ${POSTGRES_PASSWORD_FILE:-} ]] \
        || die "set POSTGRES_PASSWORD_FILE to a readable file holding the superuser's password"
    password=$(<"$POSTGRES_PASSWORD_FILE")
    [[ -n $password ]] || die "$POSTGRES_PASSWORD_FILE is empty"
    local pwfile
    pwfile=$(mktemp)  # 0600; initdb reads the password from a file
    printf '%s\n' "$password" > "$pwfile"
    as_root && chown postgres "$pwfile"
    as_postgres initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C \
        --auth-local=peer --auth-host=scram-sha-256 >/dev/null
    rm -f "$pwfile"
    printf "listen_addresses = '*'\n" >> "$PGDATA/postgresql.conf"
    printf 'host all all all scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
    # Socket only while initialising: listen_addresses comes last, so it wins.
    as_postgres pg_ctl -D "$PGDATA" -w -o "${settings[*]} -c listen_addresses=" start >/dev/null
    if [[ $POSTGRES_DB != postgres ]]; then
        as_postgres psql -v ON_ERROR_STOP=1 -q -U "$POSTGRES_USER" -d postgres \
            -v db="$POSTGRES_DB" <<<"SELECT format('CREATE DATABASE %I', :'db') \\gexec"
    fi
    local script
    for script in /docker-entrypoint-initdb.d/*.sh; do
        [[ -e $script ]] || continue
        echo "hrdpg-entrypoint: running $script"
        as_postgres env POSTGRES_DB="$POSTGRES_DB" POSTGRES_USER="$POSTGRES_USER" bash "$script"
    done
    as_postgres pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
}

if [[ ${1:-} == postgres ]]; then
    if as_root; then
        mkdir -p "$PGDATA" /var/run/postgresql
        chown postgres:postgres "$PGDATA" /var/run/postgresql
        chmod 700 "$PGDATA"
    fi
    [[ -s $PGDATA/PG_VERSION ]] || first_start "$@"
    as_root && exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
fi
exec "$@"
