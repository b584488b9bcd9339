import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair, type KeyPair } from '#tests/helpers/saml_idp'

/** Where Debian's `simplesamlphp` package installs the application. */
export const SIMPLESAMLPHP_ROOT = '/usr/share/simplesamlphp'

/**
 * The IdP's port: 46305, shifted by 100 per TEST_SLOT like every other
 * fixture port (scripts/lib/test_slot.sh exports it).
 */
export function simpleSamlPhpPort() {
  return Number(process.env.SIMPLESAMLPHP_PORT ?? 46305)
}

/** A person in `exampleauth:UserPass`: password and attributes (each a list of values). */
export type SimpleSamlPhpUser = { password: string; attributes: Record<string, string[]> }

export type SimpleSamlPhpOptions = {
  /** Folder for the throw-away configuration, keys, sessions and log (recreated). */
  dir: string
  port: number
  /** username → password and attributes. */
  users: Record<string, SimpleSamlPhpUser>
  /** Hosts (host:port) the IdP may send the browser back to after a logout it started. */
  trustedHosts: string[]
  /** Sign LogoutRequests/LogoutResponses (the portal refuses unsigned ones). Default true. */
  signLogout?: boolean
}

/** A PHP single-quoted string literal. */
function php(value: string) {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}

function phpList(values: string[]) {
  return `[${values.map(php).join(', ')}]`
}

/**
 * Debian's SimpleSAMLphp as a real, independent SAML 2.0 IdP for tests:
 * a configuration written under `dir` (config.php, authsources.php with
 * `exampleauth:UserPass` people, saml20-idp-hosted with a key pair made
 * now, the SP from the portal's own published metadata through
 * SimpleSAMLphp's XML metadata source), served by `php -S` on 127.0.0.1
 * with SIMPLESAMLPHP_CONFIG_DIR pointing at it. It checks the portal's
 * signatures on AuthnRequests and logout messages (validate.*), signs its
 * Responses, Assertions and logout messages with RSA-SHA256, and chooses
 * the SLO binding from the SP metadata as it would in production.
 */
export class SimpleSamlPhpIdp {
  readonly keys: KeyPair = generateKeyPair('simplesamlphp-idp-under-test')
  #server: ChildProcess | null = null
  #output = ''

  constructor(readonly options: SimpleSamlPhpOptions) {}

  get baseUrl() {
    return `http://127.0.0.1:${this.options.port}`
  }

  /** SimpleSAMLphp names a hosted IdP after its metadata URL. */
  get entityId() {
    return `${this.baseUrl}/saml2/idp/metadata.php`
  }

  get ssoUrl() {
    return `${this.baseUrl}/saml2/idp/SSOService.php`
  }

  get sloUrl() {
    return `${this.baseUrl}/saml2/idp/SingleLogoutService.php`
  }

  get certificatePath() {
    return join(this.options.dir, 'cert', 'idp.crt')
  }

  /** Fails loudly when the package (or PHP) is not installed: scripts/test.sh installs them. */
  static assertInstalled() {
    if (!existsSync(join(SIMPLESAMLPHP_ROOT, 'www', 'saml2', 'idp', 'SSOService.php'))) {
      throw new Error(
        `SimpleSAMLphp is not installed under ${SIMPLESAMLPHP_ROOT}: ` +
          'apt-get install simplesamlphp php-cli php-xml php-mbstring (scripts/test.sh does this)'
      )
    }
  }

  /** Writes the configuration and the key pair; the SP metadata comes later ({@link registerSp}). */
  async writeConfiguration() {
    const { dir } = this.options
    await rm(dir, { recursive: true, force: true })
    for (const folder of ['cert', 'metadata', 'log', 'data', 'tmp', 'sessions']) {
      await mkdir(join(dir, folder), { recursive: true })
    }
    await writeFile(join(dir, 'cert', 'idp.key'), this.keys.privateKeyPem, { mode: 0o600 })
    await writeFile(this.certificatePath, this.keys.certificatePem)
    await writeFile(join(dir, 'config.php'), this.#config())
    await writeFile(join(dir, 'authsources.php'), this.#authsources())
    await this.setSignLogout(this.options.signLogout ?? true)
  }

  /** saml20-idp-hosted: whether logout messages are signed can change between tests. */
  async setSignLogout(signLogout: boolean) {
    await writeFile(
      join(this.options.dir, 'metadata', 'saml20-idp-hosted.php'),
      `<?php
$metadata['__DYNAMIC:1__'] = [
    'host' => '__DEFAULT__',
    'privatekey' => 'idp.key',
    'certificate' => 'idp.crt',
    'auth' => 'people',
    // Persistent NameIDs: a salted hash of eduPersonPrincipalName (the default user id attribute).
    'signature.algorithm' => 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    'sign.logout' => ${signLogout ? 'true' : 'false'},
    'validate.authnrequest' => true,
    'validate.logout' => true,
];
`
    )
  }

  /**
   * The SP as SimpleSAMLphp knows it: the portal's published metadata,
   * read by SimpleSAMLphp's own XML metadata source on every request.
   */
  async registerSp(metadataXml: string) {
    await writeFile(join(this.options.dir, 'metadata', 'portal-sp.xml'), metadataXml)
  }

  async start() {
    SimpleSamlPhpIdp.assertInstalled()
    const server = spawn(
      'php',
      [
        // The built-in server caches compiled files for 2 s: metadata rewritten between tests would go unseen.
        '-d',
        'opcache.enable=0',
        '-d',
        'display_errors=stderr',
        '-S',
        `127.0.0.1:${this.options.port}`,
        '-t',
        join(SIMPLESAMLPHP_ROOT, 'www'),
      ],
      {
        env: {
          PATH: process.env.PATH ?? '',
          SIMPLESAMLPHP_CONFIG_DIR: this.options.dir,
        },
      }
    )
    this.#server = server
    server.stdout!.on('data', (chunk) => (this.#output += chunk))
    server.stderr!.on('data', (chunk) => (this.#output += chunk))

    const deadline = Date.now() + 15_000
    while (Date.now() < deadline) {
      if (server.exitCode !== null) {
        throw new Error(`php -S exited with ${server.exitCode}:\n${this.#output}`)
      }
      try {
        const response = await fetch(`${this.baseUrl}/saml2/idp/metadata.php`, {
          signal: AbortSignal.timeout(2000),
        })
        const body = await response.text()
        if (response.ok && body.includes(this.entityId)) {
          return
        }
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await this.stop()
    throw new Error(`SimpleSAMLphp did not answer within 15 s:\n${this.#output}`)
  }

  async stop() {
    const server = this.#server
    this.#server = null
    if (!server || server.exitCode !== null || server.signalCode !== null) {
      return
    }
    const exited = once(server, 'exit')
    server.kill('SIGTERM')
    await exited
  }

  /** The server's output and SimpleSAMLphp's own log, for a failing test's message. */
  async diagnostics() {
    const log = await readFile(join(this.options.dir, 'log', 'simplesamlphp.log'), 'utf8').catch(
      () => ''
    )
    return `--- php -S ---\n${this.#output.slice(-4000)}\n--- simplesamlphp.log ---\n${log.slice(-6000)}`
  }

  #config() {
    const { dir } = this.options
    const secret = () => randomBytes(24).toString('hex')
    return `<?php
$config = [
    'baseurlpath' => ${php(`${this.baseUrl}/`)},
    'certdir' => ${php(join(dir, 'cert') + '/')},
    'loggingdir' => ${php(join(dir, 'log') + '/')},
    'datadir' => ${php(join(dir, 'data') + '/')},
    'tempdir' => ${php(join(dir, 'tmp'))},
    'metadatadir' => ${php(join(dir, 'metadata') + '/')},
    'technicalcontact_name' => 'Facility Portal tests',
    'technicalcontact_email' => 'tests@facility.example',
    'secretsalt' => ${php(secret())},
    'auth.adminpassword' => ${php(secret())},
    'admin.protectindexpage' => true,
    'timezone' => 'UTC',
    'logging.level' => SimpleSAML\\Logger::DEBUG,
    'logging.handler' => 'file',
    'logging.logfile' => 'simplesamlphp.log',
    'enable.saml20-idp' => true,
    'module.enable' => ['exampleauth' => true, 'core' => true, 'saml' => true],
    // Plain HTTP on loopback: cookies without Secure.
    'session.cookie.secure' => false,
    'session.cookie.samesite' => null,
    'language.cookie.secure' => false,
    'store.type' => 'phpsession',
    'session.phpsession.savepath' => ${php(join(dir, 'sessions'))},
    'trusted.url.domains' => ${phpList(this.options.trustedHosts)},
    'metadata.sources' => [
        ['type' => 'flatfile'],
        ['type' => 'xml', 'file' => ${php(join(dir, 'metadata', 'portal-sp.xml'))}],
    ],
];
`
  }

  #authsources() {
    const people = Object.entries(this.options.users)
      .map(([username, user]) => {
        const attributes = Object.entries(user.attributes)
          .map(([name, values]) => `            ${php(name)} => ${phpList(values)},`)
          .join('\n')
        return `        ${php(`${username}:${user.password}`)} => [\n${attributes}\n        ],`
      })
      .join('\n')
    return `<?php
$config = [
    'admin' => ['core:AdminPassword'],
    'people' => [
        'exampleauth:UserPass',
${people}
    ],
];
`
  }
}
