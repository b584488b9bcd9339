/*
 * Throughput and latency of authenticated API reads against the
 * framework's ceiling on this machine (a trivial route of the same
 * server), at 8 and 32 concurrent connections. Run: npm run bench
 */
import os from 'node:os'
import autocannon from 'autocannon'
import { HttpBrowser, PortalProcess } from '../tests/helpers/portal_process.ts'
import { benchPortalEnv } from './bench_env.ts'

const DURATION_SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ADMIN_PASSWORD = 'bench-admin-password-123'

const portal = await PortalProcess.start({
  ...benchPortalEnv(),
  PORTAL_ADMIN_USERNAME: 'bench-admin',
  PORTAL_ADMIN_PASSWORD: ADMIN_PASSWORD,
  LOG_LEVEL: 'info',
  LOG_FILE: '/dev/null',
})

let failures = 0
try {
  const browser = new HttpBrowser(portal.baseUrl)
  const login = await browser.login('bench-admin', ADMIN_PASSWORD)
  if (login.status !== 200) {
    throw new Error(`login failed: ${login.status}`)
  }
  const created = await browser.request('POST', '/api/v1/auth/tokens', {
    name: 'bench',
    expiresInDays: 1,
  })
  const token = created.body.data.token as string

  const routes = [
    { name: 'GET /health/live (ceiling)', path: '/health/live', auth: false },
    { name: 'GET /api/v1/me (bearer)', path: '/api/v1/me', auth: true },
    { name: 'GET /api/v1/auth/tokens (bearer)', path: '/api/v1/auth/tokens', auth: true },
  ]

  console.log(
    `machine: ${os.cpus().length} × ${os.cpus()[0].model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`
  )
  console.log(`duration per run: ${DURATION_SECONDS} s\n`)
  console.log('| route | connections | req/s | p50 ms | p99 ms | vs ceiling | errors |')
  console.log('| --- | --- | --- | --- | --- | --- | --- |')

  for (const connections of [8, 32]) {
    let ceiling = 0
    for (const route of routes) {
      const result = await autocannon({
        url: `${portal.baseUrl}${route.path}`,
        connections,
        duration: DURATION_SECONDS,
        headers: route.auth ? { authorization: `Bearer ${token}` } : {},
      })
      const rps = result.requests.average
      ceiling ||= rps
      const errors = result.errors + result.non2xx + result.timeouts
      failures += errors
      console.log(
        `| ${route.name} | ${connections} | ${Math.round(rps)} | ${result.latency.p50} | ${result.latency.p99} | ${(rps / ceiling).toFixed(2)} | ${errors} |`
      )
    }
  }
} finally {
  await portal.stop()
}

if (failures > 0) {
  console.error(`\n${failures} failed requests`)
  process.exit(1)
}
