/*
 * The portal as production runs it: `node ace build` of a copy of the
 * working tree in a scratch folder (the tree itself stays untouched), then
 * `node bin/server.js` from the build. The build borrows the project's
 * node_modules through a symbolic link instead of `npm ci --omit=dev`.
 */
import { spawn, execFile } from 'node:child_process'
import { once } from 'node:events'
import { cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { freePort, PortalProcess } from '../tests/helpers/portal_process.ts'

const APP_ROOT = fileURLToPath(new URL('../', import.meta.url))
// What a checkout holds besides sources: never copied into the scratch tree.
const NOT_COPIED = new Set(['node_modules', 'build', 'tmp', 'storage', '.git', '.adonisjs'])

/** Builds the working tree into a scratch folder; returns it and the seconds the build took. */
export async function buildPortal() {
  const scratch = await mkdtemp(join(tmpdir(), 'portal-bench-build-'))
  const source = join(scratch, 'source')
  await cp(APP_ROOT, source, {
    recursive: true,
    filter: (path) => !NOT_COPIED.has(relative(APP_ROOT, path).split('/')[0]),
  })
  await symlink(join(APP_ROOT, 'node_modules'), join(source, 'node_modules'))
  const begin = performance.now()
  // Type errors stop `npm run build` in CI; here a runnable build is what matters.
  await promisify(execFile)(process.execPath, ['ace.js', 'build', '--ignore-ts-errors'], {
    cwd: source,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    maxBuffer: 16 * 2 ** 20,
  })
  const seconds = (performance.now() - begin) / 1000
  const build = join(source, 'build')
  await symlink(join(APP_ROOT, 'node_modules'), join(build, 'node_modules'))
  return { scratch, build, seconds }
}

/** Removes what buildPortal made. */
export function removeBuild(scratch: string) {
  return rm(scratch, { recursive: true, force: true })
}

/**
 * The Node flags production starts the server with: the "serve" script of
 * the build's package.json, `node <flags> bin/server.js`, which the
 * Dockerfile's CMD repeats (tests/unit/deployment_manifests.spec.ts).
 */
export async function shippedNodeFlags(build: string) {
  const { scripts } = JSON.parse(await readFile(join(build, 'package.json'), 'utf8'))
  const [node, ...args] = String(scripts.serve).split(' ')
  if (node !== 'node' || args.at(-1) !== 'bin/server.js') {
    throw new Error(`package.json "serve" is not \`node [flags] bin/server.js\`: ${scripts.serve}`)
  }
  return args.slice(0, -1)
}

/** A server process started from a build as production starts it, ready once /health/live answers. */
export class BuiltPortal {
  stderr = ''
  #child: ReturnType<typeof spawn>

  private constructor(
    readonly port: number,
    child: ReturnType<typeof spawn>
  ) {
    this.#child = child
    child.stderr!.on('data', (chunk) => (this.stderr += chunk))
    child.stdout!.resume()
  }

  get baseUrl() {
    return `http://127.0.0.1:${this.port}`
  }

  get pid() {
    return this.#child.pid
  }

  /**
   * `flags` (or BENCH_NODE_FLAGS, space-separated) replaces the shipped Node
   * flags, to measure others (bench/node_flags.ts compares several).
   */
  static async start(build: string, env: Record<string, string>, flags?: string[]) {
    const port = await freePort()
    flags ??= process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean)
    flags ??= await shippedNodeFlags(build)
    const child = spawn(process.execPath, [...flags, 'bin/server.js'], {
      cwd: build,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        HOST: '127.0.0.1',
        PORT: String(port),
        ...env,
      },
    })
    const portal = new BuiltPortal(port, child)
    const deadline = Date.now() + 120_000
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        throw new Error(`portal exited with ${child.exitCode}:\n${portal.stderr}`)
      }
      const live = await fetch(`${portal.baseUrl}/health/live`, {
        signal: AbortSignal.timeout(1000),
      }).catch(() => null)
      if (live?.ok) {
        return portal
      }
      await new Promise((resolve) => setTimeout(resolve, 150))
    }
    await portal.stop()
    throw new Error(`portal did not become live within 120 s:\n${portal.stderr}`)
  }

  /** Stops with SIGTERM (graceful) and waits for the exit. */
  async stop() {
    if (this.#child.exitCode !== null) {
      return
    }
    const exited = once(this.#child, 'exit')
    this.#child.kill('SIGTERM')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

/**
 * The portal a benchmark measures: a build (default, as production runs
 * it) or, with BENCH_SERVER=source, bin/server.ts through ts-exec as
 * `npm start` runs it. `close()` stops it and removes the build.
 */
export async function startBenchPortal(env: Record<string, string>) {
  if (process.env.BENCH_SERVER === 'source') {
    const portal = await PortalProcess.start(env)
    return {
      portal,
      description: 'ts-exec bin/server.ts (source, as `npm start`)',
      build: null,
      close: () => portal.stop(),
    }
  }
  const build = await buildPortal()
  try {
    const portal = await BuiltPortal.start(build.build, env)
    const shipped = await shippedNodeFlags(build.build)
    return {
      portal,
      description: `${['node', process.env.BENCH_NODE_FLAGS ?? shipped.join(' '), 'bin/server.js'].join(' ')} (\`node ace build\` of a scratch copy: ${build.seconds.toFixed(0)} s)`,
      build: build.build,
      close: async () => {
        await portal.stop()
        await removeBuild(build.scratch)
      },
    }
  } catch (error) {
    await removeBuild(build.scratch)
    throw error
  }
}
