/*
 * Sync of 10,000 experiments (2 sessions each, real dataset folders to
 * confine) for one user from an HTTP User Office: at sign-in (all
 * inserts), then again on demand (all updates). Reports wall time and the
 * server's peak resident memory. Run: npm run bench -- experiment_sync
 */
import { mkdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { HttpBrowser, PortalProcess } from '../tests/helpers/portal_process.ts'
import { makeExperiments, UserOfficeServer } from '../tests/helpers/user_office_server.ts'
import { benchPortalEnv } from './bench_env.ts'

const COUNT = Number(process.env.BENCH_EXPERIMENTS ?? 10_000)

async function peakRssMiB(pid: number) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
  return Math.round(kib / 1024)
}

const datasets = join(tmpdir(), `portal-bench-datasets-${process.pid}`)
const experiments = makeExperiments(COUNT, { prefix: 'BX' })
for (const experiment of experiments) {
  for (const session of experiment.sessions) {
    const folder = join(datasets, experiment.proposal_id, session.session_number, 'raw')
    await mkdir(folder, { recursive: true })
    session.data_set_path = JSON.stringify({ [folder]: { bind: '/raw', mode: 'ro' } })
  }
}

const userOffice = new UserOfficeServer()
await userOffice.start(0)
userOffice.addAccount({ username: 'busy-scientist', password: 'uo-password' })
userOffice.setExperiments('busy-scientist', experiments)

const portal = await PortalProcess.start({
  ...benchPortalEnv(),
  LOG_FILE: process.env.BENCH_LOG_FILE ?? '/dev/null',
  DATASETS_ROOT: datasets,
  EXPERIMENTS_SYNC_PAGE_SIZE: '100',
  ...userOffice.portalEnv(),
})

let failed = false
try {
  const idleRss = await peakRssMiB(portal.pid!)
  const browser = new HttpBrowser(portal.baseUrl, 300_000)

  let startedAt = performance.now()
  const login = await browser.login('busy-scientist', 'uo-password')
  const firstSync = performance.now() - startedAt
  if (login.status !== 200) {
    throw new Error(`sign-in failed: ${login.status}`)
  }

  const list = await browser.request('GET', '/api/v1/experiments?perPage=1')
  const total = list.body.meta.total
  failed ||= total !== COUNT

  startedAt = performance.now()
  const resync = await browser.request('POST', '/api/v1/experiments/sync')
  const secondSync = performance.now() - startedAt
  failed ||= resync.status !== 200

  console.log(
    `experiments: ${COUNT} (${COUNT * 2} sessions), pages of 100: ${userOffice.requestsTo('experiments')} requests`
  )
  console.log(`sign-in with first sync (inserts): ${(firstSync / 1000).toFixed(1)} s`)
  console.log(`re-sync (updates):                 ${(secondSync / 1000).toFixed(1)} s`)
  console.log(`listed afterwards:                 ${total}`)
  console.log(`server peak RSS: ${await peakRssMiB(portal.pid!)} MiB (idle ${idleRss} MiB)`)
} finally {
  await portal.stop()
  await userOffice.stop()
  await rm(datasets, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
