#!/usr/bin/env bash
# Builds the web console (console/ → console/dist) with Vite; the portal
# serves the result at "/". "npm start" and "npm run dev" call it with
# --if-missing (a fresh clone has no build); scripts/test.sh builds every run
# (well under a second), so the browser tests see the current sources.
#
#   bash scripts/build_console.sh               # always build
#   bash scripts/build_console.sh --if-missing  # only when console/dist has no index.html
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ "${1:-}" = "--if-missing" ] && [ -f console/dist/index.html ]; then
  exit 0
fi
if [ ! -x node_modules/.bin/vite ]; then
  echo "console build: run npm install first (Vite is a development dependency)" >&2
  exit 1
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
echo "console build: vite build → console/dist" >&2
vite build --config console/vite.config.ts --logLevel warn
