# Small helpers shared by the network scripts: messages, processes by PID file, waiting.

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

require_commands() {
  local missing=()
  for cmd in "$@"; do command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd"); done
  ((${#missing[@]} == 0)) || die "missing prerequisites: ${missing[*]} (install them, then run again)"
}

# write_private FILE: writes standard input to FILE, readable by its owner only, also when FILE
# existed with wider permissions.
write_private() {
  cat >"$1.new"
  chmod 600 "$1.new"
  mv "$1.new" "$1"
}

# port_in_use PORT [ORG]: something listens on PORT on ORG's host (this host's network by default).
port_in_use() { in_org "${2:-}" ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

pid_of() { local f=$PIDS/$1.pid; [[ -f $f ]] && cat "$f"; }

is_running() {
  local pid
  pid=$(pid_of "$1") || return 1
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

# start_process NAME PORT... -- COMMAND...: runs COMMAND in the background on the host of NAME's
# organisation (topology.sh), with its own log and PID file, after checking that none of its ports
# is taken by something else.
start_process() {
  local name=$1 org; shift
  org=$(org_of "$name")
  local ports=()
  while [[ $1 != -- ]]; do ports+=("$1"); shift; done
  shift
  if is_running "$name"; then log "$name already running (pid $(pid_of "$name"))"; return 0; fi
  for port in "${ports[@]}"; do
    port_in_use "$port" "$org" && die "$name: port $port is already in use (see: ss -ltnp 'sport = :$port')"
  done
  mkdir -p "$LOGS" "$PIDS"
  # `ip netns exec` and setsid exec the command: the PID recorded is the process's own.
  setsid $(in_org_prefix "$org") "$@" >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# stop_process NAME [SIGNAL]: stops the recorded process and waits for it to exit.
stop_process() {
  local name=$1 signal=${2:-TERM} pid
  pid=$(pid_of "$name") || return 0
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
  rm -f "$PIDS/$name.pid"
}

# wait_until DESCRIPTION SECONDS NAME COMMAND...: polls COMMAND until it succeeds; fails early
# with the log's tail when process NAME died meanwhile.
wait_until() {
  local what=$1 seconds=$2 name=$3; shift 3
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    if [[ -n $name ]] && ! is_running "$name"; then
      tail -n 20 "$LOGS/$name.log" >&2 2>/dev/null
      die "$name exited while waiting for $what (log: $LOGS/$name.log)"
    fi
    ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for $what (log: $LOGS/$name.log)"
    sleep 0.2
  done
}

http_ok() { curl -fs --max-time 2 "$@" >/dev/null; }
