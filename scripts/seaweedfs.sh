#!/usr/bin/env bash
# SeaweedFS for the dev and test stacks: a second S3 server, independent of VersityGW, so the S3 driver is
# proven on two implementations. One `weed mini` process (master, volume, filer and S3 gateway) with its data
# under $OBJECTSTORAGE_DATA_DIR/seaweedfs, every port on 127.0.0.1. Called by scripts/stack.sh up|down|status.
#
#   scripts/seaweedfs.sh up       start it unless running, wait until S3 answers a signed request, then print
#                                 the client environment as `export` lines on stdout
#   scripts/seaweedfs.sh down     stop what this script started (pid file only), keep the data
#   scripts/seaweedfs.sh status   one line; exit 0 when up, 3 otherwise
#
# Environment (defaults in brackets); see docs/dev-stack.md:
#   SEAWEED_PORT [7090] its S3 API; SEAWEED_PORT+1..+9 master, volume, filer, admin and their gRPC ports
#   It uses the S3 access and secret key of the stack's VersityGW (S3_ACCESS_KEY, S3_SECRET_KEY in stack.sh)
#   OBJECTSTORAGE_DATA_DIR [<repo>/.data]  STACK_TIMEOUT [90] seconds to wait
set -euo pipefail

ROOT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
DATA_DIR="${OBJECTSTORAGE_DATA_DIR:-$ROOT_DIR/.data}"
RUN_DIR="$DATA_DIR/run"
WEED_DIR="$DATA_DIR/seaweedfs"
BIND_IP=127.0.0.1
SEAWEED_PORT="${SEAWEED_PORT:-7090}"
S3_ACCESS_KEY="${S3_ACCESS_KEY:-objectstorage-dev}"
S3_SECRET_KEY="${S3_SECRET_KEY:-objectstorage-dev-secret}"
TIMEOUT="${STACK_TIMEOUT:-90}"
PIDFILE="$RUN_DIR/seaweedfs.pid"
LOGFILE="$RUN_DIR/seaweedfs.log"

log() { printf '[seaweedfs] %s\n' "$*" >&2; }
die() {
  printf '[seaweedfs] error: %s\n' "$*" >&2
  exit 1
}
SCRIPT_NAME=seaweedfs.sh
# shellcheck source=scripts/daemons.sh
. "$ROOT_DIR/scripts/daemons.sh"

validate_config() {
  if ! [[ $SEAWEED_PORT =~ ^[0-9]+$ ]] || ((SEAWEED_PORT < 1 || SEAWEED_PORT > 65526)); then
    die "SEAWEED_PORT must be a port number (1..65526; the next 9 ports are used too), got '$SEAWEED_PORT'"
  fi
  [[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || die "STACK_TIMEOUT must be a positive number of seconds, got '$TIMEOUT'"
}

weed_bin() {
  local name path
  while IFS='=' read -r name path; do
    [ "$name" = weed ] && { printf '%s' "$path"; return 0; }
  done < <("$ROOT_DIR/scripts/ensure-tools.sh")
  die "scripts/ensure-tools.sh did not report a weed binary"
}

# Every port weed would otherwise pick by default (several defaults, such as 8080 and 8888, are common).
# -s3.allowBackslashInKey: by default SeaweedFS turns `\` in a key into `/`, so a listing names another object
# than the one written (Anchore keys may hold a backslash); docs/dev-stack.md says so for operators too.
weed_args() {
  local p=$SEAWEED_PORT
  printf '%s\n' mini "-dir=$WEED_DIR/data" "-ip=$BIND_IP" "-ip.bind=$BIND_IP" \
    "-s3.port=$p" "-master.port=$((p + 1))" "-volume.port=$((p + 2))" "-filer.port=$((p + 3))" \
    "-admin.port=$((p + 4))" "-s3.port.grpc=$((p + 5))" "-master.port.grpc=$((p + 6))" \
    "-volume.port.grpc=$((p + 7))" "-filer.port.grpc=$((p + 8))" "-admin.port.grpc=$((p + 9))" \
    -admin.ui=false -admin.port.legacy=0 -s3.port.iceberg=0 -s3.port.lance=0 -master.telemetry=false \
    -master.volumeSizeLimitMB=64 -webdav=false -s3.allowBackslashInKey=true "-s3.config=$WEED_DIR/s3.json"
}

# A signed ListBuckets answers 200 only once the filer behind the gateway serves. The keys reach curl on stdin
# (-K -), not on its command line, which ps shows to every user.
ready() {
  [ "$(printf 'user = "%s:%s"\n' "$S3_ACCESS_KEY" "$S3_SECRET_KEY" |
    curl -s -K - -o /dev/null -m 5 -w '%{http_code}' --aws-sigv4 'aws:amz:us-east-1:s3' \
      "http://$BIND_IP:$SEAWEED_PORT/" 2>/dev/null || true)" = 200 ]
}

cmd_up() {
  local pid deadline port weed
  mkdir -p "$RUN_DIR" "$WEED_DIR/data"
  exec 8>"$RUN_DIR/seaweedfs.lock"
  flock -w $((TIMEOUT * 3)) 8 || die "another scripts/seaweedfs.sh is still running"
  if pid=$(our_pid "$PIDFILE" "$WEED_DIR/data"); then
    log "already running (pid $pid)"
  else
    rm -f "$PIDFILE"
    for port in $(seq "$SEAWEED_PORT" $((SEAWEED_PORT + 9))); do
      port_open "$port" && die "port $BIND_IP:$port is already in use by a process this script did not start." \
        "Stop it, or choose another SEAWEED_PORT (it uses SEAWEED_PORT..SEAWEED_PORT+9)."
    done
    weed=$(weed_bin)
    # The credentials are in a file only this user reads, not on the command line (ps shows it to everyone).
    (umask 077 && printf '{"identities":[{"name":"objectstorage","credentials":[{"accessKey":"%s","secretKey":"%s"}],"actions":["Admin","Read","Write","List","Tagging"]}]}\n' \
      "$S3_ACCESS_KEY" "$S3_SECRET_KEY" >"$WEED_DIR/s3.json")
    log "starting weed mini: S3 on $BIND_IP:$SEAWEED_PORT (ports up to $((SEAWEED_PORT + 9)), data in $WEED_DIR)"
    mapfile -t args < <(weed_args)
    # Its own session, no inherited descriptors (the lock above included), in its data dir (weed writes there).
    start_detached -C "$WEED_DIR" "$PIDFILE" "$LOGFILE" "$weed" "${args[@]}"
  fi
  deadline=$((SECONDS + TIMEOUT))
  until ready; do
    if ! our_pid "$PIDFILE" "$WEED_DIR/data" >/dev/null && [ -s "$PIDFILE" ]; then
      tail -n 30 "$LOGFILE" | sed 's/^/    /' >&2 || true
      die "weed exited while starting; see $LOGFILE"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 30 "$LOGFILE" | sed 's/^/    /' >&2 || true
      cmd_down >/dev/null 2>&1 || true
      die "S3 on port $SEAWEED_PORT did not answer within ${TIMEOUT}s; see $LOGFILE"
    fi
    sleep 0.5
  done
  printf 'export %s=%q\n' OBJECTSTORAGE_S3B_ENDPOINT "http://$BIND_IP:$SEAWEED_PORT"
  log "up: http://$BIND_IP:$SEAWEED_PORT (same credentials as the stack's VersityGW)"
}

cmd_down() {
  local pid i
  if pid=$(our_pid "$PIDFILE" "$WEED_DIR/data"); then
    log "stopping pid $pid (SIGTERM)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 150; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "still running after 15 s, sending SIGKILL to pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$PIDFILE"
}

cmd_status() {
  local pid state=down note=""
  if pid=$(our_pid "$PIDFILE" "$WEED_DIR/data"); then
    if ready; then state=up; else note="process alive but not answering"; fi
  else
    pid=-
  fi
  printf '%-9s %-5s pid %-8s %s%s\n' seaweedfs "$state" "$pid" "http://$BIND_IP:$SEAWEED_PORT" "${note:+  ($note)}"
  [ "$state" = up ] || return 3
}

service_main "$@"
