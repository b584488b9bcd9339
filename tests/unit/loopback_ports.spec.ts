import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { once } from 'node:events'
import { test } from '@japa/runner'
import { freeLoopbackPort, LoopbackPorts } from '#services/provisioning/free_port'
import { waitForTcp } from '#services/provisioning/tcp_readiness'

const ephemeralLow = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]
)

async function listen(port: number) {
  const server = createServer((socket) => socket.end())
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return server
}

test.group('Host ports of host-network environments', () => {
  test('100 simultaneous picks are distinct, bindable and below the ephemeral range', async ({
    assert,
  }) => {
    const picker = new LoopbackPorts()
    const ports = await Promise.all(Array.from({ length: 100 }, () => picker.pick()))
    assert.lengthOf(new Set(ports), 100)
    for (const port of ports) {
      assert.isBelow(port, ephemeralLow)
      assert.isAtLeast(port, 1024)
    }
    // Each one can really be bound, all at the same time.
    const servers: Server[] = []
    try {
      for (const port of ports) {
        servers.push(await listen(port))
      }
    } finally {
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    }
  })

  test('the readiness probe sees a service that starts listening after it began', async ({
    assert,
  }) => {
    const port = await freeLoopbackPort()
    let server: Server | undefined
    const late = setTimeout(async () => (server = await listen(port)), 50)
    try {
      assert.isTrue(await waitForTcp('127.0.0.1', port, 10_000))
    } finally {
      clearTimeout(late)
      server?.close()
    }
    // Nothing listening: false once the time is up.
    assert.isFalse(await waitForTcp('127.0.0.1', await freeLoopbackPort(), 300))
  })
})
