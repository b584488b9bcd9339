import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import env from '#start/env'

/** Where the in-process test server listens (bin/test.ts starts it on HOST:PORT). */
export function serverAddress() {
  return { host: env.get('HOST', '127.0.0.1'), port: Number(env.get('PORT', 3333)) }
}

export type RawResponse = {
  status: number
  headers: IncomingHttpHeaders
  text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: any
}

/**
 * One HTTP request with exactly the bytes and headers given (the API
 * client would encode the body, follow redirects or refuse a Host header).
 */
export function rawRequest(options: {
  method: string
  path: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
}): Promise<RawResponse> {
  const { host, port } = serverAddress()
  const headers = { ...options.headers }
  // Node frames a DELETE body with neither header unless told: the server would read it as a second request.
  if (options.body !== undefined && !headers['Transfer-Encoding']) {
    headers['Content-Length'] = String(Buffer.byteLength(options.body))
  }
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host, port, method: options.method, path: options.path, headers },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json: unknown
          try {
            json = JSON.parse(text)
          } catch {
            json = undefined
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json })
        })
        response.on('error', reject)
      }
    )
    request.setTimeout(30_000, () => request.destroy(new Error('request timed out')))
    request.on('error', reject)
    request.end(options.body)
  })
}

/**
 * Writes a hand-made request to the socket and returns the raw answer:
 * for header bytes no HTTP client would send (obs-fold, bare CR or LF).
 */
export function rawExchange(bytes: string): Promise<string> {
  const { host, port } = serverAddress()
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => socket.end(bytes))
    const chunks: Buffer[] = []
    socket.setTimeout(10_000, () => socket.destroy(new Error('socket timed out')))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.on('error', reject)
  })
}
