#!/bin/bash
# Logical backup of the TimescaleDB database, run nightly by backup-timescaledb.timer (and by hand:
# sudo /usr/local/bin/backup-timescaledb.sh). pg_dump's custom format (gzip-compressed, restored with pg_restore
# as TimescaleDB documents), written to the root volume and copied to S3: never to the data volume it backs up.
# Settings: /etc/lighthouse/backup.env (BACKUP_BUCKET, BACKUP_PREFIX, DATABASE, REGION, KEEP_LOCAL).
set -euo pipefail
umask 077

usage() {
  cat <<USAGE
Usage: backup-timescaledb.sh [--local-only]

Dumps the database with pg_dump (custom format, compressed) into /var/backups/timescaledb, keeps the newest
KEEP_LOCAL dumps there, and copies the new one to s3://BACKUP_BUCKET/BACKUP_PREFIX/ with the TimescaleDB
version in its metadata (a restore needs the same extension version).
  --local-only   skip the copy to S3
USAGE
}

upload=true
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  --local-only) upload=false ;;
  "") ;;
  *) echo "backup-timescaledb: unknown argument: $1 (see --help)" >&2; exit 2 ;;
esac

# shellcheck source=/dev/null
. /etc/lighthouse/backup.env
: "${DATABASE:?missing in /etc/lighthouse/backup.env}" "${REGION:?missing}" "${BACKUP_BUCKET:?missing}" "${BACKUP_PREFIX:?missing}"
readonly DIR=/var/backups/timescaledb
install -d -m 0700 "$DIR"

version=$(docker exec timescaledb psql --no-psqlrc -U postgres -d "$DATABASE" -tAc "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'")
[[ -n "$version" ]] || { echo "backup-timescaledb: the timescaledb extension is missing in $DATABASE" >&2; exit 1; }
file="$DIR/${DATABASE}_$(date -u +%Y%m%d_%H%M%S).dump"
# Written aside and renamed when complete: a dump cut short never looks like a backup.
trap 'rm -f "$file.partial"' EXIT
docker exec timescaledb pg_dump --username=postgres --dbname="$DATABASE" --format=custom --compress=6 > "$file.partial"
mv "$file.partial" "$file"
echo "backup-timescaledb: wrote $file ($(du -h "$file" | cut -f1), timescaledb $version)"

if [[ "$upload" == true ]]; then
  target="s3://$BACKUP_BUCKET/$BACKUP_PREFIX/$(basename "$file")"
  aws s3 cp "$file" "$target" --region "$REGION" --only-show-errors --metadata "timescaledb-version=$version"
  echo "backup-timescaledb: copied to $target"
fi

# The newest KEEP_LOCAL dumps stay on the instance for a quick restore; S3 keeps the rest (its lifecycle).
find "$DIR" -maxdepth 1 -name '*.dump' -printf '%T@ %p\n' | sort -rn | tail -n +"$(( ${KEEP_LOCAL:-3} + 1 ))" | cut -d' ' -f2- |
  while read -r old; do rm -f -- "$old"; done
