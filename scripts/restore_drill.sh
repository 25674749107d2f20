#!/usr/bin/env bash
# Restore drill: prove that a dump of Tandem's database restores into a working Tandem.
#
#   DATABASE_URL=postgres://user:pass@host:5432/tandem scripts/restore_drill.sh [dump-file]
#
# 1. dumps DATABASE_URL with pg_dump (custom format), or takes the given dump file;
# 2. restores it into a scratch database beside it (DRILL_DATABASE, default <name>_restore_drill),
#    dropped first if it exists;
# 3. runs the migrations against the copy (a dump of an older release must upgrade) and checks
#    none is left;
# 4. checks a working Tandem on the copy: Django's system checks, the same row counts as the
#    source in the main tables, GET /readyz answered 200, and one SLA sweep that runs and
#    records its heartbeat;
# 5. drops the scratch database (KEEP_DRILL_DATABASE=1 keeps it) and prints "restore drill passed".
#
# Needs pg_dump, pg_restore, psql, createdb and dropdb (postgresql-client) at least as new as
# the server, and the application's environment (DJANGO_SECRET_KEY and the rest) as for
# `manage.py`. Never touches the source database beyond reading it.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${DATABASE_URL:?set DATABASE_URL to the database to drill}"
PYTHON=${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python3 )}
source_url=$DATABASE_URL
source_name=$("$PYTHON" -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).path.lstrip("/"))' "$source_url")
drill_name=${DRILL_DATABASE:-${source_name}_restore_drill}
if [ "$drill_name" = "$source_name" ]; then echo "refusing: the drill database is the source" >&2; exit 2; fi
drill_url=$("$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$source_url" "$drill_name")
libpq() { "$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(scheme="postgresql")))' "$1"; }
source_pg=$(libpq "$source_url")
drill_pg=$(libpq "$drill_url")
maintenance_pg=$(libpq "$("$PYTHON" -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/postgres")))' "$source_url")")

step() { printf '== %s\n' "$*"; }
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  if [ "${KEEP_DRILL_DATABASE:-0}" != 1 ]; then
    dropdb --if-exists --maintenance-db="$maintenance_pg" "$drill_name" 2>/dev/null || true
  fi
}
trap cleanup EXIT

dump=${1:-}
compare=0  # a dump taken now is compared row for row with the source; an older file is not
if [ -z "$dump" ]; then
  compare=1
  dump=$work/tandem.dump
  step "pg_dump $source_name -> $dump"
  pg_dump --format=custom --no-owner --no-privileges --dbname="$source_pg" --file="$dump"
fi

step "restore into scratch database $drill_name"
dropdb --if-exists --maintenance-db="$maintenance_pg" "$drill_name"
createdb --maintenance-db="$maintenance_pg" "$drill_name"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$drill_pg" "$dump"

manage() { DATABASE_URL=$drill_url "$PYTHON" manage.py "$@"; }

step "migrate the copy"
manage migrate --no-input
manage migrate --check >/dev/null

step "system checks"
manage check

step "same rows as the source"
tables="org_user leads_lead leads_leadrequest leads_escalation deals_deal deals_payment org_notification"
count() { psql "$1" -Atc "SELECT count(*) FROM $2"; }
for table in $tables; do
  got=$(count "$drill_pg" "$table")
  if [ "$compare" = 1 ]; then
    want=$(count "$source_pg" "$table")
    if [ "$want" != "$got" ]; then echo "$table: source has $want rows, the copy $got" >&2; exit 1; fi
  fi
  echo "$table: $got rows"
done

step "the application works on the copy"
manage shell --no-imports -c '
from django.test import Client
response = Client().get("/readyz")
assert response.status_code == 200, response.content
print("readyz:", response.json()["checks"])
'
manage sla_sweep
manage shell --no-imports -c '
from org.heartbeats import SLA_SWEEP, last_heartbeat
beat = last_heartbeat(SLA_SWEEP)
assert beat is not None and beat.finished_at is not None, "the sweep recorded no heartbeat"
print("sla sweep heartbeat:", beat.finished_at.isoformat())
'

echo "restore drill passed"
