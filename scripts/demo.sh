#!/usr/bin/env bash
# The one-command demo (`make demo`): dev stack up, a fresh Anchore catalog with 20,000 synthetic documents in
# PostgreSQL (db driver), two workers, `objectstorage migrate demo/db.yaml demo/s3.yaml` to the stack's S3, then
# every document read back through demo/s3.yaml and compared with what was generated.
# Leaves the stack and the workers running for exploring the Temporal UI; `make down` stops them all.
#
# Environment: DEMO_DOCUMENTS [20000]  DEMO_SEED [1]  DEMO_DB [anchore_demo]  OBJECTSTORAGE_DATA_DIR [<repo>/.data]
# Uses the dev stack's default ports (7233, 8233, 7070) and PostgreSQL on 127.0.0.1:5432 as user postgres.
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
cd "$ROOT_DIR"
DATA_DIR="${OBJECTSTORAGE_DATA_DIR:-$ROOT_DIR/.data}"
DEMO_DIR="$DATA_DIR/demo"
DOCUMENTS="${DEMO_DOCUMENTS:-20000}"
SEED="${DEMO_SEED:-1}"
DB_NAME="${DEMO_DB:-anchore_demo}"
S3_BUCKET=anchore-demo # the bucket demo/s3.yaml names
CLI=("$ROOT_DIR/bin/objectstorage")

log() { printf '[demo] %s\n' "$*" >&2; }
die() {
  printf '[demo] error: %s\n' "$*" >&2
  exit 1
}
phase_started=$SECONDS
phase() {
  log "$1 ($((SECONDS - phase_started)) s)"
  phase_started=$SECONDS
}

[[ $DB_NAME =~ ^[a-z_][a-z0-9_]*$ ]] || die "DEMO_DB must be a plain database name, got '$DB_NAME'"
[[ $DOCUMENTS =~ ^[1-9][0-9]*$ ]] || die "DEMO_DOCUMENTS must be a positive number, got '$DOCUMENTS'"
[ -f lib/cli/main.js ] || die "lib/ is missing: run npm run build first (make demo does)"
mkdir -p "$DEMO_DIR"
started=$SECONDS

# Demo workers of an earlier run, by their pid files (the pid must still be an objectstorage worker).
stop_demo_workers() {
  local pidfile pid i
  for pidfile in "$DEMO_DIR"/*.pid; do
    [ -e "$pidfile" ] || continue
    pid=$(head -n 1 "$pidfile")
    if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF 'objectstorage.js worker'; then
      log "stopping the earlier demo worker pid $pid"
      kill -TERM "$pid" 2>/dev/null || true
      for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

# 1. Dev stack; the demo config's ${ANCHORE_S3_*} references get the stack's dev credentials
#    (docs/dev-stack.md: S3_ACCESS_KEY / S3_SECRET_KEY, defaults objectstorage-dev / objectstorage-dev-secret).
eval "$(scripts/stack.sh up)"
[ "$OBJECTSTORAGE_S3_ENDPOINT" = "http://127.0.0.1:7070" ] ||
  die "demo/s3.yaml expects S3 at http://127.0.0.1:7070, the stack runs it at $OBJECTSTORAGE_S3_ENDPOINT"
export ANCHORE_S3_ACCESS_KEY="$OBJECTSTORAGE_S3_ACCESS_KEY"
export ANCHORE_S3_SECRET_KEY="${S3_SECRET_KEY:-objectstorage-dev-secret}"
export ANCHORE_DB_CONNECT="postgresql://postgres@127.0.0.1:5432/$DB_NAME"
phase "dev stack up"

# 2. A fresh catalog and an empty destination bucket.
stop_demo_workers
psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -v ON_ERROR_STOP=1 -q \
  -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" -c "CREATE DATABASE $DB_NAME" >/dev/null
node demo/reset-s3-bucket.js "$S3_BUCKET"
phase "catalog database $DB_NAME (re)created, bucket $S3_BUCKET emptied"

# 3. Synthetic Anchore documents in the db driver.
"${CLI[@]}" demo-data demo/db.yaml --init-schema --documents "$DOCUMENTS" --seed "$SEED"
phase "demo data generated"

# 4. Two workers in the background, in their own session so they outlive this script.
for n in 1 2; do
  : >"$DEMO_DIR/worker-$n.log"
  setsid "${CLI[@]}" worker --concurrency 4 </dev/null >>"$DEMO_DIR/worker-$n.log" 2>&1 &
  echo $! >"$DEMO_DIR/worker-$n.pid"
done
for ((i = 0; i < 600; i++)); do
  grep -q 'worker ready' "$DEMO_DIR/worker-1.log" && grep -q 'worker ready' "$DEMO_DIR/worker-2.log" && break
  for n in 1 2; do
    kill -0 "$(cat "$DEMO_DIR/worker-$n.pid")" 2>/dev/null || die "worker $n exited; see $DEMO_DIR/worker-$n.log"
  done
  sleep 0.1
done
((i < 600)) || die "workers not ready after 60 s; see $DEMO_DIR/worker-*.log"
phase "two workers ready (pids $(cat "$DEMO_DIR/worker-1.pid") $(cat "$DEMO_DIR/worker-2.pid"))"

# 5. The migration, as an operator runs it.
"${CLI[@]}" migrate demo/db.yaml demo/s3.yaml --dontask
phase "migration finished"

# 6. Every document read back through the destination config.
if ! "${CLI[@]}" demo-data demo/s3.yaml --verify --documents "$DOCUMENTS" --seed "$SEED"; then
  die "read-back through demo/s3.yaml did not return all $DOCUMENTS documents intact"
fi
phase "read-back verified"

cat >&2 <<EOF

[demo] done in $((SECONDS - started)) s: $DOCUMENTS documents generated in PostgreSQL, migrated to S3 and read back.
[demo] Temporal UI:  http://127.0.0.1:${TEMPORAL_UI_PORT:-8233}   (the workflow anchore-objectstorage-migration-*)
[demo] Workers:      pids $(cat "$DEMO_DIR/worker-1.pid") $(cat "$DEMO_DIR/worker-2.pid"), logs $DEMO_DIR/worker-{1,2}.log
[demo] Catalog:      $ANCHORE_DB_CONNECT
[demo] Try:          ANCHORE_DB_CONNECT=$ANCHORE_DB_CONNECT bin/objectstorage list-migrations
[demo] Stop it all:  make down
EOF
