import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

// A service often listens within a few milliseconds of its start (busybox's httpd: 1–3 ms
// after the engine's start answered): the first try is at once, the next after 2 ms, each
// wait then half as long again up to 10 ms during the first FAST_WINDOW_MS (a fixed 10 ms
// answered a service listening at 3 ms only at 10), then doubling up to the old fixed
// 200 ms so a slow service costs no more probes. A refused connection on the host costs
// a fraction of a millisecond.
const FIRST_RETRY_MS = 2
const RETRY_GROWTH = 1.5
const FAST_MAX_RETRY_MS = 10
const FAST_WINDOW_MS = 250
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
 * Tries a TCP connection at once, then after 2 ms, each wait growing by
 * half up to 10 ms for the first 250 ms, then twice as long each time up to
 * every 200 ms, until one is accepted (true) or timeoutMs has passed
 * (false). An accepted connection is all it checks: the service is
 * listening, whatever it speaks. `stillAlive`, when given, runs about once
 * a second and throws to give up early (the service died).
 */
export async function waitForTcp(
  host: string,
  port: number,
  timeoutMs: number,
  stillAlive?: () => Promise<void>
) {
  const startedAt = Date.now()
  const deadline = startedAt + timeoutMs
  let nextCheck = startedAt + 1000
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
    retryMs =
      Date.now() - startedAt < FAST_WINDOW_MS
        ? Math.min(FAST_MAX_RETRY_MS, retryMs * RETRY_GROWTH)
        : Math.min(MAX_RETRY_MS, retryMs * 2)
  }
}
