import { once } from 'node:events'
import { createServer, type AddressInfo } from 'node:net'

/**
 * A TCP port free on 127.0.0.1 right now: the system picks it for a
 * listener that is closed at once. Another process may take it before the
 * caller binds it; for development and test engines (host network) only.
 */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
