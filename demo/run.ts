/*
 * `npm run demo`: the whole product on one machine, for someone trying it.
 * Brings up a compute engine, real analysis images, a demo facility (User
 * Office process, scientists, proposals with data) and the portal on its
 * embedded database; prints the URL and the accounts; and on Ctrl-C (or
 * SIGTERM) stops and removes everything it started, in order.
 *
 *   DEMO_PASSWORD  password of scientist1, scientist2 and admin (generated otherwise)
 *   PORT, HOST     where the portal listens (3333, 127.0.0.1)
 *   DOCKER_SOCKET  an engine to use when one answers there (/var/run/docker.sock)
 *   DEMO_DIR       the demo's folder (tmp/demo)
 *   DEMO_IMAGES    debian (real applications) or test (light busybox images)
 *
 * See docs/demo.md.
 */
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { chown, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { createServer } from 'node:net'
import { isAbsolute, join, relative, resolve } from 'node:path'
import {
  answers,
  closeEngine,
  ensureDockerInstalled,
  privateEngine,
  removeContainers,
  runOnce,
  startEngine,
} from './engine.ts'
import type { Engine } from './engine.ts'
import { ADMIN, PROPOSALS, SCIENTISTS, userOfficeExperiments, writeDatasets } from './facility.ts'
import { buildImages, catalogue, hdf5Image, missingImages, type ImageSet } from './images.ts'
import { fillCatalogue, portalEnvironment, startPortal } from './portal.ts'
import { APP_ROOT, logTail, Service, signalAll } from './processes.ts'
import type { UserOfficeInput } from './user_office.ts'

const INSTANCE_ID = 'facility-portal-demo'
const READY_LINE = 'Facility Portal demo is ready'

const began = performance.now()

function say(line = '') {
  process.stdout.write(`${line}\n`)
}

function seconds(since: number) {
  const elapsed = (performance.now() - since) / 1000
  return elapsed < 60
    ? `${elapsed.toFixed(1)} s`
    : `${Math.floor(elapsed / 60)} min ${Math.round(elapsed % 60)} s`
}

/** Paths shown relative to the checkout when inside it. */
function shown(path: string) {
  const inside = relative(APP_ROOT, path)
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path
}

/** Runs one step of the start-up with a progress line when it is done. */
async function step<T>(label: string, action: () => Promise<T>, summary: (result: T) => string) {
  const since = performance.now()
  const result = await action()
  say(`  ✓ ${label}: ${summary(result)} (${seconds(since)})`)
  return result
}

function options() {
  const imageSet = process.env.DEMO_IMAGES || 'debian'
  if (imageSet !== 'debian' && imageSet !== 'test') {
    throw new Error(`DEMO_IMAGES must be "debian" or "test", not "${imageSet}"`)
  }
  const password = process.env.DEMO_PASSWORD || randomBytes(12).toString('base64url')
  // The portal's rule for local accounts (node ace user:create).
  if (password.length < 12) {
    throw new Error('DEMO_PASSWORD must have at least 12 characters')
  }
  const port = Number(process.env.PORT || 3333)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`PORT must be a port number, not "${process.env.PORT}"`)
  }
  const host = process.env.HOST || '127.0.0.1'
  // A wildcard address is not something a browser can open.
  const browserHost = ['0.0.0.0', '::', '[::]'].includes(host)
    ? '127.0.0.1'
    : host.includes(':')
      ? `[${host}]`
      : host
  return {
    imageSet: imageSet as ImageSet,
    password,
    generatedPassword: !process.env.DEMO_PASSWORD,
    host,
    port,
    url: `http://${browserHost}:${port}`,
    socket: process.env.DOCKER_SOCKET || '/var/run/docker.sock',
    folder: resolve(APP_ROOT, process.env.DEMO_DIR || 'tmp/demo'),
  }
}

/** What to undo, newest first. */
const undo: { label: string; action: () => Promise<unknown> }[] = []

async function cleanUp() {
  while (undo.length > 0) {
    const { label, action } = undo.pop()!
    const since = performance.now()
    try {
      await action()
      say(`  ✓ ${label} (${seconds(since)})`)
    } catch (error) {
      say(`  ✗ ${label}: ${(error as Error).message}`)
      process.exitCode = 1
    }
  }
}

let stopping = false
let stopRequested: () => void
const stopSignal = new Promise<void>((done) => (stopRequested = done))

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) {
      return
    }
    stopping = true
    say(`\nStopping the demo (${signal}) …`)
    // Whatever is being built or started right now stops too.
    signalAll('SIGTERM')
    stopRequested()
  })
}

/** Stops the demo when `service` ends on its own. */
function watch(service: Service) {
  void service.exited.then(({ code, signal }) => {
    if (!stopping) {
      stopping = true
      say(
        `\n✗ ${service.name} stopped unexpectedly (${signal ?? `exit ${code}`}); stopping the demo`
      )
      process.exitCode = 1
      stopRequested()
    }
  })
}

/** Fails early when another program listens where the portal should. */
async function assertPortFree(host: string, port: number) {
  const server = createServer()
  try {
    server.listen(port, host)
    await once(server, 'listening')
  } catch (error) {
    throw new Error(
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${port} is in use on ${host}: stop what listens there or choose another with PORT`
        : `the portal cannot listen on ${host}:${port}: ${(error as Error).message}`
    )
  } finally {
    server.close()
  }
}

async function main() {
  const settings = options()
  // A private engine, chroot builds and output folders owned by the proposals' uids need root.
  if (process.getuid?.() !== 0) {
    throw new Error('npm run demo must run as root (see docs/demo.md)')
  }
  await assertPortFree(settings.host, settings.port)
  const { folder } = settings
  const logs = join(folder, 'logs')
  const facilityFolders = {
    datasets: join(folder, 'facility', 'datasets'),
    output: join(folder, 'facility', 'output'),
  }
  await mkdir(logs, { recursive: true })
  await mkdir(join(folder, 'cache'), { recursive: true })

  say(`Facility Portal demo (everything it keeps is in ${shown(folder)})`)

  const engine: Engine = await step(
    'compute engine',
    async () => {
      await ensureDockerInstalled((line) => say(`    ${line}`))
      if (await answers(settings.socket)) {
        return { socket: settings.socket, started: false, runDir: null, dataDir: null }
      }
      const own = await privateEngine(folder)
      undo.push({ label: 'private Docker engine stopped', action: () => closeEngine(own) })
      await startEngine(own)
      return own
    },
    (opened) =>
      opened.started
        ? `private Docker engine on ${shown(opened.socket)} (no engine answered on ${settings.socket})`
        : `Docker engine on ${opened.socket}`
  )
  // A run that was killed may have left environments behind.
  await removeContainers(engine, INSTANCE_ID)
  undo.push({
    label: 'environments removed',
    action: () => removeContainers(engine, INSTANCE_ID),
  })
  if (stopping) return

  const missing = await missingImages(engine, settings.imageSet)
  if (missing.length > 0 && settings.imageSet === 'debian') {
    say(`  … analysis images: building ${missing.join(', ')} from Debian packages`)
    say('    (first run only: a few minutes, most of it downloading packages)')
  }
  await step(
    'analysis images',
    () =>
      missing.length > 0
        ? buildImages(engine, settings.imageSet, join(folder, 'cache'), (line) =>
            say(line.startsWith(' ') ? line : `    ${line}`)
          )
        : Promise.resolve(),
    () =>
      `${[...new Set(catalogue(settings.imageSet).map((entry) => entry.reference))].join(', ')}` +
      (missing.length > 0 ? '' : ' (cached)')
  )
  if (stopping) return

  await step(
    'demo facility',
    async () => {
      const files = await writeDatasets(facilityFolders)
      const image = hdf5Image(settings.imageSet)
      let hdf5 = 0
      if (image) {
        hdf5 = await writeHdf5(engine, image, facilityFolders.datasets, folder)
      }
      return { files, hdf5 }
    },
    ({ files, hdf5 }) =>
      `${PROPOSALS.length} proposals, ${PROPOSALS.flatMap((p) => p.sessions).length} sessions, ` +
      `${files} CSV${hdf5 ? ` and ${hdf5} HDF5` : ''} files in ${shown(facilityFolders.datasets)}`
  )
  if (stopping) return

  const service = { username: 'portal-demo', password: randomBytes(18).toString('base64url') }
  const userOffice = await step(
    'User Office',
    async () => {
      const input: UserOfficeInput = {
        serviceUsername: service.username,
        servicePassword: service.password,
        accounts: SCIENTISTS.map((username) => ({ username, password: settings.password })),
        experiments: userOfficeExperiments(facilityFolders),
      }
      const server = new Service(
        'the User Office',
        process.execPath,
        ['--import=@poppinss/ts-exec', 'demo/user_office.ts'],
        { env: process.env, logFile: join(logs, 'user_office.log'), input: JSON.stringify(input) }
      )
      undo.push({ label: 'User Office stopped', action: () => server.stop(5000) })
      const [, url] = await server
        .waitForLine(/^listening (\S+)$/, 60_000)
        .catch(async (error: Error) => {
          throw new Error(`${error.message}${await logTail(server.logFile)}`)
        })
      watch(server)
      return { process: server, url }
    },
    ({ url }) => `${url} (the contract's endpoints, ${SCIENTISTS.length} scientists)`
  )
  if (stopping) return

  // A fresh portal database each run; data, output and images are kept.
  const dataDir = join(folder, 'portal')
  await rm(dataDir, { recursive: true, force: true })
  await step(
    'portal',
    async () => {
      const env = {
        ...process.env,
        ...portalEnvironment({
          host: settings.host,
          port: settings.port,
          appUrl: settings.url,
          dataDir,
          adminPassword: settings.password,
          userOffice: {
            url: userOffice.url,
            serviceUsername: service.username,
            servicePassword: service.password,
          },
          datasetsRoot: facilityFolders.datasets,
          outputRoot: facilityFolders.output,
          dockerSocket: engine.socket,
          instanceId: INSTANCE_ID,
        }),
      }
      const started = await startPortal(env, settings.url, join(logs, 'portal.log'))
      undo.push({ label: 'portal stopped', action: () => started.stop(15_000) })
      watch(started)
      return started
    },
    () => `${settings.url} (SQLite in ${shown(dataDir)})`
  )
  if (stopping) return

  const images = await step(
    'image catalogue',
    () => fillCatalogue(settings.url, settings.password, catalogue(settings.imageSet)),
    (ids) => `${Object.keys(ids).length} images`
  )

  say()
  say(`${READY_LINE} (${seconds(began)}${missing.length > 0 ? ', images built' : ''}).`)
  say()
  say(`  Portal      ${settings.url}/`)
  say(`  API docs    ${settings.url}/api/docs`)
  say()
  say(
    `  Accounts    password ${settings.password}${settings.generatedPassword ? ' (generated; set DEMO_PASSWORD to choose one)' : ''}`
  )
  for (const scientist of SCIENTISTS) {
    const proposals = PROPOSALS.filter((p) => p.members.includes(scientist)).map((p) => p.id)
    say(`    ${scientist.padEnd(11)} scientist, proposals ${proposals.join(', ')}`)
  }
  say(`    ${ADMIN.padEnd(11)} portal administrator`)
  say()
  say(`  Images      ${Object.keys(images).join('; ')}`)
  say(
    `  Data        ${shown(facilityFolders.datasets)} (read-only in environments), ${shown(facilityFolders.output)}`
  )
  say(`  Logs        ${shown(logs)}`)
  say()
  say('Sign in as scientist1, launch "Jupyter Notebook" on a session of DEMO-0001 and open it.')
  say('Press Ctrl-C to stop the demo and remove everything it started.')

  await stopSignal
}

/** The HDF5 file of each session (written by writeHdf5). */
function hdf5Files(datasets: string) {
  return PROPOSALS.flatMap((p) =>
    p.sessions.map((session) => join(datasets, p.id, `session-${session.number}`, 'scan.h5'))
  )
}

/** How many of `paths` exist. */
async function countExisting(paths: string[]) {
  const found = await Promise.all(paths.map((path) => stat(path).then(Boolean, () => false)))
  return found.filter(Boolean).length
}

/**
 * One HDF5 file per session that has none yet, written by h5py in the
 * Jupyter image (no network, non-root) into a staging folder and moved
 * into place. Returns how many sessions have one.
 */
async function writeHdf5(engine: Engine, image: string, datasets: string, folder: string) {
  const files = hdf5Files(datasets)
  if ((await countExisting(files)) === files.length) {
    return files.length
  }
  const staging = join(folder, 'hdf5-staging')
  await rm(staging, { recursive: true, force: true })
  await mkdir(staging, { recursive: true })
  await chown(staging, 1000, 1000)
  try {
    const metadata = Object.fromEntries(
      PROPOSALS.map((p) => [p.id, { title: p.title, beamLine: p.beamLine }])
    )
    await runOnce(
      engine,
      image,
      {
        user: '1000:1000',
        mounts: [
          `${datasets}:/in:ro`,
          `${staging}:/out`,
          `${join(APP_ROOT, 'demo', 'make_hdf5.py')}:/make_hdf5.py:ro`,
        ],
        env: { DEMO_PROPOSALS: JSON.stringify(metadata) },
      },
      ['python3', '/make_hdf5.py']
    )
    for (const proposal of await readdir(staging)) {
      for (const session of await readdir(join(staging, proposal))) {
        const file = join(session, 'scan.h5')
        await rename(join(staging, proposal, file), join(datasets, proposal, file))
      }
    }
  } finally {
    await rm(staging, { recursive: true, force: true })
  }
  return countExisting(files)
}

try {
  await main()
} catch (error) {
  if (!stopping) {
    say(`\n✗ The demo could not start: ${(error as Error).message}`)
    process.exitCode = 1
  }
} finally {
  if (undo.length > 0) {
    say(stopping ? '' : 'Cleaning up …')
  }
  await cleanUp()
  say(
    process.exitCode
      ? 'The demo stopped with errors.'
      : 'The demo stopped; nothing it started is left running.'
  )
}
