#!/usr/bin/env bash
# Runs one benchmark script against a real portal process and MySQL:
#   npm run bench -- api_baseline
# Loopback only. Results are printed; record them in docs/benchmarks.md.
set -uo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
[ -x node_modules/.bin/node ] || npm install --no-audit --no-fund || exit 1
export PATH="$ROOT/node_modules/.bin:$PATH"

# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
trap stop_started_services EXIT
ensure_mysql || { echo "bench: no MySQL/MariaDB server could be found or started" >&2; exit 1; }
ensure_docker || { echo "bench: no Docker engine could be found or started" >&2; exit 1; }

export DB_CONNECTION=mysql DB_DATABASE="${BENCH_DATABASE:-portal_bench}" NODE_ENV=production
export APP_KEY="bench-only-app-key-0123456789abcdefghijkl"
node scripts/lib/mysql_probe.mjs "$DB_PORT" --recreate "$DB_DATABASE" || exit 1
node ace migration:run --force >/dev/null || exit 1

node --import=@poppinss/ts-exec "bench/${1:-api_baseline}.ts"
