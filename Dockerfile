# syntax=docker/dockerfile:1
#
# Facility Portal image: the production build (`node ace build`) on the
# official Node 24 image, with production dependencies only, as a non-root
# user. Migrations are a separate step (`node ace migration:run --force`:
# the compose file's "portal-migrate" service, the Kubernetes Deployment's
# init container); see docs/operations.md.
#
#   docker build -t facility-portal:0.1.0 .
#
# scripts/check_production_build.sh repeats the build and install steps
# below without Docker and starts the result.

ARG NODE_IMAGE=node:24-bookworm-slim

#----------------------------------------------------------------------
# Build: every dependency, the web console built, TypeScript compiled into /src/build
#----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src

# Dependencies first, so this layer is reused until the lock file changes.
# --ignore-scripts: the "node" devDependency would download a second Node 24
# (the image has one), and no other package needs its install script.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

COPY . .
# The web console (Vite, into console/dist), then the server; node ace build
# copies console/dist into the build output.
RUN npm run build

#----------------------------------------------------------------------
# Runtime: the build output and its production dependencies
#----------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# Listen on every interface of the container; production settings. DATA_DIR
# only matters for the embedded SQLite mode (mount a volume there).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3333 \
    DATA_DIR=/var/lib/facility-portal \
    npm_config_update_notifier=false

WORKDIR /app

# --omit=optional too: with --omit=dev alone npm keeps the lock file's
# "devOptional" packages (the assembler, TypeScript, Japa: optional peers of
# @adonisjs/core). better-sqlite3 loads the prebuilt binary it ships, so no
# compiler is needed and install scripts stay off here too.
COPY --from=build /src/build/package.json /src/build/package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# The code stays owned by root: the portal's user cannot change it.
COPY --from=build /src/build ./

# A numeric non-root user, so Kubernetes' runAsNonRoot can verify it.
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --no-create-home \
       --home-dir /var/lib/facility-portal --shell /usr/sbin/nologin portal \
    && install -d -o portal -g portal -m 0750 /var/lib/facility-portal
USER 10001:10001

EXPOSE 3333

# The image has no curl: Node's fetch asks the liveness route.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT ?? 3333}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# The server finishes in-flight requests on SIGTERM (docker stop, Kubernetes).
STOPSIGNAL SIGTERM
# As package.json "serve": a young generation of at most 2 × 16 MiB instead
# of V8's default (up to 2 × 64 MiB on a large host), docs/deployment.md "Memory".
CMD ["node", "--max-semi-space-size=16", "--min-semi-space-size=16", "--initial-old-space-size=64", "--heap-growing-percent=50", "bin/server.js"]
