import { connect } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

// A service often listens within tens of milliseconds of its start: during the first
// FAST_WINDOW_MS it is tried every FAST_RETRY_MS (a doubling wait from 10 ms answered one
// that listened at 35 ms only at 70 ms), then the wait doubles up to the old fixed 200 ms
// so a slow service costs no more probes.
const FAST_RETRY_MS = 10
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
 * Tries a TCP connection every 10 ms for the first 250 ms, then waiting
 * twice as long each time up to every 200 ms, until one is accepted (true) or
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
  const startedAt = Date.now()
  const deadline = startedAt + timeoutMs
  let nextCheck = startedAt + 1000
  let retryMs = FAST_RETRY_MS
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
    if (Date.now() - startedAt >= FAST_WINDOW_MS) {
      retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)
    }
  }
}
