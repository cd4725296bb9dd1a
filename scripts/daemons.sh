# shellcheck shell=bash
# Process and port helpers shared by the dev-stack scripts (stack.sh, swift.sh, seaweedfs.sh). Sourced after the
# script has set BIND_IP and SCRIPT_NAME and defined log and die.

# True when something accepts TCP connections on $BIND_IP:PORT.
port_open() {
  # shellcheck disable=SC2016 # $0/$1 are the inner shell's arguments
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$BIND_IP" "$1" 2>/dev/null
}

# Who listens on PORT, for error messages (best effort).
port_owner() {
  local line=""
  command -v ss >/dev/null 2>&1 && line=$(ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1 || true)
  printf '%s' "${line:-unknown process}"
}

# http_code URL [CURL ARGS...]: the HTTP status of a request, 000 when nothing answers (node when curl is absent).
http_code() {
  local url=$1 code
  shift
  if command -v curl >/dev/null 2>&1; then
    code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$url" 2>/dev/null) || true
  else
    code=$(node -e '
      const req = require("http").get(process.argv[1], { timeout: 5000 }, (res) => { console.log(res.statusCode); res.resume(); });
      req.on("error", () => console.log("000"));
      req.on("timeout", () => { req.destroy(); });
    ' "$url" 2>/dev/null) || true
  fi
  printf '%s' "${code:-000}"
}

# our_pid PIDFILE MARKER: the pid in PIDFILE when that process is alive and is the one we started (its command
# line mentions MARKER, a path inside our data dir, which guards against pid reuse); fails otherwise.
our_pid() {
  local pidfile=$1 marker=$2 pid
  [ -f "$pidfile" ] || return 1
  pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
  [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  if [ -r "/proc/$pid/cmdline" ]; then tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$marker" || return 1; fi
  printf '%s' "$pid"
}

# start_detached [-C DIR] PIDFILE LOGFILE CMD...: runs CMD in its own session (in DIR), detached from this shell,
# with stdin from /dev/null, output appended to LOGFILE and every other inherited descriptor closed, so a caller
# reading our stdout through a pipe, or holding a lock, is never kept waiting by the daemon. The process writes
# its own pid right before exec; LAUNCHED_PID is set to it.
start_detached() {
  local dir=. pidfile logfile i
  if [ "$1" = -C ]; then
    dir=$2
    shift 2
  fi
  pidfile=$1 logfile=$2
  shift 2
  printf '\n==== %s: %s started by scripts/%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(basename "$1")" "$SCRIPT_NAME" >>"$logfile"
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid bash -c '
    pidfile=$1 dir=$2; shift 2
    for fd in /proc/$$/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
    done
    cd "$dir"
    echo $$ >"$pidfile"
    exec "$@"
  ' "${SCRIPT_NAME%.sh}-launcher" "$pidfile" "$dir" "$@" </dev/null >>"$logfile" 2>&1 &
  for ((i = 0; i < 50; i++)); do
    if [ -s "$pidfile" ]; then
      LAUNCHED_PID=$(head -n 1 "$pidfile")
      return 0
    fi
    sleep 0.1
  done
  die "could not start $1 (no pid file written); see $logfile"
}

# stop_pid NAME PID: SIGTERM, wait up to 15 s, then SIGKILL.
stop_pid() {
  local name=$1 pid=$2 i
  log "$name: stopping pid $pid (SIGTERM)"
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 150; i++)); do
    kill -0 "$pid" 2>/dev/null || {
      log "$name: stopped"
      return 0
    }
    sleep 0.1
  done
  log "$name: still running after 15 s, sending SIGKILL to pid $pid"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "$name: pid $pid did not exit after SIGKILL"
  return 1
}

# The entry point of a service script: `SCRIPT up|down|status` runs its cmd_up, cmd_down or cmd_status after
# validate_config.
service_main() {
  [ $# -eq 1 ] || die "usage: scripts/$SCRIPT_NAME up|down|status"
  validate_config
  case $1 in
    up) cmd_up ;;
    down) cmd_down ;;
    status) cmd_status ;;
    *) die "usage: scripts/$SCRIPT_NAME up|down|status" ;;
  esac
}
