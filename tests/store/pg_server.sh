#!/usr/bin/env bash
# A PostgreSQL database for the store tests (issue: every store test runs on SQLite and PostgreSQL).
#
# Prints shell for `eval`: `export HEPAR_TEST_POSTGRESQL_URL=...` when a database is reachable, or
# `export HEPAR_TEST_POSTGRESQL_SKIP=...` with the reason it is not (the tests then skip the
# PostgreSQL cases and print that reason). Idempotent and fast once the server runs: an existing
# URL or a reachable test database is used as it is; otherwise, as root on Debian, it installs the
# `postgresql` package when missing, starts (or creates) a cluster, and creates the role and the
# database `hepar_test`.
set -u
if [ -n "${HEPAR_TEST_POSTGRESQL_URL:-}" ]; then
    printf 'export HEPAR_TEST_POSTGRESQL_URL=%q\n' "$HEPAR_TEST_POSTGRESQL_URL"; exit 0
fi
skip() { printf 'export HEPAR_TEST_POSTGRESQL_SKIP=%q\n' "$1"; echo "PostgreSQL tests skipped: $1" >&2; exit 0; }
user=hepar_test; password=hepar_test; db=hepar_test
reachable() {  # $1 = port
    PGPASSWORD=$password PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$1" -U $user -d $db -Atc 'select 1' >/dev/null 2>&1
}
if command -v psql >/dev/null 2>&1 && reachable 5432; then port=5432
else
    [ "$(id -u)" = 0 ] || skip "no test database on 127.0.0.1:5432 and not root (cannot install or start PostgreSQL)"
    if ! command -v pg_lsclusters >/dev/null 2>&1; then
        command -v apt-get >/dev/null 2>&1 || skip "no PostgreSQL and no apt-get to install it"
        echo "installing PostgreSQL (apt-get install -y postgresql) ..." >&2
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql \
          || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }; } >/dev/null 2>&1 \
          || skip "apt-get install -y postgresql failed"
    fi
    read -r version cluster port status _ <<<"$(pg_lsclusters -h 2>/dev/null | head -n 1)"
    if [ -z "${version:-}" ]; then
        version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        pg_createcluster "$version" main >/dev/null 2>&1 || skip "pg_createcluster $version main failed"
        read -r version cluster port status _ <<<"$(pg_lsclusters -h | head -n 1)"
    fi
    if [ "$status" != online ]; then
        pg_ctlcluster "$version" "$cluster" start >/dev/null 2>&1 || skip "pg_ctlcluster $version $cluster start failed"
    fi
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 0.5; done
    pg_isready -q -h 127.0.0.1 -p "$port" || skip "PostgreSQL $version/$cluster did not start on port $port"
    as_postgres() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -Atq "$@"; }
    as_postgres -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$user') THEN
        CREATE ROLE $user LOGIN PASSWORD '$password'; END IF; END \$\$;" >/dev/null 2>&1 \
        || skip "could not create the role $user"
    if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
        as_postgres -c "CREATE DATABASE $db OWNER $user" >/dev/null 2>&1 || skip "could not create the database $db"
    fi
    reachable "$port" || skip "the test database on 127.0.0.1:$port does not accept $user"
fi
printf 'export HEPAR_TEST_POSTGRESQL_URL=%q\n' "postgresql+psycopg://$user:$password@127.0.0.1:$port/$db"
