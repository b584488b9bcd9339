# Real components for the test suite. Sourced by scripts/test.sh.
# Each ensure_* reuses a running service when one answers on loopback and
# otherwise installs (Debian packages) and starts a private one under tmp/,
# registering it for stop_started_services.

# shellcheck source=scripts/lib/apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
# shellcheck source=scripts/lib/docker_engine.sh
source "$(dirname "${BASH_SOURCE[0]}")/docker_engine.sh"

STARTED_PIDS=()
# State folders of the private Docker engines started here.
STARTED_ENGINES=()

stop_started_services() {
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  for run in "${STARTED_ENGINES[@]:-}"; do
    [ -n "$run" ] && stop_private_docker "$run"
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
    apt_install mariadb-server || return 1
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

# Exports DOCKER_SOCKET for a Docker engine that answers and holds the test
# images (scripts/lib/build_test_images.sh): the one on an exported
# DOCKER_SOCKET, otherwise a private one (scripts/lib/docker_engine.sh).
ensure_docker() {
  ensure_docker_installed || return 1

  if [ -n "${DOCKER_SOCKET:-}" ]; then
    if docker_answers "$DOCKER_SOCKET"; then
      bash scripts/lib/build_test_images.sh "$DOCKER_SOCKET"
      return
    fi
    echo "test setup: no Docker engine answers on $DOCKER_SOCKET, starting a private one" >&2
  fi

  local dir
  dir="$(private_docker_run_dir "$ROOT/tmp/docker${TEST_SLOT:+-slot$TEST_SLOT}" portal-docker${TEST_SLOT:+-slot$TEST_SLOT})"
  docker_answers "$dir/docker.sock" ||
    echo "test setup: starting a private Docker engine on $dir/docker.sock" >&2
  start_private_docker "$dir" "$dir" || return 1
  export DOCKER_SOCKET="$PRIVATE_DOCKER_SOCKET"
  if [ -n "$PRIVATE_DOCKER_STARTED" ]; then
    STARTED_ENGINES+=("$dir")
    # Containers a killed earlier run left behind (the engine is ours alone).
    docker -H "unix://$DOCKER_SOCKET" container prune -f >/dev/null
  fi
  bash scripts/lib/build_test_images.sh "$DOCKER_SOCKET"
}

# A Compose implementation to validate docker-compose.yml with
# (tests/integration/deployment_files.spec.ts): the Docker CLI's "compose"
# plugin when present, otherwise Debian's docker-compose, installed when missing.
ensure_docker_compose() {
  if docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null 2>&1; then
    return 0
  fi
  echo "test setup: installing docker-compose" >&2
  apt_install docker-compose
}

# Debian's SimpleSAMLphp, a real third-party SAML IdP for
# tests/integration/simplesamlphp.spec.ts (which runs it under "php -S" on
# loopback with a configuration of its own). The package also pulls in an
# HTTP server (apache2), which nothing here starts or uses.
simplesamlphp_usable() {
  [ -f /usr/share/simplesamlphp/www/saml2/idp/SSOService.php ] &&
    command -v php >/dev/null 2>&1 &&
    php -r 'exit(extension_loaded("dom") && extension_loaded("mbstring") ? 0 : 1);' >/dev/null 2>&1
}

ensure_simplesamlphp() {
  simplesamlphp_usable && return 0
  echo "test setup: installing simplesamlphp and php-cli" >&2
  apt_install --no-install-recommends simplesamlphp php-cli php-xml php-mbstring || return 1
  simplesamlphp_usable
}

# Debian's Jupyter Notebook (the package the demo's Jupyter image is built
# from) for tests/integration/jupyter_activity.spec.ts, which runs it as a
# process on loopback and reads its /api/status like the portal does.
ensure_jupyter() {
  [ -x /usr/bin/jupyter-notebook ] && return 0
  echo "test setup: installing jupyter-notebook" >&2
  apt_install --no-install-recommends jupyter-notebook
}

# Debian's Chromium for the browser suite (tests/browser), installed when
# missing; no browser is ever downloaded. tests/helpers/browser.ts launches
# /usr/bin/chromium and fails loudly when it is absent.
ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  echo "test setup: installing chromium" >&2
  apt_install chromium
}
