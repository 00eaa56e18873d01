#!/bin/bash
# The timescaledb container, faked for the boot sandbox (boot-sandbox.ts): installed as /.sandbox/state/docker-exec,
# it answers `docker exec [-i] timescaledb COMMAND…` for the scripts the lighthouse boot script writes (backup,
# restore, poststart). It answers only what those scripts ask, and fails on anything else.
# State, in /.sandbox/state/timescaledb/:
#   version         the timescaledb version psql reports (installed in the database, default in the image)
#   pg_dump-fails   when present, pg_dump writes part of a dump and fails (a lost connection)
#   sql             what psql was given, appended in order: each -c command, and stdin (-i without -c)
#   restored        what pg_restore read from stdin
set -euo pipefail
state=/.sandbox/state/timescaledb
mkdir -p "$state"

interactive=false
if [[ ${1:-} == -i ]]; then interactive=true; shift; fi
if [[ ${1:-} != timescaledb ]]; then echo "Error response from daemon: No such container: ${1:-}" >&2; exit 1; fi
program=${2:-}
shift 2

dbname=""
case $program in
  psql)
    query=""
    commands=0
    while (($#)); do
      case $1 in
        -tAc) query=$2; shift 2 ;;
        -c) printf '%s\n' "$2" >> "$state/sql"; commands=$((commands + 1)); shift 2 ;;
        -v | -U | -d) shift 2 ;;
        *) shift ;;
      esac
    done
    if [[ -n $query ]]; then
      case $query in
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'" | \
          "SELECT default_version FROM pg_available_extensions WHERE name = 'timescaledb'")
          cat "$state/version" ;;
        *) echo "fake timescaledb: no answer for: $query" >&2; exit 1 ;;
      esac
    elif ((commands == 0)) && [[ $interactive == true ]]; then
      cat >> "$state/sql"
    fi
    ;;
  pg_dump)
    for arg; do [[ $arg == --dbname=* ]] && dbname=${arg#--dbname=}; done
    if [[ -f $state/pg_dump-fails ]]; then
      printf 'PGDMP partial'
      echo "pg_dump: error: connection to server was lost" >&2
      exit 1
    fi
    printf 'PGDMP fake custom-format dump of %s\n' "$dbname"
    ;;
  pg_restore)
    if [[ $interactive != true ]]; then echo "fake timescaledb: pg_restore without -i reads no dump" >&2; exit 1; fi
    cat > "$state/restored"
    ;;
  *)
    echo "OCI runtime exec failed: exec: \"$program\": executable file not found in \$PATH" >&2
    exit 127
    ;;
esac
