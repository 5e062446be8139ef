#!/usr/bin/env bash
# Dump the Hostico PostgreSQL database (custom format) into $BACKUP_DIR and drop dumps older than
# $BACKUP_KEEP_DAYS days. Reads HOSTICO_DATABASE_URL (SQLAlchemy form is accepted).
#   deploy/backup.sh                 # uses the environment (systemd: EnvironmentFile)
# Prints the path of the new dump.
set -euo pipefail
: "${HOSTICO_DATABASE_URL:?set HOSTICO_DATABASE_URL}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/hostico}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
url="${HOSTICO_DATABASE_URL/postgresql+psycopg:/postgresql:}"
mkdir -p "$BACKUP_DIR"
umask 077
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
target="$BACKUP_DIR/hostico-$stamp.dump"
pg_dump --format=custom --no-owner --no-privileges --file="$target.part" "$url"
# A dump that pg_restore cannot read is not a backup.
pg_restore --list "$target.part" >/dev/null
mv "$target.part" "$target"
find "$BACKUP_DIR" -maxdepth 1 -name 'hostico-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "$target"
