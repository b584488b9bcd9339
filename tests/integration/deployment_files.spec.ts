import { test } from '@japa/runner'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import mysql from 'mysql2/promise'
import { PrivateMysql } from '#tests/helpers/private_mysql'
import { runAce } from '#tests/helpers/portal_process'
import { schema as envSchema } from '#start/env'

/*
| The files an operator deploys with: the Dockerfile and .dockerignore, and
| docker-compose.yml validated by a real Compose implementation (installed by
| scripts/lib/services.sh) plus the invariants that tie it to the portal; its
| MariaDB first-start script run against a real MariaDB; and the migration
| lock the Kubernetes init containers rely on.
*/

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml')
const COMPOSE_EXAMPLE = join(ROOT, '.env.compose.example')
const MARIADB_INIT = join(ROOT, 'deploy/compose/mariadb-init')

type Result = { code: number | null; stdout: string; stderr: string }

/** Runs a command with only PATH and HOME from the test's environment (plus `env`). */
async function run(command: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const [code] = await Promise.race([
    once(child, 'exit'),
    once(child, 'error').then(([error]) => [`${error.code}`]),
  ])
  return { code: typeof code === 'number' ? code : null, stdout, stderr: stderr || `${code}` }
}

/** `docker compose` (the CLI plugin) or Debian's docker-compose; none is a failure. */
async function composeCommand() {
  if ((await run('docker', ['compose', 'version'])).code === 0) {
    return ['docker', 'compose']
  }
  if ((await run('docker-compose', ['version'])).code === 0) {
    return ['docker-compose']
  }
  throw new Error(
    'no Compose implementation ("docker compose" or docker-compose) to validate docker-compose.yml: ' +
      "scripts/lib/services.sh installs Debian's docker-compose when the suite runs through npm test"
  )
}

async function composeConfig(envFile: string): Promise<Result> {
  const [command, ...args] = await composeCommand()
  return run(command, [...args, '--env-file', envFile, '--file', COMPOSE_FILE, 'config', '--quiet'])
}

/** KEY=VALUE lines of an env file, in order. */
function envEntries(text: string) {
  return [...text.matchAll(/^([A-Z][A-Z0-9_]*)=(.*)$/gm)].map(([, key, value]) => ({ key, value }))
}

/** Variables docker-compose.yml interpolates, and those it requires (`${NAME:?…}`). */
function composeVariables(text: string) {
  const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]))
  const required = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*):\?/g)].map((m) => m[1]))
  return { used, required }
}

/** The example env file with every value it leaves empty filled in, as an operator would. */
async function filledEnvFile(dir: string, blank?: string) {
  const lines = envEntries(await readFile(COMPOSE_EXAMPLE, 'utf8')).map(({ key, value }) => {
    if (key === blank) {
      return `${key}=`
    }
    if (value) {
      return `${key}=${value}`
    }
    return `${key}=${key === 'DOCKER_SOCKET_GID' ? '999' : randomBytes(32).toString('hex')}`
  })
  const file = join(dir, blank ? `blank-${blank}.env` : 'filled.env')
  await writeFile(file, lines.join('\n') + '\n', { mode: 0o600 })
  return file
}

async function compose() {
  return parse(await readFile(COMPOSE_FILE, 'utf8')) as Record<string, any>
}

async function declaredVariables() {
  return new Set(Object.keys(envSchema))
}

function seconds(duration: string) {
  const match = /^(\d+)s$/.exec(duration)
  if (!match) {
    throw new Error(`unexpected duration "${duration}"`)
  }
  return Number(match[1])
}

/** Dockerfile instructions (continuation lines joined), each with the index of its stage. */
async function dockerfile() {
  const text = (await readFile(join(ROOT, 'Dockerfile'), 'utf8')).replace(/\\\n/g, ' ')
  let stage = -1
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/)
      if (keyword === 'FROM') {
        stage++
      }
      return { keyword, args: rest.join(' '), stage }
    })
}

test.group('Dockerfile', () => {
  test('builds on the official Node 24 image in two stages, the second without build tools', async ({
    assert,
  }) => {
    const instructions = await dockerfile()
    const [base] = instructions
    assert.deepEqual(base, { keyword: 'ARG', args: 'NODE_IMAGE=node:24-bookworm-slim', stage: -1 })
    assert.deepEqual(
      instructions.filter(({ keyword }) => keyword === 'FROM').map(({ args }) => args),
      ['${NODE_IMAGE} AS build', '${NODE_IMAGE} AS runtime']
    )
    const build = instructions.filter(({ stage }) => stage === 0)
    const runtime = instructions.filter(({ stage }) => stage === 1)
    const runs = (stage: typeof build) =>
      stage.filter(({ keyword }) => keyword === 'RUN').map(({ args }) => args)

    assert.include(runs(build), 'npm ci --ignore-scripts --no-audit --no-fund')
    // "npm run build": the web console (Vite), then node ace build, which copies it in.
    assert.include(runs(build), 'npm run build')
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    assert.equal(scripts.build, 'npm run build:console && node ace build')
    assert.isTrue(
      runs(runtime).some((args) =>
        args.startsWith('npm ci --omit=dev --omit=optional --ignore-scripts ')
      ),
      'production dependencies only'
    )
    for (const { args } of runtime.filter(({ keyword }) => keyword === 'COPY')) {
      assert.match(args, /^--from=build \/src\/build[/ ]/, 'only the build output crosses stages')
    }
    // scripts/check_production_build.sh installs the same way.
    const script = await readFile(join(ROOT, 'scripts/check_production_build.sh'), 'utf8')
    assert.include(script, 'npm ci --omit=dev --omit=optional --ignore-scripts ')
    assert.include(script, 'npm run --silent build ')
  })

  test('runs the server as a numeric non-root user, with a health check on /health/live', async ({
    assert,
  }) => {
    const runtime = (await dockerfile()).filter(({ stage }) => stage === 1)
    const last = (keyword: string) => runtime.findLast((entry) => entry.keyword === keyword)!
    const index = (keyword: string) => runtime.findLastIndex((entry) => entry.keyword === keyword)

    const [uid, gid] = last('USER').args.split(':').map(Number)
    assert.isAbove(uid, 0)
    assert.isAbove(gid, 0)
    assert.isAbove(index('USER'), index('RUN'), 'nothing runs as root after USER')

    const environment = last('ENV').args
    assert.include(environment, 'NODE_ENV=production')
    assert.include(environment, 'HOST=0.0.0.0')
    const port = /PORT=(\d+)/.exec(environment)![1]
    assert.equal(last('EXPOSE').args, port)

    assert.include(last('HEALTHCHECK').args, '/health/live')
    assert.include(last('HEALTHCHECK').args, 'process.env.PORT ?? 3333')
    // The start command with its Node flags (docs/deployment.md, "Memory"), as `npm run serve`.
    const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
    assert.deepEqual(JSON.parse(last('CMD').args), scripts.serve.split(' '))
    assert.match(scripts.serve, /^node (--[a-z-]+=\d+ )*bin\/server\.js$/)
  })

  test('.dockerignore keeps secrets and local state out, and everything the build needs in', async ({
    assert,
  }) => {
    const patterns = (await readFile(join(ROOT, '.dockerignore'), 'utf8'))
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'))
    for (const kept of ['.env', '.env.*', '.git', 'node_modules', 'build', 'storage', 'tmp']) {
      assert.include(patterns, kept)
    }
    assert.notInclude(patterns.join('\n'), '!', 'no exceptions: the check script copies with tar')
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'adonisrc.ts',
      'ace.js',
      ...['app', 'bin', 'commands', 'config', 'database', 'providers', 'start', 'tests'],
    ]
    for (const path of needed) {
      assert.notInclude(patterns, path)
    }
  })
})

test.group('docker-compose.yml', (group) => {
  let dir: string
  group.setup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portal-compose-'))
    return () => rm(dir, { recursive: true, force: true })
  })

  test('is a valid Compose file once the example env file is filled in', async ({ assert }) => {
    const result = await composeConfig(await filledEnvFile(dir))
    assert.equal(result.code, 0, result.stderr)
  })

  test('refuses to start while any value the example leaves empty is missing', async ({
    assert,
  }) => {
    const text = await readFile(COMPOSE_FILE, 'utf8')
    const { required } = composeVariables(text)
    const empty = envEntries(await readFile(COMPOSE_EXAMPLE, 'utf8'))
      .filter(({ value }) => value === '')
      .map(({ key }) => key)
      .filter((key) => required.has(key))
    assert.includeMembers(empty, ['PORTAL_APP_KEY', 'PORTAL_DB_PASSWORD', 'DOCKER_SOCKET_GID'])

    const unfilled = await composeConfig(COMPOSE_EXAMPLE)
    assert.notEqual(unfilled.code, 0)
    for (const key of empty) {
      const result = await composeConfig(await filledEnvFile(dir, key))
      assert.notEqual(result.code, 0, key)
      assert.include(result.stderr + result.stdout, `set ${key} in the env file`)
    }
  })

  test('every variable it uses is documented in .env.compose.example', async ({ assert }) => {
    const { used } = composeVariables(await readFile(COMPOSE_FILE, 'utf8'))
    const documented = envEntries(await readFile(COMPOSE_EXAMPLE, 'utf8')).map(({ key }) => key)
    assert.sameMembers(
      [...used],
      documented.filter((key) => key !== 'COMPOSE_PROJECT_NAME')
    )
  })

  test('runs the whole stack, each long-running service health-checked and started in order', async ({
    assert,
  }) => {
    const { services } = await compose()
    assert.sameMembers(Object.keys(services), [
      'portal',
      'mariadb',
      'guacamole-schema',
      'guacd',
      'guacamole',
    ])
    for (const [name, service] of Object.entries<any>(services)) {
      if (service.restart === 'no') {
        continue
      }
      assert.equal(service.restart, 'unless-stopped', name)
      assert.isNotEmpty(service.healthcheck?.test, `${name} has a health check`)
      for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
        const expected =
          services[dependency].restart === 'no'
            ? 'service_completed_successfully'
            : 'service_healthy'
        assert.equal(condition, expected, `${name} → ${dependency}`)
      }
    }
    assert.equal(services.portal.depends_on.mariadb.condition, 'service_healthy')
    assert.equal(
      services.mariadb.depends_on['guacamole-schema'].condition,
      'service_completed_successfully'
    )
    assert.include(services.portal.healthcheck.test.at(-1), 'http://127.0.0.1:3333/health/live')
  })

  test('gives the portal only variables it declares, and migrates with its one container', async ({
    assert,
  }) => {
    const { services } = await compose()
    const declared = await declaredVariables()
    const environment = services.portal.environment
    for (const name of Object.keys(environment)) {
      assert.isTrue(declared.has(name), `${name} is not in start/env.ts`)
    }
    assert.equal(environment.NODE_ENV, 'production')
    assert.equal(environment.DB_CONNECTION, 'mysql')
    assert.equal(environment.DB_MIGRATE_ON_START, 'true')
    assert.equal(environment.PORT, '3333')
    assert.isUndefined(services.portal.deploy?.replicas)
    assert.isAtLeast(
      seconds(services.portal.stop_grace_period),
      Number(environment.SHUTDOWN_TIMEOUT) + 5,
      'docker stop waits longer than the shutdown takes'
    )
  })

  test('isolates environments and gives only the portal and guacd the access network', async ({
    assert,
  }) => {
    const { services, networks } = await compose()
    assert.equal(services.portal.environment.DOCKER_NETWORK, 'isolated')
    // The bridge name deploy/docker/environment_firewall.sh admits by default.
    const workloads = Object.entries<any>(networks).find(
      ([, network]) => network.driver_opts?.['com.docker.network.bridge.name'] === 'portal-access'
    )
    assert.exists(workloads, 'the access network has the bridge name the firewall expects')
    const [key, network] = workloads!
    assert.notEqual(key, 'default')
    assert.notEqual(network.internal, true, 'guacd routes to environment networks')
    assert.isTrue(networks.backend.internal)
    // Whichever network is the portal's default route, its bridge is admitted.
    assert.equal(networks.frontend.driver_opts['com.docker.network.bridge.name'], 'portal-front')
    const script = await readFile(join(ROOT, 'deploy/docker/environment_firewall.sh'), 'utf8')
    assert.include(script, 'setting PORTAL_ACCESS_BRIDGE portal-access,portal-front')
    const attached = Object.entries<any>(services)
      .filter(([, service]) => (service.networks ?? []).includes(key))
      .map(([name]) => name)
    assert.sameMembers(attached, ['portal', 'guacd'])
    assert.deepEqual(services.mariadb.networks, ['backend'])
    assert.equal(services['guacamole-schema'].network_mode, 'none')
    for (const service of [services.portal, services.guacamole]) {
      for (const port of service.ports) {
        assert.match(port, /^\$\{PUBLISH_ADDRESS:-127\.0\.0\.1\}:/, 'loopback unless told')
      }
    }
  })

  test('trusts exactly the gateway the published ports are reached through as a proxy', async ({
    assert,
  }) => {
    const { services, networks } = await compose()
    const [frontend] = networks.frontend.ipam.config
    // Unset, each falls back on its default ("${NAME:-default}").
    const fallback = (value: string) => /^\$\{[A-Z_]+:-([^}]+)\}$/.exec(value)?.[1]
    const gateway = fallback(frontend.gateway)
    assert.match(gateway ?? '', /^\d+\.\d+\.\d+\.1$/)
    assert.isTrue(fallback(frontend.subnet)?.startsWith(gateway!.replace(/1$/, '0/')))
    assert.equal(fallback(services.portal.environment.TRUSTED_PROXIES), gateway)
    assert.notInclude(services.portal.environment.TRUSTED_PROXIES, 'loopback')
    assert.include(services.portal.networks, 'frontend')
    const example = envEntries(await readFile(COMPOSE_EXAMPLE, 'utf8'))
    const value = (key: string) => example.find((entry) => entry.key === key)?.value
    assert.equal(value('PORTAL_TRUSTED_PROXIES'), value('PORTAL_FRONTEND_GATEWAY'))
  })

  test('mounts the Docker socket and the facility data read-only at the host paths', async ({
    assert,
  }) => {
    const { portal } = (await compose()).services
    const environment = portal.environment
    assert.include(portal.volumes, `${environment.DOCKER_SOCKET}:${environment.DOCKER_SOCKET}`)
    assert.lengthOf(portal.group_add, 1)
    for (const root of ['DATASETS_ROOT', 'OUTPUT_ROOT']) {
      const mount = portal.volumes.find(
        (volume: any) => typeof volume === 'object' && volume.target === environment[root]
      )
      assert.exists(mount, root)
      assert.equal(mount.type, 'bind')
      assert.equal(mount.source, mount.target, 'the same path inside and outside')
      assert.isTrue(mount.read_only)
    }
  })

  test('hardens the portal container', async ({ assert }) => {
    const { portal } = (await compose()).services
    assert.isTrue(portal.read_only)
    assert.deepEqual(portal.tmpfs, ['/tmp'])
    assert.deepEqual(portal.cap_drop, ['ALL'])
    assert.include(portal.security_opt, 'no-new-privileges:true')
    assert.isTrue(portal.init)
  })

  test("MariaDB's first-start scripts are sourced by its entrypoint (not executable)", async ({
    assert,
  }) => {
    const { mariadb } = (await compose()).services
    assert.include(mariadb.volumes, './deploy/compose/mariadb-init:/docker-entrypoint-initdb.d:ro')
    const scripts = await readdir(MARIADB_INIT)
    assert.isNotEmpty(scripts)
    for (const script of scripts) {
      assert.match(script, /^\d+-[a-z-]+\.sh$/)
      const { mode } = await stat(join(MARIADB_INIT, script))
      assert.equal(mode & 0o111, 0, `${script} must not be executable`)
    }
  })
})

test.group('MariaDB first start and migrations', (group) => {
  let server: PrivateMysql
  let dir: string
  const appKey = randomBytes(32).toString('hex')

  group.setup(async () => {
    server = await PrivateMysql.create()
    dir = await mkdtemp(join(tmpdir(), 'portal-mariadb-init-'))
    return async () => {
      await server.destroy()
      await rm(dir, { recursive: true, force: true })
    }
  })

  /** DB_* variables of a portal process on this server. */
  function databaseEnv(database: string, user = 'root', password = '') {
    return {
      DB_CONNECTION: 'mysql',
      DB_HOST: '127.0.0.1',
      DB_PORT: String(server.port),
      DB_USER: user,
      DB_PASSWORD: password,
      DB_DATABASE: database,
    }
  }

  async function connect(user: string, password: string, database: string) {
    return mysql.createConnection({
      host: '127.0.0.1',
      port: server.port,
      user,
      password,
      database,
    })
  }

  test('creates both databases and accounts the portal can migrate and broker access with', async ({
    assert,
  }) => {
    // Guacamole's image supplies its schema; the project's copy of it and the default admin stand in.
    const schema = join(dir, 'guacamole.sql')
    await writeFile(
      schema,
      (await readFile(join(ROOT, 'database/guacamole/schema.sql'), 'utf8')) +
        "\nINSERT INTO guacamole_entity (name, type) VALUES ('guacadmin', 'USER');\n"
    )
    const portalPassword = `it's a \\ ${randomBytes(8).toString('hex')}`
    const guacamolePassword = randomBytes(16).toString('hex')
    const init = await run(
      'bash',
      [
        '-c',
        'set -eo pipefail; docker_process_sql() { mariadb --protocol=tcp --host=127.0.0.1 --port="$PORT" --user=root "$@"; }; for f in "$1"/*.sh; do . "$f"; done',
        'mariadb-init',
        MARIADB_INIT,
      ],
      {
        PORT: String(server.port),
        GUACAMOLE_SCHEMA_FILE: schema,
        PORTAL_DB_PASSWORD: portalPassword,
        GUACAMOLE_DB_PASSWORD: guacamolePassword,
      }
    )
    assert.equal(init.code, 0, init.stderr)

    const migrate = await runAce(['migration:run', '--force'], {
      ...databaseEnv('portal', 'portal', portalPassword),
      APP_KEY: appKey,
      DATA_DIR: dir,
    })
    assert.equal(migrate.code, 0, migrate.stderr + migrate.stdout)

    const asPortal = await connect('portal', portalPassword, 'guacamole')
    try {
      await asPortal.query("INSERT INTO guacamole_entity (name, type) VALUES ('p-env-1-x', 'USER')")
      // What a grant writes: the user, and READ on itself (guacamole_user_permission).
      await asPortal.query(
        "INSERT INTO guacamole_user (entity_id, password_hash, password_date) SELECT entity_id, UNHEX(REPEAT('00', 32)), NOW() FROM guacamole_entity WHERE name = 'p-env-1-x'"
      )
      await asPortal.query(
        "INSERT INTO guacamole_user_permission (entity_id, affected_user_id, permission) SELECT e.entity_id, u.user_id, 'READ' FROM guacamole_entity e JOIN guacamole_user u ON u.entity_id = e.entity_id WHERE e.name = 'p-env-1-x'"
      )
      await asPortal.query("DELETE FROM guacamole_entity WHERE name = 'p-env-1-x'")
      await asPortal.query('SELECT COUNT(*) FROM guacamole_connection_history')
      await assert.rejects(
        () => asPortal.query('DELETE FROM guacamole_connection_history'),
        /denied/
      )
      await assert.rejects(() => asPortal.query('DROP TABLE guacamole_user'), /denied/)
    } finally {
      await asPortal.end()
    }

    const asGuacamole = await connect('guacamole', guacamolePassword, 'guacamole')
    try {
      await asGuacamole.query('SELECT COUNT(*) FROM guacamole_connection_permission')
      await assert.rejects(() => asGuacamole.query('SELECT COUNT(*) FROM portal.users'), /denied/)
    } finally {
      await asGuacamole.end()
    }

    const [admins] = (await server.query(
      "SELECT COUNT(*) AS count FROM guacamole.guacamole_entity WHERE name = 'guacadmin'"
    )) as any[]
    assert.equal(admins.count, 0, "no account with Guacamole's default password")
  })

  test('two pods migrating at once never apply a migration twice', async ({ assert }) => {
    await server.query('CREATE DATABASE portal_concurrent CHARACTER SET utf8mb4')
    const env = { ...databaseEnv('portal_concurrent'), APP_KEY: appKey, DATA_DIR: dir }
    const runs = await Promise.all([
      runAce(['migration:run', '--force'], env),
      runAce(['migration:run', '--force'], env),
    ])
    const failed = runs.filter(({ code }) => code !== 0)
    assert.isBelow(failed.length, 2, runs.map(({ stderr }) => stderr).join('\n'))
    for (const { stdout, stderr } of failed) {
      assert.match(stdout + stderr, /lock/i, 'the loser could not take the migration lock')
    }

    // The restarted init container finds nothing left to do.
    const retry = await runAce(['migration:run', '--force'], env)
    assert.equal(retry.code, 0, retry.stderr)
    const files = (await readdir(join(ROOT, 'database/migrations'))).filter((file) =>
      file.endsWith('.ts')
    )
    const applied = (await server.query(
      'SELECT name, COUNT(*) AS times FROM portal_concurrent.adonis_schema GROUP BY name'
    )) as { name: string; times: number }[]
    assert.lengthOf(applied, files.length)
    assert.isTrue(applied.every(({ times }) => times === 1))
  })
})
