#!/usr/bin/env bash
# OpenStack Swift "all in one" for the dev and test stacks: one node, one replica, Debian's swift packages,
# everything (configs, rings, objects) under $OBJECTSTORAGE_DATA_DIR/swift, on 127.0.0.1, no systemd.
# Called by scripts/stack.sh up|down|status; usable alone.
#
#   scripts/swift.sh up       start what is not running (idempotent), wait until tempauth answers, then print
#                             the client environment as `export` lines on stdout
#   scripts/swift.sh down     stop what this script started (pid files only), keep the data
#   scripts/swift.sh status   one line per service; exit 0 when all are up, 3 otherwise
#
# Environment (defaults in brackets); see docs/dev-stack.md:
#   SWIFT_PORT [7080] proxy; SWIFT_PORT+1..+3 account, container, object servers; SWIFT_PORT+4 memcached
#   SWIFT_KEY [objectstorage-dev-swift] key of the tempauth user test:tester
#   OBJECTSTORAGE_DATA_DIR [<repo>/.data]  STACK_TIMEOUT [90] seconds to wait for each service
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA_DIR="${OBJECTSTORAGE_DATA_DIR:-$ROOT_DIR/.data}"
RUN_DIR="$DATA_DIR/run"
SWIFT_DIR="$DATA_DIR/swift"
CONF_DIR="$SWIFT_DIR/etc"
DEVICES_DIR="$SWIFT_DIR/node"

BIND_IP=127.0.0.1
SWIFT_PORT="${SWIFT_PORT:-7080}"
SWIFT_KEY_FROM_ENV="${SWIFT_KEY:+yes}"
SWIFT_KEY="${SWIFT_KEY:-objectstorage-dev-swift}"
SWIFT_USER=test:tester
TIMEOUT="${STACK_TIMEOUT:-90}"
# Swift reads the hash-path settings from this fixed path; Debian's swift package installs it.
SWIFT_CONF=/etc/swift/swift.conf

# name → port offset from SWIFT_PORT. Storage servers come first: the proxy needs them to answer. The
# object-updater (no port) replays container-listing updates the object server had to defer under load.
SERVICES=(account container object object-updater memcached proxy)
declare -A OFFSET=([proxy]=0 [account]=1 [container]=2 [object]=3 [memcached]=4 [object-updater]=3)

log() { printf '[swift] %s\n' "$*" >&2; }
die() {
  printf '[swift] error: %s\n' "$*" >&2
  exit 1
}
SCRIPT_NAME=swift.sh
# shellcheck source=scripts/daemons.sh
. "$ROOT_DIR/scripts/daemons.sh"

port_of() { echo $((SWIFT_PORT + OFFSET[$1])); }
pidfile_of() { echo "$RUN_DIR/swift-$1.pid"; }
logfile_of() { echo "$RUN_DIR/swift-$1.log"; }
# Every process we start has this path in its command line: it tells our processes from pid reuse.
marker_of() {
  case $1 in
    memcached) echo "memcached@$SWIFT_DIR" ;;
    object-updater) echo "swift-object-updater $CONF_DIR/object-server.conf" ;;
    *) echo "$CONF_DIR/$1-server.conf" ;;
  esac
}

validate_config() {
  if ! [[ $SWIFT_PORT =~ ^[0-9]+$ ]] || ((SWIFT_PORT < 1 || SWIFT_PORT > 65531)); then
    die "SWIFT_PORT must be a port number (1..65531; the next 4 ports are used too), got '$SWIFT_PORT'"
  fi
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "STACK_TIMEOUT must be a positive number of seconds, got '$TIMEOUT'"
  # The key goes into proxy-server.conf and an HTTP header: keep it to one simple token.
  [[ $SWIFT_KEY =~ ^[A-Za-z0-9._~+-]+$ ]] || die "SWIFT_KEY must be letters, digits and ._~+- only"
}

require_tools() {
  local missing=() tool
  for tool in swift-ring-builder swift-proxy-server swift-account-server swift-container-server \
    swift-object-server swift-object-updater memcached curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}: run scripts/ensure-tools.sh (installs the Debian" \
    "packages swift swift-proxy swift-account swift-container swift-object memcached curl) or apt-get install them"
  [ -r "$SWIFT_CONF" ] || die "$SWIFT_CONF is missing (Swift reads its hash path settings only there):" \
    "reinstall the Debian package swift (apt-get install --reinstall swift)"
}

# ---------------------------------------------------------------------------------------------------------
# configs and rings (rewritten on every start, so port or key changes apply)

write_server_conf() {
  local name=$1
  cat >"$CONF_DIR/$name-server.conf" <<EOF
# Written by scripts/swift.sh; edits are overwritten on the next start.
[DEFAULT]
bind_ip = $BIND_IP
bind_port = $(port_of "$name")
# One process, no forking: the pid file is the server.
workers = 0
# Run as whoever runs the stack (Swift would otherwise switch to the user "swift", which cannot write here).
user = $(id -un)
swift_dir = $CONF_DIR
devices = $DEVICES_DIR
mount_check = false
disable_fallocate = true
log_name = $name-server

[pipeline:main]
pipeline = healthcheck recon $name-server

[app:$name-server]
use = egg:swift#$name
# Object PUTs wait this long for the container listing update before deferring it to the object-updater.
container_update_timeout = 10

[object-updater]
interval = 30
recon_cache_path = $SWIFT_DIR/cache

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:recon]
use = egg:swift#recon
recon_cache_path = $SWIFT_DIR/cache
EOF
}

write_proxy_conf() {
  cat >"$CONF_DIR/proxy-server.conf" <<EOF
# Written by scripts/swift.sh; edits are overwritten on the next start.
[DEFAULT]
bind_ip = $BIND_IP
bind_port = $(port_of proxy)
workers = 0
user = $(id -un)
swift_dir = $CONF_DIR
log_name = proxy-server

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:tempauth]
use = egg:swift#tempauth
# Account AUTH_test, user tester, admin of its account.
user_test_tester = $SWIFT_KEY .admin
token_life = 86400

[filter:cache]
use = egg:swift#memcache
memcache_servers = $BIND_IP:$(port_of memcached)

[filter:bulk]
use = egg:swift#bulk
# Objects a bulk delete removes in parallel (Swift's default, 2, makes it slower than single DELETEs here).
delete_concurrency = 8

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
  chmod 600 "$CONF_DIR/proxy-server.conf" # holds the key
}

# One ring per server type, one device (a directory) on 127.0.0.1, one replica. Rebuilt only when a port
# changed: with a single device every partition stays on it, so existing objects remain where the ring says.
build_rings() {
  local stamp="$CONF_DIR/rings.ports" want type
  want="$(port_of account) $(port_of container) $(port_of object)"
  if [ -f "$CONF_DIR/object.ring.gz" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  log "building rings (one device $DEVICES_DIR/d1, one replica)"
  for type in account container object; do
    rm -f "$CONF_DIR/$type.builder" "$CONF_DIR/$type.ring.gz"
    swift-ring-builder "$CONF_DIR/$type.builder" create 10 1 1 >/dev/null
    swift-ring-builder "$CONF_DIR/$type.builder" add "r1z1-$BIND_IP:$(port_of "$type")/d1" 100 >/dev/null
    # rebalance exits 1 on warnings (e.g. fewer devices than replicas would like); 2 is an error.
    swift-ring-builder "$CONF_DIR/$type.builder" rebalance >/dev/null || [ $? -eq 1 ] ||
      die "swift-ring-builder $type rebalance failed"
  done
  printf '%s\n' "$want" >"$stamp"
}

prepare() {
  mkdir -p "$CONF_DIR" "$DEVICES_DIR/d1" "$SWIFT_DIR/cache" "$RUN_DIR"
  local name
  for name in account container object; do write_server_conf "$name"; done
  write_proxy_conf
  build_rings
}

# ---------------------------------------------------------------------------------------------------------
# services

launch() {
  local name=$1 port
  port=$(port_of "$name")
  if [ "$name" = object-updater ]; then
    start_detached "$(pidfile_of "$name")" "$(logfile_of "$name")" \
      swift-object-updater "$CONF_DIR/object-server.conf" --verbose
  elif [ "$name" = memcached ]; then
    # exec -a puts the marker in argv[0]; memcached refuses to run as root without -u.
    start_detached "$(pidfile_of memcached)" "$(logfile_of memcached)" \
      bash -c 'exec -a "$0" memcached "$@"' "$(marker_of memcached)" \
      -l "$BIND_IP" -p "$port" -U 0 -m 64 -u "$(id -un)"
  else
    start_detached "$(pidfile_of "$name")" "$(logfile_of "$name")" \
      "swift-$name-server" "$(marker_of "$name")" --verbose
  fi
}

# Tokens are issued and the account answers: the whole request path works.
proxy_ready() {
  [ "$(http_code "http://$BIND_IP:$(port_of proxy)/auth/v1.0" -H "X-Auth-User: $SWIFT_USER" \
    -H "X-Auth-Key: $SWIFT_KEY")" = 200 ]
}

ready() {
  case $1 in
    proxy) proxy_ready ;;
    memcached) port_open "$(port_of memcached)" ;;
    object-updater) our_pid "$(pidfile_of "$1")" "$(marker_of "$1")" >/dev/null ;;
    *) [ "$(http_code "http://$BIND_IP:$(port_of "$1")/healthcheck")" = 200 ] ;;
  esac
}

fail_start() {
  local name=$1 reason=$2 pid
  log "$name: $reason; last lines of $(logfile_of "$name"):"
  tail -n 40 "$(logfile_of "$name")" | sed 's/^/    /' >&2 || true
  if pid=$(our_pid "$(pidfile_of "$name")" "$(marker_of "$name")"); then stop_pid "$name" "$pid" || true; fi
  rm -f "$(pidfile_of "$name")"
  exit 1
}

service_up() {
  local name=$1 pid port="" deadline
  [ "$name" = object-updater ] || port=$(port_of "$name")
  if pid=$(our_pid "$(pidfile_of "$name")" "$(marker_of "$name")"); then
    log "$name: already running (pid $pid)"
  else
    rm -f "$(pidfile_of "$name")"
    [ -n "$port" ] && port_open "$port" && die "$name: port $BIND_IP:$port is already in use by $(port_owner "$port"), which this" \
      "script did not start. Stop it, or choose another SWIFT_PORT (it uses SWIFT_PORT..SWIFT_PORT+4)."
    log "$name: starting${port:+ on $BIND_IP:$port}"
    launch "$name"
  fi
  deadline=$((SECONDS + TIMEOUT))
  until ready "$name"; do
    our_pid "$(pidfile_of "$name")" "$(marker_of "$name")" >/dev/null || fail_start "$name" "process exited"
    ((SECONDS < deadline)) || fail_start "$name" "not ready after ${TIMEOUT}s"
    sleep 0.3
  done
}

cmd_up() {
  require_tools
  mkdir -p "$RUN_DIR"
  exec 8>"$RUN_DIR/swift.lock"
  flock -w $((TIMEOUT * 3)) 8 || die "another scripts/swift.sh is still running (lock $RUN_DIR/swift.lock)"
  local running=false name
  for name in "${SERVICES[@]}"; do
    if our_pid "$(pidfile_of "$name")" "$(marker_of "$name")" >/dev/null; then running=true; fi
  done
  # Configs and rings are only rewritten while nothing runs, so a live server never sees them change.
  $running || prepare
  for name in "${SERVICES[@]}"; do service_up "$name"; done
  printf 'export %s=%q\n' \
    OBJECTSTORAGE_SWIFT_AUTH_URL "http://$BIND_IP:$(port_of proxy)/auth/v1.0" \
    OBJECTSTORAGE_SWIFT_USER "$SWIFT_USER"
  if [ -n "$SWIFT_KEY_FROM_ENV" ]; then
    log "swift key: the value of \$SWIFT_KEY (not printed)"
  else
    log "swift key: the dev default from docs/dev-stack.md (not printed; override with SWIFT_KEY)"
  fi
  log "swift is up: http://$BIND_IP:$(port_of proxy) (tempauth user $SWIFT_USER, data in $SWIFT_DIR)"
}

cmd_down() {
  local rc=0 name pid
  # Proxy first, so no request reaches a storage server that is going away.
  for name in proxy object-updater object container account memcached; do
    if pid=$(our_pid "$(pidfile_of "$name")" "$(marker_of "$name")"); then
      stop_pid "$name" "$pid" || rc=1
    fi
    rm -f "$(pidfile_of "$name")"
  done
  return $rc
}

cmd_status() {
  local all=0 name pid state note port
  for name in proxy account container object object-updater memcached; do
    port=$(port_of "$name") note=""
    if pid=$(our_pid "$(pidfile_of "$name")" "$(marker_of "$name")"); then
      if ready "$name"; then state=up; else state=down note="process alive but not answering"; fi
    else
      pid=- state=down
      if [ "$name" != object-updater ] && port_open "$port"; then note="port in use by $(port_owner "$port"), not ours"; fi
    fi
    [ "$state" = up ] || all=3
    [ "$name" = object-updater ] && port=- || port="$BIND_IP:$port"
    printf '%-20s %-5s pid %-8s %s%s\n' "swift-$name" "$state" "$pid" "$port" "${note:+  ($note)}"
  done
  return $all
}

service_main "$@"
