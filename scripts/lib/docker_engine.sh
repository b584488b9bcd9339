#!/usr/bin/env bash
# A private Docker engine for the test setup and the demo: one
# implementation, sourced by scripts/lib/services.sh, and runnable on its
# own for programs that are not shell scripts (the demo):
#
#   bash scripts/lib/docker_engine.sh install                  # docker.io when missing
#   bash scripts/lib/docker_engine.sh start DATA_DIR RUN_DIR   # prints the socket
#   bash scripts/lib/docker_engine.sh stop RUN_DIR [DATA_DIR]
#   bash scripts/lib/docker_engine.sh run-dir DIR NAME         # a socket-safe RUN_DIR
#
# The engine keeps images and containers in DATA_DIR and its socket, state
# and pid file in RUN_DIR. It has no bridge network and touches no
# iptables: containers run with network "none" or "host", and nothing
# talks to anything but loopback. It runs in a session of its own, so a
# Ctrl-C in the terminal does not stop it before the containers on it
# were removed: whoever started it stops it with stop_private_docker.

# shellcheck source=scripts/lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

docker_answers() {
  docker -H "unix://$1" version --format '{{.Server.APIVersion}}' >/dev/null 2>&1
}

# The Docker CLI and engine, installed from Debian's docker.io when missing.
ensure_docker_installed() {
  if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
    echo "installing Debian's docker.io (first run only)" >&2
    apt_install docker.io || return 1
  fi
}

# Prints DIR, or a short folder under /tmp named after it when DIR is too
# deep: Unix socket paths are limited to 107 bytes and containerd's sit
# deeper than ours.
private_docker_run_dir() {
  local dir="$1" name="$2"
  if [ ${#dir} -gt 60 ]; then
    dir="/tmp/$name-$(id -u)-$(printf %s "$dir" | cksum | cut -d' ' -f1)"
  fi
  printf '%s\n' "$dir"
}

# Starts an engine with its data in $1 and socket/state in $2, unless one
# already answers there (a run that was killed left it: it is reused).
# Sets PRIVATE_DOCKER_SOCKET; PRIVATE_DOCKER_STARTED=1 when it started one.
start_private_docker() {
  local data="$1" run="$2"
  PRIVATE_DOCKER_SOCKET="$run/docker.sock"
  PRIVATE_DOCKER_STARTED=
  docker_answers "$PRIVATE_DOCKER_SOCKET" && return 0

  mkdir -p "$data" "$run"
  # Its own (empty) daemon.json: a system one must not change this engine.
  echo '{}' >"$run/daemon.json"
  setsid dockerd --config-file "$run/daemon.json" --data-root "$data/root" --exec-root "$run/exec" \
    --pidfile "$run/dockerd.pid" -H "unix://$PRIVATE_DOCKER_SOCKET" --bridge=none --iptables=false \
    --ip6tables=false --ip-masq=false --shutdown-timeout=2 --log-level=warn \
    </dev/null >"$run/dockerd.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 120); do
    if docker_answers "$PRIVATE_DOCKER_SOCKET"; then
      PRIVATE_DOCKER_STARTED=1
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.25
  done
  tail -n 20 "$run/dockerd.log" >&2
  return 1
}

# Stops the engine whose socket/state are in $1 (pid file), waits for it,
# ends containerd shims that outlive it and unmounts what it left under
# $1 and, when given, its data folder $2.
stop_private_docker() {
  local run="$1" data="${2:-}" pid
  pid="$(cat "$run/dockerd.pid" 2>/dev/null)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 80); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.25
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  local shim
  for shim in $(pgrep -f "containerd-shim.*$run/exec/" 2>/dev/null); do
    kill -9 "$shim" 2>/dev/null
  done
  local root
  for root in "$run" ${data:+"$data"}; do
    awk -v root="$root/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
      while read -r mount; do umount "$mount" 2>/dev/null; done
  done
  return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    install) ensure_docker_installed || exit 1 ;;
    start)
      ensure_docker_installed || exit 1
      start_private_docker "$2" "$3" || exit 1
      echo "$PRIVATE_DOCKER_SOCKET"
      ;;
    stop) stop_private_docker "$2" "${3:-}" ;;
    run-dir) private_docker_run_dir "$2" "$3" ;;
    *)
      echo "usage: $0 install | start DATA_DIR RUN_DIR | stop RUN_DIR [DATA_DIR] | run-dir DIR NAME" >&2
      exit 2
      ;;
  esac
fi
