#!/usr/bin/env bash
# The production image's steps without Docker (no image registry needed):
# copies the tree through .dockerignore, runs `npm run build` (the web console
# with Vite, then `node ace build`), installs the build's production
# dependencies only (`npm ci --omit=dev --omit=optional`, as the Dockerfile's
# runtime stage), then, as an unprivileged user that cannot write the code,
# migrates with `node ace migration:run --force` and starts `npm run serve`'s command
# on the embedded SQLite database. Checks the health routes, the API document,
# the web console at "/" with its script, and a clean exit on SIGTERM.
# Everything happens in a scratch folder; the working tree is not touched.
#
#   bash scripts/check_production_build.sh
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

if [ ! -x node_modules/.bin/node ]; then
  echo "production build: run npm install first (Node 24 comes from the node devDependency)" >&2
  exit 1
fi
# Node 24 for this script; the image brings its own and never installs this one.
export PATH="$ROOT/node_modules/.bin:$PATH"

SCRATCH="$(mktemp -d "${TMPDIR:-/tmp}/portal-production-build.XXXXXX")"
chmod 755 "$SCRATCH"
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

began=$SECONDS
step_began=$SECONDS
step() {
  echo "production build: $* (after $((SECONDS - began)) s)"
  step_began=$SECONDS
}
fail() {
  echo "production build: FAILED: $*" >&2
  exit 1
}

# GET <path> on the started server; prints "<status> <body>".
http_get() {
  node -e '
    fetch(process.argv[1], { signal: AbortSignal.timeout(10000) })
      .then(async (r) => console.log(r.status, await r.text()))
      .catch(() => console.log(0))
  ' "http://127.0.0.1:$port$1"
}

step "copying the build context (the tree less .dockerignore)"
mkdir "$SCRATCH/src"
excludes=()
while IFS= read -r pattern; do
  excludes+=("--exclude=$pattern")
done < <(grep -Ev '^[[:space:]]*(#|$)' .dockerignore)
(
  shopt -s dotglob
  tar -cf - --anchored "${excludes[@]}" -- *
) | tar -xf - -C "$SCRATCH/src"

step "npm run build (the web console with Vite, then node ace build)"
# The Dockerfile's build stage installs every dependency from the same lock
# file; here the project's own node_modules stands in for it.
ln -s "$ROOT/node_modules" "$SCRATCH/src/node_modules"
(cd "$SCRATCH/src" && env -i PATH="$PATH" HOME="$HOME" npm run --silent build >"$SCRATCH/build.log" 2>&1) ||
  { cat "$SCRATCH/build.log" >&2; fail "npm run build"; }
[ -f "$SCRATCH/src/build/console/dist/index.html" ] ||
  fail "the build output has no web console (console/dist, copied by node ace build)"

step "npm ci --omit=dev --omit=optional in the build output"
APP="$SCRATCH/app"
cp -a "$SCRATCH/src/build" "$APP"
(cd "$APP" && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error) ||
  fail "npm ci --omit=dev --omit=optional"
# No package the lock file marks as development-only (the "node" package with
# its second Node, TypeScript, the assembler, Japa) may be installed.
dev_installed=$(cd "$APP" && node -e '
  const { existsSync } = require("node:fs")
  const { packages } = require("./package-lock.json")
  const found = Object.entries(packages)
    .filter(([path, entry]) => path && (entry.dev || entry.devOptional) && existsSync(path))
    .map(([path]) => path.replace(/^.*node_modules\//, ""))
  console.log(found.slice(0, 10).join(" "))
')
[ -z "$dev_installed" ] || fail "development packages were installed: $dev_installed"
touch "$SCRATCH/installed.stamp"

# The exact Node the project runs on, copied where the unprivileged user can
# reach it: a checkout under a folder only root may enter (as /root is) hides
# node_modules/.bin/node from "nobody", whose PATH would silently find the
# system's older Node instead.
node_version=$(node --version)
mkdir -p "$SCRATCH/node/bin"
cp "$(node -e 'console.log(process.execPath)')" "$SCRATCH/node/bin/node"
chmod 755 "$SCRATCH/node" "$SCRATCH/node/bin" "$SCRATCH/node/bin/node"
export PATH="$SCRATCH/node/bin:$PATH"

port=$(node -e 'const s = require("node:net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close() })')
mkdir "$SCRATCH/data"
run_env=(
  env -i PATH="$PATH" HOME="$SCRATCH/data" NODE_ENV=production HOST=127.0.0.1 PORT="$port"
  APP_KEY="$(node -e 'console.log(require("node:crypto").randomBytes(32).toString("base64url"))')"
  DATA_DIR="$SCRATCH/data" DB_CONNECTION=sqlite DB_MIGRATE_ON_START=false
  PORTAL_ADMIN_PASSWORD="$(node -e 'console.log(require("node:crypto").randomBytes(16).toString("hex"))')"
  DOCKER_SOCKET="$SCRATCH/no-engine.sock" JOBS_ENABLED=false LOG_LEVEL=warn
)
# As root (CI), run as "nobody" like the image's non-root user: the code is
# then read-only to the portal, and only DATA_DIR is writable.
as_user=()
if [ "$(id -u)" = 0 ]; then
  as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
  seen=$("${as_user[@]}" env -i PATH="$PATH" node --version 2>&1) ||
    fail "user nobody cannot run $SCRATCH/node/bin/node (is ${TMPDIR:-/tmp} reachable by every user?): $seen"
  [ "$seen" = "$node_version" ] ||
    fail "user nobody runs Node $seen instead of the project's $node_version"
  chown 65534:65534 "$SCRATCH/data"
fi

step "node ace migration:run --force${as_user:+ (as nobody)}"
(cd "$APP" && "${as_user[@]}" "${run_env[@]}" node ace migration:run --force >"$SCRATCH/migrate.log" 2>&1) ||
  { cat "$SCRATCH/migrate.log" >&2; fail "node ace migration:run --force"; }

# The image's start command: package.json "serve", `node <flags> bin/server.js`.
read -r -a serve <<<"$(cd "$APP" && node -p 'require("./package.json").scripts.serve')"
step "${serve[*]} on 127.0.0.1:$port"
(cd "$APP" && exec "${as_user[@]}" "${run_env[@]}" "${serve[@]}" >"$SCRATCH/server.log" 2>&1) &
server_pid=$!
live=
deadline=$((SECONDS + 60))
while [ "$SECONDS" -lt "$deadline" ]; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$SCRATCH/server.log" >&2; fail "the server exited"; }
  if [ "$(http_get /health/live)" = '200 {"status":"ok"}' ]; then
    live=1
    break
  fi
  sleep 0.25
done
[ -n "$live" ] || { cat "$SCRATCH/server.log" >&2; fail "/health/live did not answer 200 within 60 s"; }
echo "production build: /health/live answered after $((SECONDS - step_began)) s"

ready=$(http_get /health/ready)
case "$ready" in
  # "degraded": no Docker engine here, which no enabled image needs yet.
  '200 {"status":"ok"'* | '200 {"status":"degraded"'*) ;;
  *) fail "/health/ready: $ready" ;;
esac
document=$(http_get /api/v1/openapi.json)
case "$document" in
  '200 {"openapi":"3.1'*) ;;
  *) fail "/api/v1/openapi.json: ${document:0:200}" ;;
esac
[ "$(http_get /api/docs/assets/swagger-ui.css | head -c 3)" = 200 ] ||
  fail "/api/docs/assets/swagger-ui.css (swagger-ui-dist) did not answer 200"
console_page=$(http_get /)
case "$console_page" in
  '200 <!doctype html>'*'<div id="app">'*) ;;
  *) fail "/ did not answer the web console: ${console_page:0:200}" ;;
esac
console_script=$(printf '%s' "$console_page" | grep -o '/assets/[A-Za-z0-9_.-]*\.js' | head -n 1)
[ -n "$console_script" ] && [ "$(http_get "$console_script" | head -c 3)" = 200 ] ||
  fail "the console's script ${console_script:-(none in the page)} did not answer 200"

step "SIGTERM"
kill -TERM "$server_pid"
status=0
for _ in $(seq 1 120); do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.25
done
if kill -0 "$server_pid" 2>/dev/null; then
  fail "the server still runs 30 s after SIGTERM"
fi
wait "$server_pid" || status=$?
server_pid=
[ "$status" -eq 0 ] || { cat "$SCRATCH/server.log" >&2; fail "the server exited with status $status on SIGTERM"; }

written=$(find "$APP" -newer "$SCRATCH/installed.stamp" -not -path "$APP/node_modules/*" -print | head -n 5)
[ -z "$written" ] || fail "the server wrote into its code folder: $written"

echo "production build: passed in $((SECONDS - began)) s"
