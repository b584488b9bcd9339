import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { test } from '@japa/runner'
import env from '#start/env'
import { DemoProcess } from '#tests/helpers/demo_process'
import { testEngine } from '#tests/helpers/docker'
import { freePort, HttpBrowser } from '#tests/helpers/portal_process'

/*
 * The README's first command, `npm run demo`, from a clean demo folder to
 * a scientist's running environment and back to nothing: spawned as a
 * terminal would run it, driven through the REST API as the browser
 * does, and stopped with Ctrl-C (SIGINT to its process group). It runs the
 * light test images (DEMO_IMAGES=test); the Debian images are exercised
 * by hand (docs/demo.md has the timings).
 */

const PASSWORD = 'demo-test-password-1234'
const INSTANCE_LABEL = 'facility-portal.instance=facility-portal-demo'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function demoEnv(folder: string, port: number, dockerSocket: string) {
  return {
    DEMO_IMAGES: 'test',
    DEMO_PASSWORD: PASSWORD,
    DEMO_DIR: folder,
    PORT: String(port),
    HOST: '127.0.0.1',
    DOCKER_SOCKET: dockerSocket,
  }
}

function portAnswers(url: string) {
  const { hostname, port } = new URL(url)
  return new Promise<boolean>((resolve) => {
    const socket = connect(Number(port), hostname)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}

/** Processes whose command line or environment names `folder` (root reads them all). */
async function processesUsing(folder: string) {
  const found: string[] = []
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) {
      continue
    }
    const [command, environment] = await Promise.all(
      ['cmdline', 'environ'].map((file) => readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => ''))
    )
    if (command.includes(folder) || environment.includes(folder)) {
      found.push(`${pid}: ${command.replaceAll('\0', ' ')}`)
    }
  }
  return found
}

async function mountsUnder(folder: string) {
  const table = await readFile('/proc/mounts', 'utf8')
  return table
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((mount) => mount?.startsWith(`${folder}/`))
}

/**
 * What a scientist does in the browser: sign in, find a proposal, launch
 * the web image on a session, wait until it runs, open it, and read a data
 * file of the session through the application. Returns the environment.
 */
async function launchAndOpen(assert: any, portalUrl: string) {
  // The URL the demo prints opens the web console (built by `npm run demo` itself).
  const page = await fetch(`${portalUrl}/`, { signal: AbortSignal.timeout(10_000) })
  assert.equal(page.status, 200)
  assert.include(page.headers.get('content-type'), 'text/html')
  assert.include(await page.text(), '<script type="module"')

  const scientist = new HttpBrowser(portalUrl, 30_000)
  assert.equal((await scientist.login('scientist1', PASSWORD)).status, 200)

  const experiments = await scientist.request('GET', '/api/v1/experiments')
  assert.equal(experiments.status, 200)
  assert.sameMembers(
    experiments.body.data.map((experiment: any) => experiment.proposalId),
    ['DEMO-0001', 'DEMO-0002']
  )
  const proposal = experiments.body.data.find((e: any) => e.proposalId === 'DEMO-0001')
  const detail = await scientist.request('GET', `/api/v1/experiments/${proposal.id}`)
  const session = detail.body.data.sessions.find((s: any) => s.sessionNumber === '1')
  assert.isTrue(session.launchable, JSON.stringify(session))
  assert.sameDeepMembers(
    session.mounts.map((mount: any) => [mount.containerPath, mount.mode]),
    [
      ['/data/DEMO-0001', 'ro'],
      ['/output/DEMO-0001', 'rw'],
    ]
  )

  const images = await scientist.request('GET', '/api/v1/images')
  const web = images.body.data.find((image: any) => image.protocol === 'http')
  assert.exists(web, JSON.stringify(images.body))

  const launched = await scientist.request('POST', '/api/v1/environments', {
    imageId: web.id,
    experimentId: proposal.id,
    sessionId: session.id,
  })
  assert.equal(launched.status, 202, JSON.stringify(launched.body))
  const id = launched.body.data.id

  let state = launched.body.data.state
  const deadline = Date.now() + 60_000
  while (state !== 'running' && Date.now() < deadline) {
    assert.notEqual(state, 'failed')
    await sleep(250)
    const shown = await scientist.request('GET', `/api/v1/environments/${id}`)
    state = shown.body.data.state
    assert.notEqual(state, 'failed', shown.body.data.failureReason)
  }
  assert.equal(state, 'running')

  const access = await scientist.request('POST', `/api/v1/environments/${id}/access`)
  assert.equal(access.status, 200, JSON.stringify(access.body))
  assert.equal(access.body.data.kind, 'web')
  const url = new URL(access.body.data.url)
  assert.equal(url.hostname, '127.0.0.1')

  // The application answers at that URL, and serves the session's data.
  const file = await fetch(new URL('DEMO-0001/session-1/pattern_pristine.csv', url), {
    signal: AbortSignal.timeout(10_000),
  })
  assert.equal(file.status, 200)
  assert.match(await file.text(), /^two_theta_deg,intensity\n10,/)

  // Another scientist sees their own proposals, and not this environment.
  const other = new HttpBrowser(portalUrl, 30_000)
  assert.equal((await other.login('scientist2', PASSWORD)).status, 200)
  const theirs = await other.request('GET', '/api/v1/experiments')
  assert.sameMembers(
    theirs.body.data.map((experiment: any) => experiment.proposalId),
    ['DEMO-0002', 'DEMO-0003']
  )
  assert.equal((await other.request('GET', `/api/v1/environments/${id}`)).status, 404)

  // And the admin account works with the same password.
  const admin = new HttpBrowser(portalUrl, 30_000)
  const adminLogin = await admin.login('admin', PASSWORD)
  assert.equal(adminLogin.status, 200)
  assert.include(adminLogin.body.data.roles, 'admin')
  return { id, webUrl: url }
}

test.group('npm run demo', (group) => {
  group.tap((t) => t.timeout(300_000))

  test('on an engine that answers, a scientist launches the web image on a proposal and opens it; Ctrl-C removes it all and leaves the engine', async ({
    assert,
    cleanup,
  }) => {
    const folder = await mkdtemp('/tmp/portal-demo-test-')
    cleanup(() => rm(folder, { recursive: true, force: true }))
    const port = await freePort()
    const socket = env.get('DOCKER_SOCKET')!
    const demo = await DemoProcess.start(demoEnv(folder, port, socket), 180_000)
    cleanup(async () => {
      await demo.interrupt()
    })

    assert.include(demo.output, `Docker engine on ${socket}`)
    const portalUrl = demo.printed('portal')!
    const userOfficeUrl = demo.printed('User Office')!
    assert.equal(portalUrl, `http://127.0.0.1:${port}`)
    assert.match(demo.output, /scientist1 +scientist, proposals DEMO-0001, DEMO-0002/)

    const { webUrl } = await launchAndOpen(assert, portalUrl)
    const engine = await testEngine()
    const label = { label: [INSTANCE_LABEL] }
    assert.lengthOf(await engine.listContainers({ all: true, filters: label }), 1)

    const ended = await demo.interrupt()
    assert.deepEqual(ended, { code: 0, signal: null }, demo.output)
    assert.include(demo.output, 'nothing it started is left running')
    assert.lengthOf(await engine.listContainers({ all: true, filters: label }), 0)
    for (const url of [portalUrl, userOfficeUrl, webUrl.href]) {
      assert.isFalse(await portAnswers(url), `${url} still answers`)
    }
    assert.deepEqual(await processesUsing(folder), [])
    // Somebody else's engine: left running.
    await engine.ping()
  })

  test('with no engine answering, it starts its own, builds its images, runs the environment, and stops the engine on Ctrl-C', async ({
    assert,
    cleanup,
  }) => {
    const folder = await mkdtemp('/tmp/portal-demo-test-')
    cleanup(() => rm(folder, { recursive: true, force: true }))
    const port = await freePort()
    const nothing = join(folder, 'no-engine.sock')
    const demo = await DemoProcess.start(demoEnv(folder, port, nothing), 240_000)
    cleanup(async () => {
      await demo.interrupt()
    })

    const socket = join(folder, 'engine', 'docker.sock')
    assert.include(demo.output, `private Docker engine on ${socket}`)
    assert.include(demo.output, `no engine answered on ${nothing}`)
    await launchAndOpen(assert, demo.printed('portal')!)

    const ended = await demo.interrupt()
    assert.deepEqual(ended, { code: 0, signal: null }, demo.output)
    assert.include(demo.output, 'private Docker engine stopped')
    // The environment was removed before the engine stopped; the images stay cached.
    assert.deepEqual(await readdir(join(folder, 'engine', 'root', 'containers')), [])
    assert.isNotEmpty(await readdir(join(folder, 'engine', 'root', 'image')))
    assert.deepEqual(await processesUsing(folder), [])
    assert.deepEqual(await mountsUnder(folder), [])
  })
})
