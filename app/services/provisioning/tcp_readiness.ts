import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

// The first attempts come quickly (a service often listens within tens of milliseconds of
// its start), then back off to the old fixed 200 ms so a slow service costs no more probes.
const FIRST_RETRY_MS = 10
const MAX_RETRY_MS = 200

/** One connection attempt: true when something accepts it within timeoutMs. */
function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.once('connect', () => done(true))
    socket.once('timeout', () => done(false))
    socket.once('error', () => done(false))
  })
}

/**
 * Tries a TCP connection, 10 ms after the first failure and then twice as
 * long each time up to every 200 ms, until one is accepted (true) or
 * timeoutMs has passed (false). An accepted connection is all it checks:
 * the service is listening, whatever it speaks. `stillAlive`, when given,
 * runs about once a second and throws to give up early (the service died).
 */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  stillAlive?: () => Promise<void>
) {
  const deadline = Date.now() + timeoutMs
  let nextCheck = Date.now() + 1000
  let retryMs = FIRST_RETRY_MS
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) {
      return false
    }
    if (await answers(host, port, Math.min(left, 1000))) {
      return true
    }
    if (stillAlive && Date.now() >= nextCheck) {
      await stillAlive()
      nextCheck = Date.now() + 1000
    }
    await sleep(Math.min(retryMs, Math.max(0, deadline - Date.now())))
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)
  }
}
