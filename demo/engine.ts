/*
 * The compute engine of the demo: the Docker engine at DOCKER_SOCKET when
 * one answers, otherwise a private one started by the test setup's own
 * script (scripts/lib/docker_engine.sh) with its images kept in the demo
 * folder, and stopped with the demo. Everything goes through the Docker
 * CLI on that socket.
 */
import { join } from 'node:path'
import { run } from './processes.ts'

/** Label the portal puts on its containers (app/services/provisioning/docker_driver.ts). */
const INSTANCE_LABEL = 'facility-portal.instance'

export type Engine = {
  socket: string
  /** Started by the demo (and to be stopped by it), or somebody else's. */
  started: boolean
  runDir: string | null
  dataDir: string | null
}

function docker(engine: Pick<Engine, 'socket'>, args: string[], timeoutMs = 60_000) {
  return run('docker', ['-H', `unix://${engine.socket}`, ...args], { timeoutMs })
}

/** The Docker CLI and engine, from Debian's docker.io when missing. */
export async function ensureDockerInstalled(onLine: (line: string) => void) {
  await run('bash', ['scripts/lib/docker_engine.sh', 'install'], { onLine })
}

export async function answers(socket: string) {
  try {
    await docker({ socket }, ['version', '--format', '{{.Server.APIVersion}}'], 10_000)
    return true
  } catch {
    return false
  }
}

/**
 * A private engine with its data (images, containers) in `folder`/engine,
 * not started yet: stopping it is registered before it starts, so that an
 * interruption while it starts still stops it.
 */
export async function privateEngine(folder: string): Promise<Engine> {
  const dataDir = join(folder, 'engine')
  const runDir = await run('bash', [
    'scripts/lib/docker_engine.sh',
    'run-dir',
    dataDir,
    'portal-demo-engine',
  ])
  return { socket: join(runDir, 'docker.sock'), started: true, runDir, dataDir }
}

/** Starts the private engine, or adopts it when a killed run left it running. */
export async function startEngine(engine: Engine) {
  await run('bash', ['scripts/lib/docker_engine.sh', 'start', engine.dataDir!, engine.runDir!], {
    timeoutMs: 120_000,
  })
}

/** Stops the engine when the demo started it; leaves somebody else's running. */
export async function closeEngine(engine: Engine) {
  if (engine.started) {
    await run('bash', ['scripts/lib/docker_engine.sh', 'stop', engine.runDir!, engine.dataDir!], {
      timeoutMs: 60_000,
    })
  }
}

/** Removes every container of the portal instance `instanceId`; returns how many. */
export async function removeContainers(engine: Engine, instanceId: string) {
  const listed = await docker(engine, [
    'ps',
    '-aq',
    '--filter',
    `label=${INSTANCE_LABEL}=${instanceId}`,
  ])
  const ids = listed.split('\n').filter(Boolean)
  if (ids.length > 0) {
    await docker(engine, ['rm', '-f', '-v', ...ids])
  }
  return ids.length
}

export async function hasImage(engine: Engine, reference: string) {
  try {
    await docker(engine, ['image', 'inspect', reference], 30_000)
    return true
  } catch {
    return false
  }
}

/**
 * Runs a one-off command in `image` with no network, as a non-root user
 * without capabilities, with the given bind mounts ("host:container[:ro]").
 */
export async function runOnce(
  engine: Engine,
  image: string,
  options: { mounts: string[]; env: Record<string, string>; user: string },
  command: string[]
) {
  const args = ['run', '--rm', '--network', 'none', '--user', options.user, '--cap-drop', 'ALL']
  args.push('--security-opt', 'no-new-privileges')
  for (const mount of options.mounts) {
    args.push('--volume', mount)
  }
  for (const [name, value] of Object.entries(options.env)) {
    args.push('--env', `${name}=${value}`)
  }
  return docker(engine, [...args, image, ...command], 300_000)
}
