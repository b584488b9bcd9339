import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { errors as httpErrors } from '@adonisjs/core/http'
import accessConfig from '#config/access'
import consoleConfig from '#config/console'
import ConsoleNotBuiltException from '#exceptions/console_not_built_exception'
import NotFoundException from '#exceptions/not_found_exception'

/**
 * Paths the console never answers for: the API, probes, metrics and the
 * assets folder keep their JSON 404 for anything they do not know.
 */
const RESERVED_PREFIXES = ['/api', '/health', '/metrics', '/assets']

/** Vite's output names: letters, digits, dots, dashes and underscores, never a leading dot. */
const ASSET_NAME = /^[\w-][\w.-]*$/

/**
 * Content Security Policy of the console page: scripts, styles, fetches and
 * the progress stream from the portal only (and Guacamole's token endpoint,
 * which the console calls when the portal could not exchange the
 * credentials itself); no inline code (the build emits none), no framing,
 * no plugins.
 */
export function consoleCsp(guacamoleUrl = accessConfig.guacamole.url) {
  const connect = [`'self'`]
  if (guacamoleUrl) {
    connect.push(new URL(guacamoleUrl).origin)
  }
  return [
    `default-src 'self'`,
    `script-src 'self'`,
    `style-src 'self'`,
    `img-src 'self'`,
    `connect-src ${connect.join(' ')}`,
    `object-src 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
    `frame-ancestors 'none'`,
  ].join('; ')
}

/**
 * The built web console on disk: which file answers a console path and
 * which a request for an asset. Read on each request (cheap stats), so a
 * rebuild is served without a restart.
 */
export default class ConsoleBundle {
  constructor(protected root = consoleConfig.buildDir) {}

  /** Whether `path` (no query) belongs to the API, probes or assets rather than the console. */
  static isReserved(path: string) {
    return RESERVED_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))
  }

  /**
   * index.html for `/` and every client-side route; a reserved path is the
   * API's "no such endpoint", and a missing build says how to build it.
   */
  async pageFor(method: string, url: string) {
    const path = url.split('?')[0]
    if (ConsoleBundle.isReserved(path)) {
      throw new httpErrors.E_ROUTE_NOT_FOUND([method, url])
    }
    const index = join(this.root, 'index.html')
    if (!(await isFile(index))) {
      throw new ConsoleNotBuiltException()
    }
    return index
  }

  /** A built asset by its (hashed) file name; anything else is a 404. */
  async assetFile(name: string) {
    const file = join(this.root, 'assets', name)
    if (!ASSET_NAME.test(name) || !(await isFile(file))) {
      throw new NotFoundException()
    }
    return file
  }
}

async function isFile(path: string) {
  const info = await stat(path).catch(() => null)
  return info?.isFile() ?? false
}
