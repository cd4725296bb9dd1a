#!/usr/bin/env bash
# Local dev stack for anchore-objectstorage: Temporal dev server (with Web UI), VersityGW (S3 over a
# local directory), SeaweedFS (a second S3 server, scripts/seaweedfs.sh), Swift and PostgreSQL. No Docker: the Go tools come from scripts/ensure-tools.sh.
#
#   scripts/stack.sh up       start what is not running (idempotent), wait until it answers, then print
#                             the client environment as `export` lines on stdout: eval "$(scripts/stack.sh up)"
#   scripts/stack.sh down     stop what this script started (by pid file only), keep the data
#   scripts/stack.sh status   one line per service; exit 0 when all are up, 3 otherwise
#
# Environment (defaults in brackets); see docs/dev-stack.md:
#   TEMPORAL_PORT [7233]  TEMPORAL_UI_PORT [8233]  TEMPORAL_HTTP_PORT [7243]  TEMPORAL_METRICS_PORT [9233]
#   TEMPORAL_DYNAMIC_CONFIG [] space-separated KEY=VALUE dev-server settings (--dynamic-config-value)
#   S3_PORT [7070]  S3_ACCESS_KEY [objectstorage-dev]  S3_SECRET_KEY [objectstorage-dev-secret]
#   SWIFT_PORT [7080] (and the next 4 ports)  SWIFT_KEY [objectstorage-dev-swift]: Swift via scripts/swift.sh
#   SEAWEED_PORT [7090] (and the next 9 ports): SeaweedFS via scripts/seaweedfs.sh
#   PGHOST [127.0.0.1]  PGPORT [5432]  PGUSER [first of postgres, $(id -un) that connects]
#   OBJECTSTORAGE_DATA_DIR [<repo>/.data]  STACK_TIMEOUT [90] seconds to wait for each service
# Human-readable logs go to stderr; stdout carries only the export lines (up) or the status lines (status).
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA_DIR="${OBJECTSTORAGE_DATA_DIR:-$ROOT_DIR/.data}"
RUN_DIR="$DATA_DIR/run"
SEARCH_ATTRIBUTES_FILE="$ROOT_DIR/src/shared/search-attributes.json"

BIND_IP=127.0.0.1
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
TEMPORAL_HTTP_PORT="${TEMPORAL_HTTP_PORT:-7243}"
TEMPORAL_METRICS_PORT="${TEMPORAL_METRICS_PORT:-9233}"
TEMPORAL_NAMESPACE=default
S3_PORT="${S3_PORT:-7070}"
S3_REGION=us-east-1
S3_ACCESS_KEY="${S3_ACCESS_KEY:-objectstorage-dev}"
S3_SECRET_KEY_FROM_ENV="${S3_SECRET_KEY:+yes}"
S3_SECRET_KEY="${S3_SECRET_KEY:-objectstorage-dev-secret}"
PG_HOST="${PGHOST:-127.0.0.1}"
PG_PORT="${PGPORT:-5432}"
TIMEOUT="${STACK_TIMEOUT:-90}"

TEMPORAL_PID="$RUN_DIR/temporal.pid"
TEMPORAL_LOG="$RUN_DIR/temporal.log"
S3_PID="$RUN_DIR/versitygw.pid"
S3_LOG="$RUN_DIR/versitygw.log"
PG_MARKER="$RUN_DIR/postgres.started-by-stack"

TEMPORAL_BIN=""
VERSITYGW_BIN=""
LAUNCHED_PID="" # pid of the service started by this run, while waiting for it

log() { printf '[stack] %s\n' "$*" >&2; }
die() {
  printf '[stack] error: %s\n' "$*" >&2
  exit 1
}
SCRIPT_NAME=stack.sh
# shellcheck source=scripts/daemons.sh
. "$ROOT_DIR/scripts/daemons.sh"

usage() {
  cat >&2 <<'EOF'
usage: scripts/stack.sh up|down|status
  up      start Temporal (dev server + UI), VersityGW (S3) and check PostgreSQL; idempotent.
          Prints the client environment as export lines:  eval "$(scripts/stack.sh up)"
  down    stop the processes this script started (pid files in $DATA_DIR/run); keeps the data
  status  one line per service; exit 0 if all are up, 3 otherwise
See docs/dev-stack.md for ports, environment overrides and troubleshooting.
EOF
}

validate_config() {
  local name value
  for name in TEMPORAL_PORT TEMPORAL_UI_PORT TEMPORAL_HTTP_PORT TEMPORAL_METRICS_PORT S3_PORT PG_PORT; do
    value=${!name}
    if ! [[ $value =~ ^[0-9]+$ ]] || ((value < 1 || value > 65535)); then
      die "${name/PG_PORT/PGPORT} must be a port number (1..65535), got '$value'"
    fi
  done
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "STACK_TIMEOUT must be a positive number of seconds, got '$TIMEOUT'"
  local ports="$TEMPORAL_PORT $TEMPORAL_UI_PORT $TEMPORAL_HTTP_PORT $TEMPORAL_METRICS_PORT $S3_PORT"
  local dup
  dup=$(tr ' ' '\n' <<<"$ports" | sort | uniq -d | head -n 1)
  [ -z "$dup" ] || die "port $dup is configured for two services (TEMPORAL_*PORT, S3_PORT must all differ)"
}

# ---------------------------------------------------------------------------------------------------------
# processes and ports

# alive PIDFILE MARKER: the service's process is alive (the one launched by this run, else a verified pid file).
alive() {
  if [ -n "$LAUNCHED_PID" ]; then
    kill -0 "$LAUNCHED_PID" 2>/dev/null
  else
    our_pid "$1" "$2" >/dev/null
  fi
}

# Fails with a clear message when one of PORTS is held by something that is not ours.
require_ports_free() {
  local what=$1 port
  shift
  for port in "$@"; do
    if port_open "$port"; then
      die "$what: port $BIND_IP:$port is already in use by $(port_owner "$port"), which this script did not start." \
        "Stop it, or choose other ports (see docs/dev-stack.md: TEMPORAL_PORT, TEMPORAL_UI_PORT, TEMPORAL_HTTP_PORT," \
        "TEMPORAL_METRICS_PORT, S3_PORT)."
    fi
  done
}

# wait_for NAME LOG PIDFILE DIR WHAT CHECK...: poll CHECK until it succeeds; give up (log tail, stop, exit 1)
# when the process dies or after $TIMEOUT seconds.
wait_for() {
  local name=$1 logfile=$2 pidfile=$3 dir=$4 what=$5 deadline=$((SECONDS + TIMEOUT))
  shift 5
  until "$@"; do
    alive "$pidfile" "$dir" || fail_start "$name" "$logfile" "$pidfile" "process exited"
    ((SECONDS < deadline)) || fail_start "$name" "$logfile" "$pidfile" "$what after ${TIMEOUT}s"
    sleep 0.5
  done
}

temporal_frontend_ready() { port_open "$TEMPORAL_PORT" && temporal_cli operator namespace describe >/dev/null 2>&1; }
temporal_ui_ready() { [ "$(http_code "http://$BIND_IP:$TEMPORAL_UI_PORT/")" = 200 ]; }
s3_answers() { [ "$(http_code "http://$BIND_IP:$S3_PORT/")" != 000 ]; }

fail_start() {
  local name=$1 logfile=$2 pidfile=$3 reason=$4 pid
  log "$name: $reason; last lines of $logfile:"
  tail -n 40 "$logfile" | sed 's/^/    /' >&2 || true
  if [ -n "$LAUNCHED_PID" ] && kill -0 "$LAUNCHED_PID" 2>/dev/null; then
    stop_pid "$name" "$LAUNCHED_PID" || true
  elif pid=$(our_pid "$pidfile" "$DATA_DIR"); then
    stop_pid "$name" "$pid" || true
  fi
  rm -f "$pidfile"
  exit 1
}

# ---------------------------------------------------------------------------------------------------------
# tools

load_tools() {
  local out name path
  out=$("$ROOT_DIR/scripts/ensure-tools.sh") || die "scripts/ensure-tools.sh failed (see the messages above and docs/dev-stack.md)"
  while IFS='=' read -r name path; do
    case $name in
      temporal) TEMPORAL_BIN=$path ;;
      versitygw) VERSITYGW_BIN=$path ;;
    esac
  done <<<"$out"
  [ -x "$TEMPORAL_BIN" ] || die "ensure-tools.sh did not report a temporal binary"
  [ -x "$VERSITYGW_BIN" ] || die "ensure-tools.sh did not report a versitygw binary"
}

# ---------------------------------------------------------------------------------------------------------
# search attributes (src/shared/search-attributes.json: {"Name": "Type", ...})

# Prints Name=Type lines after validating names, types, and the per-type limits of the dev server's SQLite
# visibility store (fixed columns: 10 Keyword, 3 of every other type; more makes the server refuse to start).
search_attribute_pairs() {
  command -v node >/dev/null 2>&1 || die "node is required to read $SEARCH_ATTRIBUTES_FILE"
  # shellcheck disable=SC2016 # JavaScript template literals
  node -e '
    const fs = require("fs");
    const file = process.argv[1];
    let attrs;
    try { attrs = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { console.error(`${file}: ${e.message}`); process.exit(1); }
    if (attrs === null || typeof attrs !== "object" || Array.isArray(attrs)) { console.error(`${file}: expected an object {"Name": "Type"}`); process.exit(1); }
    const limits = { Keyword: 10, Text: 3, Int: 3, Double: 3, Bool: 3, Datetime: 3, KeywordList: 3 };
    const counts = {};
    for (const [name, type] of Object.entries(attrs)) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) { console.error(`${file}: invalid search attribute name ${JSON.stringify(name)}`); process.exit(1); }
      if (!Object.hasOwn(limits, type)) { console.error(`${file}: ${name}: type must be one of ${Object.keys(limits).join(", ")}, got ${JSON.stringify(type)}`); process.exit(1); }
      counts[type] = (counts[type] || 0) + 1;
      console.log(`${name}=${type}`);
    }
    for (const [type, n] of Object.entries(counts)) {
      if (n > limits[type]) { console.error(`${file}: ${n} search attributes of type ${type}, but the Temporal dev server (SQLite visibility) allows at most ${limits[type]}`); process.exit(1); }
    }
  ' "$SEARCH_ATTRIBUTES_FILE" || die "invalid $SEARCH_ATTRIBUTES_FILE"
}

temporal_cli() {
  # Ignore the caller's TEMPORAL_* environment and config file: always talk to our dev server.
  "$TEMPORAL_BIN" "$@" --address "$BIND_IP:$TEMPORAL_PORT" --namespace "$TEMPORAL_NAMESPACE" \
    --disable-config-env --disable-config-file --command-timeout 10s
}

# The dev server registers --search-attribute only when it creates the namespace, i.e. with a new database
# file. Attributes added to the JSON later are created here; a type change needs a fresh database.
reconcile_search_attributes() {
  local pairs=$1 current plan name type
  current=$(temporal_cli operator search-attribute list -o json) || die "temporal: cannot list search attributes"
  # shellcheck disable=SC2016 # JavaScript template literals
  plan=$(node -e '
    const current = JSON.parse(process.argv[1]).customAttributes || {};
    const norm = (t) => String(t).replace(/^INDEXED_VALUE_TYPE_/, "").replace(/_/g, "").toLowerCase();
    let bad = false;
    for (const line of process.argv[2].split("\n").filter(Boolean)) {
      const [name, type] = line.split("=");
      if (!(name in current)) console.log(`${name}=${type}`);
      else if (norm(current[name]) !== norm(type)) {
        console.error(`search attribute ${name} is registered as ${current[name]} but the JSON says ${type}`);
        bad = true;
      }
    }
    process.exit(bad ? 2 : 0);
  ' "$current" "$pairs") || die "temporal: search attribute types differ from $SEARCH_ATTRIBUTES_FILE; a registered" \
    "attribute cannot change type: 'scripts/stack.sh down && rm -rf $DATA_DIR/temporal' (drops workflow history), then up"
  while IFS='=' read -r name type; do
    [ -n "$name" ] || continue
    log "temporal: registering search attribute $name ($type)"
    temporal_cli operator search-attribute create --name "$name" --type "$type" >/dev/null ||
      die "temporal: could not create search attribute $name ($type)"
  done <<<"$plan"
}

# ---------------------------------------------------------------------------------------------------------
# services

temporal_up() {
  local pairs=$1 pid started=false
  if pid=$(our_pid "$TEMPORAL_PID" "$DATA_DIR/temporal/"); then
    log "temporal: already running (pid $pid)"
  else
    rm -f "$TEMPORAL_PID"
    require_ports_free temporal "$TEMPORAL_PORT" "$TEMPORAL_UI_PORT" "$TEMPORAL_HTTP_PORT" "$TEMPORAL_METRICS_PORT"
    mkdir -p "$DATA_DIR/temporal"
    local args=(server start-dev
      --ip "$BIND_IP" --port "$TEMPORAL_PORT"
      --ui-ip "$BIND_IP" --ui-port "$TEMPORAL_UI_PORT"
      --http-port "$TEMPORAL_HTTP_PORT" --metrics-port "$TEMPORAL_METRICS_PORT"
      --db-filename "$DATA_DIR/temporal/temporal.db"
      --namespace "$TEMPORAL_NAMESPACE" --log-level warn
      --disable-config-env --disable-config-file)
    local pair dc
    while IFS= read -r pair; do
      [ -n "$pair" ] && args+=(--search-attribute "$pair")
    done <<<"$pairs"
    # Extra server settings, e.g. TEMPORAL_DYNAMIC_CONFIG="limit.historyCount.suggestContinueAsNew=400".
    for dc in ${TEMPORAL_DYNAMIC_CONFIG:-}; do
      args+=(--dynamic-config-value "$dc")
    done
    log "temporal: starting dev server on $BIND_IP:$TEMPORAL_PORT (UI $TEMPORAL_UI_PORT, HTTP $TEMPORAL_HTTP_PORT, metrics $TEMPORAL_METRICS_PORT)"
    start_detached "$TEMPORAL_PID" "$TEMPORAL_LOG" "$TEMPORAL_BIN" "${args[@]}"
    started=true
  fi

  wait_for temporal "$TEMPORAL_LOG" "$TEMPORAL_PID" "$DATA_DIR/temporal/" "frontend not ready" temporal_frontend_ready
  reconcile_search_attributes "$pairs"
  wait_for temporal "$TEMPORAL_LOG" "$TEMPORAL_PID" "$DATA_DIR/temporal/" "Web UI not answering 200" temporal_ui_ready
  if $started; then log "temporal: ready (pid $LAUNCHED_PID)"; fi
  LAUNCHED_PID=""
}

s3_up() {
  local pid started=false
  if pid=$(our_pid "$S3_PID" "$DATA_DIR/s3"); then
    log "s3: versitygw already running (pid $pid)"
  else
    rm -f "$S3_PID"
    require_ports_free s3 "$S3_PORT"
    mkdir -p "$DATA_DIR/s3"
    log "s3: starting versitygw on $BIND_IP:$S3_PORT (posix backend in $DATA_DIR/s3)"
    # Credentials go through the environment (not argv, which any user can read in ps). versitygw reads
    # ROOT_ACCESS_KEY_ID before ROOT_ACCESS_KEY, so set the first-listed names to win over a stray variable.
    # --keep-alive: VersityGW closes every connection after one request by default; S3 itself keeps them open,
    # and clients (ours, rclone) reuse them.
    ROOT_ACCESS_KEY_ID="$S3_ACCESS_KEY" ROOT_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
      ROOT_ACCESS_KEY="$S3_ACCESS_KEY" ROOT_SECRET_KEY="$S3_SECRET_KEY" \
      start_detached "$S3_PID" "$S3_LOG" "$VERSITYGW_BIN" \
      --port "$BIND_IP:$S3_PORT" --region "$S3_REGION" --keep-alive --quiet posix "$DATA_DIR/s3"
    started=true
  fi
  wait_for s3 "$S3_LOG" "$S3_PID" "$DATA_DIR/s3" "no HTTP answer on port $S3_PORT" s3_answers
  if $started; then log "s3: ready (pid $LAUNCHED_PID)"; fi
  LAUNCHED_PID=""
}

pg_ready() {
  pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 >/dev/null 2>&1
}

pg_is_local() {
  case $PG_HOST in
    127.0.0.1 | localhost | ::1 | /*) return 0 ;;
    *) return 1 ;;
  esac
}

# "VERSION CLUSTER" of the local cluster configured on PG_PORT (Debian postgresql-common).
pg_local_cluster() {
  local found=""
  if command -v pg_lsclusters >/dev/null 2>&1; then
    found=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $1, $2; exit }')
  fi
  if [ -z "$found" ] && [ -d /etc/postgresql ]; then
    local versions
    mapfile -t versions < <(ls /etc/postgresql)
    [ "${#versions[@]}" -eq 1 ] && found="${versions[0]} main"
  fi
  printf '%s' "$found"
}

postgres_up() {
  command -v pg_isready >/dev/null 2>&1 || die "postgres: pg_isready not found (apt-get install postgresql-client)"
  if pg_ready; then
    log "postgres: $PG_HOST:$PG_PORT accepting connections"
    return 0
  fi
  pg_is_local || die "postgres: $PG_HOST:$PG_PORT does not answer, and it is not local, so it is not started here"
  local cluster
  cluster=$(pg_local_cluster)
  [ -n "$cluster" ] || die "postgres: $PG_HOST:$PG_PORT does not answer and no local cluster on port $PG_PORT was found"
  log "postgres: not answering; starting cluster $cluster (pg_ctlcluster)"
  # shellcheck disable=SC2086 # "VERSION CLUSTER" is two words on purpose
  pg_ctlcluster --skip-systemctl-redirect $cluster start >&2 || die "postgres: pg_ctlcluster $cluster start failed"
  printf '%s\n' "$cluster" >"$PG_MARKER"
  local deadline=$((SECONDS + TIMEOUT))
  until pg_ready; do
    ((SECONDS < deadline)) || die "postgres: cluster $cluster started but $PG_HOST:$PG_PORT not ready after ${TIMEOUT}s"
    sleep 0.5
  done
  log "postgres: ready (started by this script; 'down' will stop it)"
}

# The first role that connects with the machine's auth (trust on this dev machine).
pg_user() {
  local candidate
  if command -v psql >/dev/null 2>&1; then
    local candidates=(${PGUSER:+"$PGUSER"} postgres "$(id -un)")
    for candidate in "${candidates[@]}"; do
      if PGCONNECT_TIMEOUT=5 psql -w -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$candidate" -d postgres \
        -Atc 'select 1' >/dev/null 2>&1; then
        printf '%s' "$candidate"
        return 0
      fi
    done
    log "postgres: none of the roles ${candidates[*]} could connect without a password; assuming ${PGUSER:-postgres}"
  fi
  printf '%s' "${PGUSER:-postgres}"
}

pg_url() {
  local user=$1
  case $PG_HOST in
    /*) printf 'postgresql://%s@/postgres?host=%s&port=%s' "$user" "$PG_HOST" "$PG_PORT" ;;
    *:*) printf 'postgresql://%s@[%s]:%s/postgres' "$user" "$PG_HOST" "$PG_PORT" ;;
    *) printf 'postgresql://%s@%s:%s/postgres' "$user" "$PG_HOST" "$PG_PORT" ;;
  esac
}

print_env() {
  local user
  user=$(pg_user)
  printf 'export %s=%q\n' \
    TEMPORAL_ADDRESS "$BIND_IP:$TEMPORAL_PORT" \
    TEMPORAL_NAMESPACE "$TEMPORAL_NAMESPACE" \
    OBJECTSTORAGE_S3_ENDPOINT "http://$BIND_IP:$S3_PORT" \
    OBJECTSTORAGE_S3_REGION "$S3_REGION" \
    OBJECTSTORAGE_S3_ACCESS_KEY "$S3_ACCESS_KEY" \
    OBJECTSTORAGE_TEST_PG "$(pg_url "$user")"
  if [ -n "$S3_SECRET_KEY_FROM_ENV" ]; then
    log "S3 secret key: the value of \$S3_SECRET_KEY (not printed)"
  else
    log "S3 secret key: the dev default from docs/dev-stack.md (not printed; override with S3_SECRET_KEY)"
  fi
  log "Temporal UI: http://$BIND_IP:$TEMPORAL_UI_PORT   metrics: http://$BIND_IP:$TEMPORAL_METRICS_PORT/metrics"
}

# ---------------------------------------------------------------------------------------------------------
# commands

lock_run_dir() {
  mkdir -p "$RUN_DIR"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$RUN_DIR/stack.lock"
    flock -w $((TIMEOUT * 3)) 9 || die "another scripts/stack.sh is still running (lock $RUN_DIR/stack.lock)"
  fi
}

cmd_up() {
  local search_attributes
  search_attributes=$(search_attribute_pairs) # validate before starting anything
  lock_run_dir
  load_tools
  postgres_up
  s3_up
  "$ROOT_DIR/scripts/swift.sh" up || die "swift: scripts/swift.sh up failed (see above)"
  "$ROOT_DIR/scripts/seaweedfs.sh" up || die "seaweedfs: scripts/seaweedfs.sh up failed (see above)"
  temporal_up "$search_attributes"
  print_env
  log "stack is up (data in $DATA_DIR, logs in $RUN_DIR)"
}

cmd_down() {
  lock_run_dir
  local pid rc=0 pidfile
  for pidfile in "$DATA_DIR"/demo/*.pid; do # workers started by scripts/demo.sh
    [ -e "$pidfile" ] || continue
    if pid=$(our_pid "$pidfile" "objectstorage.js worker"); then stop_pid "demo worker" "$pid" || rc=1; fi
    rm -f "$pidfile"
  done
  if pid=$(our_pid "$TEMPORAL_PID" "$DATA_DIR/temporal/"); then
    stop_pid temporal "$pid" || rc=1
  else
    log "temporal: not running (no live pid file)"
  fi
  rm -f "$TEMPORAL_PID"
  if pid=$(our_pid "$S3_PID" "$DATA_DIR/s3"); then
    stop_pid s3 "$pid" || rc=1
  else
    log "s3: not running (no live pid file)"
  fi
  rm -f "$S3_PID"
  "$ROOT_DIR/scripts/swift.sh" down || rc=1
  "$ROOT_DIR/scripts/seaweedfs.sh" down || rc=1
  if [ -f "$PG_MARKER" ]; then
    local cluster
    cluster=$(cat "$PG_MARKER")
    log "postgres: stopping cluster $cluster (it was started by this script)"
    # shellcheck disable=SC2086 # "VERSION CLUSTER" is two words on purpose
    if pg_ctlcluster --skip-systemctl-redirect $cluster stop >&2; then
      rm -f "$PG_MARKER"
    else
      log "postgres: pg_ctlcluster $cluster stop failed"
      rc=1
    fi
  else
    log "postgres: left running (not started by this script)"
  fi
  return $rc
}

# status_line NAME STATE PID ADDRESS [NOTE]
status_line() {
  printf '%-9s %-5s pid %-8s %s%s\n' "$1" "$2" "$3" "$4" "${5:+  ($5)}"
}

cmd_status() {
  local all=0 pid state note
  # temporal: our process, the frontend and the UI answering
  note=""
  if pid=$(our_pid "$TEMPORAL_PID" "$DATA_DIR/temporal/"); then
    if port_open "$TEMPORAL_PORT" && [ "$(http_code "http://$BIND_IP:$TEMPORAL_UI_PORT/")" = 200 ]; then
      state=up
    else
      state=down note="process alive but not answering (starting?)"
    fi
  else
    pid=- state=down
    if port_open "$TEMPORAL_PORT"; then note="port in use by $(port_owner "$TEMPORAL_PORT"), not ours"; fi
  fi
  [ "$state" = up ] || all=3
  status_line temporal "$state" "$pid" "grpc $BIND_IP:$TEMPORAL_PORT ui http://$BIND_IP:$TEMPORAL_UI_PORT" "$note"

  note=""
  if pid=$(our_pid "$S3_PID" "$DATA_DIR/s3"); then
    if [ "$(http_code "http://$BIND_IP:$S3_PORT/")" != 000 ]; then state=up; else state=down note="process alive but not answering"; fi
  else
    pid=- state=down
    if port_open "$S3_PORT"; then note="port in use by $(port_owner "$S3_PORT"), not ours"; fi
  fi
  [ "$state" = up ] || all=3
  status_line s3 "$state" "$pid" "http://$BIND_IP:$S3_PORT" "$note"
  "$ROOT_DIR/scripts/swift.sh" status || all=3
  "$ROOT_DIR/scripts/seaweedfs.sh" status || all=3

  pid=-
  if command -v pg_isready >/dev/null 2>&1 && pg_ready; then state=up; else state=down; fi
  if [ -f "$PG_MARKER" ]; then note="started by stack.sh"; else note="external, never stopped by stack.sh"; fi
  if [ "$state" = up ] && command -v pg_lsclusters >/dev/null 2>&1; then
    local datadir
    datadir=$(pg_lsclusters -h 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print $6; exit }')
    if [ -n "$datadir" ] && [ -r "$datadir/postmaster.pid" ]; then pid=$(head -n 1 "$datadir/postmaster.pid"); fi
  fi
  [ "$state" = up ] || all=3
  status_line postgres "$state" "$pid" "$PG_HOST:$PG_PORT" "$note"
  return $all
}

main() {
  [ $# -eq 1 ] || {
    usage
    exit 2
  }
  validate_config
  case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    -h | --help | help) usage ;;
    *)
      usage
      exit 2
      ;;
  esac
}

main "$@"
