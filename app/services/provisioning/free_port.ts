import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { randomInt } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'

/** Ports handed out stay ours this long: a container needs a moment to bind its port. */
const HELD_MS = 60_000
const ATTEMPTS = 64

/**
 * Where host ports are picked: below the kernel's ephemeral range (where
 * every outgoing connection takes its source port). A port picked inside
 * it, free when picked, was taken by the time the container bound it once
 * in 100 simultaneous requisitions (docs/benchmarks.md): the portal's own
 * outgoing connections to the engine and the database took it.
 */
function pickRange(): [number, number] {
  let ephemeralLow = 32_768
  try {
    ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]
    )
  } catch {
    // Not Linux: the usual default.
  }
  const last = ephemeralLow - 1
  return [Math.max(1024, last - 12_767), last]
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** Any free loopback port, picked by the system (the last resort). */
async function systemPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/**
 * Host ports for host-network environments (development and test engines
 * only): free on 127.0.0.1 when picked, outside the ephemeral range, and
 * never handed out twice within a minute by the same picker, so two
 * requisitions at once never get the same port. The Docker driver (a
 * container singleton) holds one for the process. Another process may still
 * take a port before the container binds it.
 */
export class LoopbackPorts {
  #handedOut = new Map<number, number>()
  /** Read once per picker: the kernel's range is a boot-time setting. */
  #range: [number, number] | undefined

  async pick(): Promise<number> {
    const [first, last] = (this.#range ??= pickRange())
    const now = Date.now()
    for (const [port, until] of this.#handedOut) {
      if (until <= now) {
        this.#handedOut.delete(port)
      }
    }
    for (let attempt = 0; attempt < ATTEMPTS && last > first; attempt++) {
      const port = randomInt(first, last + 1)
      if (this.#handedOut.has(port)) {
        continue
      }
      // Held before the check: a concurrent caller must not pick it meanwhile.
      this.#handedOut.set(port, now + HELD_MS)
      if (await bindable(port)) {
        return port
      }
    }
    return systemPort()
  }
}

/** One free loopback port, below the ephemeral range (test fixtures). */
export function freeLoopbackPort(): Promise<number> {
  return new LoopbackPorts().pick()
}
