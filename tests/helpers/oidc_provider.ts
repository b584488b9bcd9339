import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'

const APP_ROOT = new URL('../../', import.meta.url)

export type IdTokenMode =
  'genuine' | 'tampered' | 'expired' | 'wrong-audience' | 'wrong-issuer' | 'foreign-key'

export type OpClient = {
  client_id: string
  client_secret?: string
  redirect_uris: string[]
  post_logout_redirect_uris?: string[]
  token_endpoint_auth_method?: string
}

/** A person at the provider: `sub` and the claims it releases. */
export type OpPerson = { sub: string; claims: Record<string, unknown> }

/**
 * Drives the OpenID provider process (tests/helpers/oidc_provider_process.ts):
 * starts and stops it, names who signs in next, spoils ID tokens on
 * request, and plays the browser's part at the provider.
 */
export class TestOidcProvider {
  #child: ChildProcess | null = null
  output = ''

  constructor(
    readonly port: number,
    readonly clients: OpClient[]
  ) {}

  get issuer() {
    return `http://127.0.0.1:${this.port}`
  }

  async start() {
    const child = spawn(
      process.execPath,
      ['--import=@poppinss/ts-exec', 'tests/helpers/oidc_provider_process.ts'],
      {
        cwd: APP_ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '',
          NODE_ENV: 'test',
          OP_PORT: String(this.port),
          OP_CLIENTS: JSON.stringify(this.clients),
        },
      }
    )
    this.#child = child
    child.stderr!.on('data', (chunk) => (this.output += chunk))
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk) => {
        this.output += chunk
        if (this.output.includes('ready ')) {
          resolve()
        }
      })
      child.once('exit', (code) =>
        reject(new Error(`the OpenID provider exited with ${code}:\n${this.output}`))
      )
    })
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`the OpenID provider did not start:\n${this.output}`)),
        30_000
      )
    )
    await Promise.race([ready, timeout])
  }

  async stop() {
    const child = this.#child
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      return
    }
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }

  async #control(path: string, body: unknown) {
    const response = await fetch(`${this.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    })
    if (!response.ok) {
      throw new Error(`${path}: ${response.status} ${await response.text()}`)
    }
  }

  /** The person the next sign-in at the provider is for. */
  signInAs(person: OpPerson) {
    return this.#control('/__test/next-login', person)
  }

  /** How the token endpoint's next ID tokens are spoiled ("genuine": not at all). */
  idTokens(mode: IdTokenMode) {
    return this.#control('/__test/id-token', { mode })
  }

  /**
   * Plays the browser at the provider: follows its redirects from the
   * authorization URL (with the provider's cookies) until it sends the
   * browser to `redirectUri`; returns that URL (code, state, iss).
   */
  async authorize(authorizationUrl: string, redirectUri: string) {
    const cookies = new Map<string, string>()
    let url = authorizationUrl
    for (let hop = 0; hop < 10; hop++) {
      if (url.startsWith(redirectUri)) {
        return new URL(url)
      }
      const response = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; ') },
        signal: AbortSignal.timeout(5000),
      })
      for (const line of response.headers.getSetCookie()) {
        const [pair] = line.split(';')
        const [name, ...value] = pair.split('=')
        cookies.set(name.trim(), value.join('='))
      }
      const location = response.headers.get('location')
      if (!location) {
        throw new Error(`the provider answered ${response.status}: ${await response.text()}`)
      }
      url = new URL(location, url).toString()
    }
    throw new Error('too many redirects at the provider')
  }
}
