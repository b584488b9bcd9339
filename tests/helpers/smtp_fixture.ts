import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const APP_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** The port the portal sends mail to in tests (.env.test, shifted per TEST_SLOT). */
export function smtpFixturePort() {
  return Number(process.env.SMTP_PORT ?? 46307)
}

/** One message as it arrived, its headers and (quoted-printable decoded) text body parsed. */
export type ReceivedMail = {
  from: string | null
  to: string[]
  subject: string
  text: string
  raw: string
}

/** RFC 2047 encoded words ("=?UTF-8?Q?…?=", "=?UTF-8?B?…?=") back to text. */
function decodeWords(value: string) {
  return value.replace(/=\?utf-8\?([qb])\?([^?]*)\?=\s*/gi, (_match, encoding: string, text) =>
    encoding.toLowerCase() === 'b'
      ? Buffer.from(text, 'base64').toString('utf8')
      : decodeQuotedPrintable(text.replaceAll('_', ' '))
  )
}

function decodeQuotedPrintable(text: string) {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_match, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16))
    )
  return Buffer.from(bytes, 'latin1').toString('utf8')
}

function parse(message: { from: string | null; to: string[]; data: string }): ReceivedMail {
  const [head, ...rest] = message.data.split(/\r?\n\r?\n/)
  const headers = new Map<string, string>()
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const body = rest.join('\n\n')
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase()
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body, 'base64').toString('utf8')
        : body
  return {
    from: message.from,
    to: message.to,
    subject: decodeWords(headers.get('subject') ?? ''),
    text: text.replace(/\r\n/g, '\n'),
    raw: message.data,
  }
}

/**
 * A real SMTP server process (smtp-server) on 127.0.0.1 that records what
 * arrives: the counterpart of the portal's mail outbox in tests.
 */
export class SmtpFixture {
  readonly received: ReceivedMail[] = []
  #child: ChildProcess | null = null
  #buffer = ''

  constructor(readonly port = smtpFixturePort()) {}

  /** Starts the process and waits until it listens. `delayMs` slows every DATA answer. */
  async start({ delayMs = 0 } = {}) {
    this.received.length = 0
    const child = spawn(
      process.execPath,
      [
        '--import=@poppinss/ts-exec',
        'tests/helpers/smtp_fixture_process.ts',
        String(this.port),
        '--delay-ms',
        String(delayMs),
      ],
      { cwd: APP_ROOT, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    this.#child = child
    let errors = ''
    child.stderr!.on('data', (chunk) => (errors += chunk))
    await new Promise<void>((resolve, reject) => {
      const failed = (code: number | null) =>
        reject(new Error(`the SMTP fixture exited (${code}) before listening: ${errors}`))
      child.once('exit', failed)
      child.stdout!.on('data', (chunk: Buffer) => {
        this.#buffer += chunk.toString('utf8')
        let newline: number
        while ((newline = this.#buffer.indexOf('\n')) >= 0) {
          const line = this.#buffer.slice(0, newline)
          this.#buffer = this.#buffer.slice(newline + 1)
          if (line.startsWith('listening')) {
            child.off('exit', failed)
            resolve()
          } else if (line.trim()) {
            this.received.push(parse(JSON.parse(line)))
          }
        }
      })
    })
  }

  /**
   * The messages received, once there are `count` (the process reports
   * each on its stdout, which may arrive after the SMTP answer did).
   */
  async waitForMessages(count: number, timeoutMs = 5000) {
    const deadline = Date.now() + timeoutMs
    while (this.received.length < count && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
    return this.received
  }

  /** Stops the process (the port then refuses connections: SMTP "down"). */
  async stop() {
    const child = this.#child
    this.#child = null
    if (!child || child.exitCode !== null) {
      return
    }
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
      setTimeout(() => child.kill('SIGKILL'), 3000).unref()
    })
  }
}
