# Real components for the test suite. Sourced by scripts/test.sh.
# Each ensure_* reuses a running service when one answers on loopback and
# otherwise installs (Debian packages) and starts a private one under tmp/,
# registering it for stop_started_services.

STARTED_PIDS=()

stop_started_services() {
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  return 0
}

mysql_answers() {
  node scripts/lib/mysql_probe.mjs "$1" >/dev/null 2>&1
}

# Exports DB_HOST/DB_PORT/DB_USER/DB_PASSWORD for a server that accepts root
# over TCP on loopback.
ensure_mysql() {
  export DB_HOST=127.0.0.1 DB_USER="${DB_USER:-root}" DB_PASSWORD="${DB_PASSWORD:-}"
  if [ -n "${DB_PORT:-}" ] && mysql_answers "$DB_PORT"; then
    return 0
  fi
  if mysql_answers 3306; then
    export DB_PORT=3306
    return 0
  fi

  local port=33306 dir="$ROOT/tmp/mariadb"
  export DB_PORT=$port
  if mysql_answers $port; then
    return 0
  fi

  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    echo "test setup: installing mariadb-server" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server) >&2 || return 1
  fi
  local mariadbd; mariadbd="$(command -v mariadbd || echo /usr/sbin/mariadbd)"

  if [ ! -d "$dir/data/mysql" ]; then
    mkdir -p "$dir/data"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/data" \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 || {
      cat "$dir/install.log" >&2
      return 1
    }
  fi
  echo "test setup: starting a private MariaDB on 127.0.0.1:$port" >&2
  "$mariadbd" --no-defaults --user="$(id -un)" --datadir="$dir/data" --port=$port \
    --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" --pid-file="$dir/mysqld.pid" \
    --log-error="$dir/error.log" --innodb-buffer-pool-size=128M &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 60); do
    mysql_answers $port && return 0
    sleep 0.5
  done
  cat "$dir/error.log" >&2
  return 1
}
