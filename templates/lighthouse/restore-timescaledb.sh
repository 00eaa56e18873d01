#!/bin/bash
# Restores a dump made by backup-timescaledb.sh into the database, replacing it: TimescaleDB's documented
# procedure (same extension version, timescaledb_pre_restore(), pg_restore, timescaledb_post_restore()).
set -euo pipefail
umask 077

usage() {
  cat <<USAGE
Usage: restore-timescaledb.sh DUMP --yes

DUMP is a file from /var/backups/timescaledb or an s3:// URL written by backup-timescaledb.sh.
The database (DATABASE in /etc/lighthouse/backup.env) is dropped and created again from the dump: clients are
disconnected and every change since the dump is lost. Take a fresh backup first if in doubt:
  sudo /usr/local/bin/backup-timescaledb.sh
  --yes   required: confirms the database may be replaced
USAGE
}

dump="" confirmed=false source=""
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --yes) confirmed=true ;;
    -*) echo "restore-timescaledb: unknown option: $arg (see --help)" >&2; exit 2 ;;
    *) [[ -z "$dump" ]] || { echo "restore-timescaledb: one dump at a time" >&2; exit 2; }; dump=$arg ;;
  esac
done
[[ -n "$dump" ]] || { usage >&2; exit 2; }
[[ "$confirmed" == true ]] || { echo "restore-timescaledb: this replaces the database; add --yes to confirm" >&2; exit 2; }

# shellcheck source=/dev/null
. /etc/lighthouse/backup.env
: "${DATABASE:?missing in /etc/lighthouse/backup.env}" "${REGION:?missing}"

psql_admin() { docker exec -i timescaledb psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 -U postgres "$@"; }

if [[ "$dump" == s3://* ]]; then
  wanted=$(aws s3api head-object --region "$REGION" --bucket "$(cut -d/ -f3 <<<"$dump")" --key "$(cut -d/ -f4- <<<"$dump")" \
    --query 'Metadata."timescaledb-version"' --output text)
  local_copy=$(mktemp /var/tmp/restore-XXXXXX.dump)
  trap 'rm -f "$local_copy"' EXIT
  aws s3 cp "$dump" "$local_copy" --region "$REGION" --only-show-errors
  source=$dump
  dump=$local_copy
else
  [[ -f "$dump" ]] || { echo "restore-timescaledb: no such file: $dump" >&2; exit 1; }
  wanted=""
fi

running=$(docker exec timescaledb psql --no-psqlrc -U postgres -d postgres -tAc "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")
if [[ -n "$wanted" && "$wanted" != "None" && "$wanted" != "$running" ]]; then
  echo "restore-timescaledb: the dump was made with timescaledb $wanted, this image has $running: restore with the image of that version" >&2
  exit 1
fi

echo "restore-timescaledb: replacing $DATABASE from ${source:-$dump}"
psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$DATABASE\" WITH (FORCE)" -c "CREATE DATABASE \"$DATABASE\""
psql_admin -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS timescaledb" -c "SELECT timescaledb_pre_restore()" >/dev/null
# One job (no -j): TimescaleDB's catalog must be restored in order. pg_restore goes on past an error and says so.
status=0
docker exec -i timescaledb pg_restore --username=postgres --dbname="$DATABASE" --no-owner < "$dump" || status=$?
# Always: without it the database stays in restoring mode, with TimescaleDB's background jobs stopped.
psql_admin -d "$DATABASE" -c "SELECT timescaledb_post_restore()" -c "ANALYZE" >/dev/null
if (( status != 0 )); then
  echo "restore-timescaledb: pg_restore reported errors (above): check the data, or restore another dump" >&2
  exit 1
fi
echo "restore-timescaledb: $DATABASE restored"
