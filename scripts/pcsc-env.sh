#!/usr/bin/env bash
# Starts/stops a pcscd for tests, with vsmartcard's vpcd virtual readers
# ("Virtual PCD 00 00" on TCP 35963, "Virtual PCD 00 01" on 35964; the card side connects
# to them, see scripts/vpcd_echo.py and docs/pcsc-testing.md).
#
#   scripts/pcsc-env.sh start    start pcscd in the background, wait until it answers
#   scripts/pcsc-env.sh stop     stop the pcscd this script started (never a foreign one)
#   scripts/pcsc-env.sh status   say what runs and list the readers
#
# Idempotent: "start" when ours already runs, or "stop" when nothing runs, succeed quietly.
# If a pcscd not started by this script already serves the vpcd readers, "start" uses it
# and "stop" leaves it alone.
# State (pid file, log): $KILN_PCSC_DIR, default ${TMPDIR:-/tmp}/kiln-pcsc.
# Env: KILN_PCSCD_DEBUG=1  log at debug level (very verbose: every poll and APDU)
#      KILN_PCSCD_AUTO_EXIT=0  keep running when idle (default: pcscd --auto-exit, i.e. it
#      quits by itself after 60 s without any PC/SC client, so a crashed test run cannot
#      leave a daemon behind)
# pcscd needs root (it creates /run/pcscd); as a normal user the script uses `sudo -n`.
set -euo pipefail
cd "$(dirname "$0")/.."

STATE_DIR="${KILN_PCSC_DIR:-${TMPDIR:-/tmp}/kiln-pcsc}"
PIDFILE="$STATE_DIR/pcscd.pid"
LOG="$STATE_DIR/pcscd.log"
READER="Virtual PCD 00 00"
VPCD_CONF=/etc/reader.conf.d/vpcd
SYS_PIDFILE=/run/pcscd/pcscd.pid
TOOL=(python3 scripts/pcsc_tool.py)

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo -n"

say() { printf 'pcsc-env: %s\n' "$*" >&2; }
alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
our_pid() { [[ -f "$PIDFILE" ]] && cat "$PIDFILE" 2>/dev/null || true; }
sys_pid() { [[ -f "$SYS_PIDFILE" ]] && tr -dc '0-9' <"$SYS_PIDFILE" 2>/dev/null || true; }

# True when something listens on local TCP port $1 (reads /proc, no extra tools).
listening() {
  local hex
  hex=$(printf '%04X' "$1")
  awk -v p=":$hex" '$2 ~ p"$" && $4 == "0A" { found = 1 } END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# True when a pcscd answers and lists the vpcd reader.
answers() {
  local out
  out=$("${TOOL[@]}" readers 2>/dev/null) || return 1
  [[ $'\n'"$out" == *$'\n'"$READER"$'\t'* ]]
}

start() {
  mkdir -p "$STATE_DIR"
  local pid
  pid=$(our_pid)
  if alive "$pid"; then
    answers && { say "already running (pid $pid)"; return 0; }
    say "pcscd (pid $pid) runs but does not answer; restarting it"
    stop
  fi
  rm -f "$PIDFILE"

  pid=$(sys_pid)
  if alive "$pid"; then
    if answers; then
      say "using the pcscd already running (pid $pid, not started here; 'stop' leaves it alone)"
      return 0
    fi
    say "a pcscd not started by this script runs (pid $pid) without the vpcd readers;"
    say "stop it (or restart it after installing vsmartcard-vpcd), then retry"
    return 1
  fi

  command -v pcscd >/dev/null || { say "pcscd is not installed (scripts/setup.sh installs it)"; return 1; }
  [[ -f "$VPCD_CONF" ]] || { say "$VPCD_CONF missing: install vsmartcard-vpcd"; return 1; }
  for port in 35963 35964; do
    if listening "$port"; then
      say "TCP port $port is already in use; vpcd needs it"
      return 1
    fi
  done

  local args=(--foreground)
  [[ "${KILN_PCSCD_DEBUG:-0}" == 1 ]] && args+=(--debug --apdu)
  [[ "${KILN_PCSCD_AUTO_EXIT:-1}" == 1 ]] && args+=(--auto-exit)
  # setsid: its own session, so a Ctrl-C aimed at the test runner does not hit it first.
  $SUDO setsid pcscd "${args[@]}" >"$LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PIDFILE"

  local i
  for ((i = 0; i < 100; i++)); do
    if ! alive "$pid"; then
      say "pcscd exited during start-up; log $LOG:"
      tail -n 20 "$LOG" >&2 || true
      rm -f "$PIDFILE"
      return 1
    fi
    if answers; then
      say "pcscd $(pcscd --version 2>/dev/null | sed -n 's/^pcsc-lite version \(.*\)\.$/\1/p') running (pid $pid, log $LOG)"
      return 0
    fi
    sleep 0.1
  done
  say "pcscd did not list '$READER' within 10 s; log $LOG:"
  tail -n 20 "$LOG" >&2 || true
  stop
  return 1
}

stop() {
  local pid i
  pid=$(our_pid)
  if ! alive "$pid"; then
    rm -f "$PIDFILE"
    return 0
  fi
  $SUDO kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    alive "$pid" || break
    sleep 0.1
  done
  if alive "$pid"; then
    say "pcscd (pid $pid) ignored SIGTERM; killing it"
    $SUDO kill -KILL "$pid" 2>/dev/null || true
    $SUDO rm -f /run/pcscd/pcscd.comm /run/pcscd/pcscd.pid
  fi
  wait "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
  say "pcscd stopped"
}

status() {
  local pid
  pid=$(our_pid)
  if alive "$pid"; then
    echo "pcscd running (pid $pid, started by pcsc-env.sh, log $LOG)"
  elif alive "$(sys_pid)"; then
    echo "pcscd running (pid $(sys_pid), not started by pcsc-env.sh)"
  else
    [[ -f "$PIDFILE" ]] && rm -f "$PIDFILE"
    echo "pcscd not running"
    return 3
  fi
  "${TOOL[@]}" readers
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
