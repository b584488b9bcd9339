#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine (see README): brings up the
# real components the tests need, runs every Japa suite, prints the plain
# "N passed, N failed" line, and stops whatever it started.
#
#   npm test                      # everything: all suites on MySQL, functional on SQLite
#   npm test -- unit              # extra arguments go to "node ace test" (MySQL only)
#   TEST_DB=sqlite npm test -- functional   # on SQLite (TEST_DB=mysql|sqlite|both)
#   TEST_SLOT=2 npm test -- --files=tests/unit/x.spec.ts   # beside another run
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ ! -x node_modules/.bin/node ]; then
  npm install --no-audit --no-fund || exit 1
fi
# Node 24 comes from the "node" devDependency; npm already puts it first on
# PATH for "npm test", this makes the script work when called directly too.
export PATH="$ROOT/node_modules/.bin:$PATH"

mkdir -p tmp
SUMMARY_FILE="$ROOT/tmp/test-summary.json"
if [ -n "${TEST_SLOT:-}" ]; then
  # shellcheck source=scripts/lib/test_slot.sh
  source scripts/lib/test_slot.sh
  SUMMARY_FILE="$ROOT/tmp/slot-$TEST_SLOT/test-summary.json"
fi
rm -f "$SUMMARY_FILE" "$ROOT/${LOG_FILE:-tmp/test.log}"

# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
trap stop_started_services EXIT

ensure_mysql || { echo "0 passed, 1 failed"; echo "test setup: no MySQL/MariaDB server could be found or started" >&2; exit 1; }
ensure_docker || { echo "0 passed, 1 failed"; echo "test setup: no Docker engine could be found or started" >&2; exit 1; }
ensure_chromium || echo "test setup: Debian's chromium could not be installed (the browser suite will fail)" >&2
# The console the browser suite drives and the portal serves at "/": built
# every run (under a second) so the tests see the current sources.
bash scripts/build_console.sh || { echo "0 passed, 1 failed"; echo "test setup: the web console did not build" >&2; exit 1; }
ensure_docker_compose || echo "test setup: no docker compose could be found or installed (tests/integration/deployment_files.spec.ts will fail)" >&2
ensure_simplesamlphp || echo "test setup: SimpleSAMLphp could not be found or installed (tests/integration/simplesamlphp.spec.ts will fail)" >&2
ensure_jupyter || echo "test setup: Debian's jupyter-notebook could not be installed (tests/integration/jupyter_activity.spec.ts will fail)" >&2

# A fresh test database per run; tests share it through per-test transactions.
export DB_DATABASE="${DB_DATABASE:-portal_test}"
node scripts/lib/mysql_probe.mjs "$DB_PORT" --recreate "$DB_DATABASE" || { echo "0 passed, 1 failed"; exit 1; }
# Guacamole's schema (JDBC module) in a scratch database on the same server, for the access tests.
export GUACAMOLE_DB_HOST="$DB_HOST" GUACAMOLE_DB_PORT="$DB_PORT" GUACAMOLE_DB_USER="$DB_USER" \
  GUACAMOLE_DB_PASSWORD="${DB_PASSWORD:-}" GUACAMOLE_DB_DATABASE="${GUACAMOLE_DB_DATABASE:-guacamole_test}"
node scripts/lib/mysql_probe.mjs "$DB_PORT" --recreate "$GUACAMOLE_DB_DATABASE" database/guacamole/schema.sql || { echo "0 passed, 1 failed"; exit 1; }

# Which databases the suites run on: TEST_DB=mysql, sqlite or both. A whole
# run (no arguments) does both; a run of chosen files or suites, MySQL only.
test_db="${TEST_DB:-$([ $# -eq 0 ] && echo both || echo mysql)}"
status=0
summaries=()

if [ "$test_db" != sqlite ]; then
  TEST_SUMMARY_FILE="$SUMMARY_FILE" node ace test "$@" || status=1
  summaries+=("$SUMMARY_FILE")
fi

# The embedded default is what every newcomer runs: the functional suite
# (every route family, the real engine and outside systems included) runs
# again on SQLite, a fresh file per run, in a time zone far from UTC so
# that no code can lean on the server's clock being UTC.
if [ "$test_db" != mysql ]; then
  sqlite_dir="$ROOT/tmp/${TEST_SLOT:+slot-$TEST_SLOT/}sqlite"
  rm -rf "$sqlite_dir" && mkdir -p "$sqlite_dir"
  sqlite_args=("$@")
  [ $# -eq 0 ] && sqlite_args=(functional)
  echo "== on SQLite: node ace test ${sqlite_args[*]}"
  DB_CONNECTION=sqlite DB_SQLITE_FILE="$sqlite_dir/portal.sqlite" TZ=Pacific/Chatham \
    LOG_FILE="${LOG_FILE:-tmp/test.log}.sqlite" TEST_SUMMARY_FILE="$sqlite_dir/test-summary.json" \
    node ace test "${sqlite_args[@]}" || status=1
  summaries+=("$sqlite_dir/test-summary.json")
fi

node scripts/lib/print_summary.mjs "${summaries[@]}" || status=1
exit $status
