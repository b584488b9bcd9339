import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { createServer as createTlsServer } from 'node:tls'
import forge from 'node-forge'

const DAY_MS = 24 * 60 * 60 * 1000

/** PEM texts of one key pair and its self-signed certificate. */
type Identity = { key: string; cert: string }

/**
 * A self-signed certificate that may also act as its own CA; the server's
 * names 127.0.0.1 (the proxy's only address) as IP subject alternative name.
 */
function selfSigned(commonName: string, role: 'server' | 'client'): Identity {
  // Node's native key generation: forge's pure-JS RSA is slow.
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  const cert = forge.pki.createCertificate()
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey)
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  cert.validity.notBefore = new Date(Date.now() - DAY_MS)
  cert.validity.notAfter = new Date(Date.now() + DAY_MS)
  const name = [{ name: 'commonName', value: commonName }]
  cert.setSubject(name)
  cert.setIssuer(name)
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
    { name: 'extKeyUsage', serverAuth: role === 'server', clientAuth: role === 'client' },
    ...(role === 'server'
      ? [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }]
      : []),
  ])
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create())
  return { key: privateKey, cert: forge.pki.certificateToPem(cert) }
}

/**
 * Files for DOCKER_TLS_CA/CERT/KEY in `dir`, and the server side that
 * trusts exactly that client.
 */
export async function engineTlsFiles(dir: string) {
  const server = selfSigned('docker-engine-under-test', 'server')
  const client = selfSigned('portal-under-test', 'client')
  const files = { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') }
  await writeFile(files.ca, server.cert)
  await writeFile(files.cert, client.cert)
  await writeFile(files.key, client.key, { mode: 0o600 })
  return { files, server: { ...server, ca: client.cert } }
}

/**
 * A loopback TCP endpoint in front of the engine's Unix socket, like an
 * engine listening on tcp://; with `tls`, one that requires the client
 * certificate (like dockerd --tlsverify).
 */
export async function engineProxy(socketPath: string, tls?: Identity & { ca: string }) {
  const sockets = new Set<Socket>()
  const relay = (client: Socket) => {
    const upstream = connect(socketPath)
    for (const socket of [client, upstream]) {
      sockets.add(socket)
      socket.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream).pipe(client)
  }
  const server: Server = tls
    ? createTlsServer({ ...tls, requestCert: true, rejectUnauthorized: true }, relay)
    : createServer(relay)
  // Failed handshakes are the point of some tests.
  server.on('tlsClientError', () => {})
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      sockets.forEach((socket) => socket.destroy())
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
