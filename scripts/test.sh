#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine (see README): brings up the
# real components the tests need, runs every Japa suite, prints the plain
# "N passed, N failed" line, and stops whatever it started.
#
#   npm test                      # everything
#   npm test -- --suites=unit     # extra arguments go to "node ace test"
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
ensure_docker_compose || echo "test setup: no docker compose could be found or installed (tests/integration/deployment_files.spec.ts will fail)" >&2

# A fresh test database per run; tests share it through per-test transactions.
export DB_DATABASE="${DB_DATABASE:-portal_test}"
node scripts/lib/mysql_probe.mjs "$DB_PORT" --recreate "$DB_DATABASE" || { echo "0 passed, 1 failed"; exit 1; }
# Guacamole's schema (JDBC module) in a scratch database on the same server, for the access tests.
export GUACAMOLE_DB_HOST="$DB_HOST" GUACAMOLE_DB_PORT="$DB_PORT" GUACAMOLE_DB_USER="$DB_USER" \
  GUACAMOLE_DB_PASSWORD="${DB_PASSWORD:-}" GUACAMOLE_DB_DATABASE="${GUACAMOLE_DB_DATABASE:-guacamole_test}"
node scripts/lib/mysql_probe.mjs "$DB_PORT" --recreate "$GUACAMOLE_DB_DATABASE" database/guacamole/schema.sql || { echo "0 passed, 1 failed"; exit 1; }

TEST_SUMMARY_FILE="$SUMMARY_FILE" node ace test "$@"
status=$?

node scripts/lib/print_summary.mjs "$SUMMARY_FILE" || status=1
exit $status
