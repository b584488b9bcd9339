import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/core/http'
import proxyAddr from 'proxy-addr'
import { jsonBody } from '#config/json_body'

/**
 * Encrypts cookies, signs URLs and keys the encryption module: losing or
 * changing it invalidates sessions and every value stored encrypted.
 */
export const appKey = env.get('APP_KEY')!

export const appUrl = env.get(
  'APP_URL',
  `http://${env.get('HOST', '127.0.0.1')}:${env.get('PORT', 3333)}`
)

/**
 * Only these proxies may set X-Forwarded-For: the client address feeds
 * login throttling and the audit trail, so it must not be spoofable.
 */
function trustedProxies(value: string) {
  try {
    return proxyAddr.compile(
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean)
    )
  } catch (error) {
    throw new Error(`Invalid environment variable "TRUSTED_PROXIES": ${(error as Error).message}`)
  }
}

export const http = defineConfig({
  generateRequestId: true,
  allowMethodSpoofing: false,
  useAsyncLocalStorage: false,
  serializeJSON: jsonBody,
  trustProxy: trustedProxies(env.get('TRUSTED_PROXIES', 'loopback')),
  cookie: {
    domain: '',
    path: '/',
    maxAge: '2h',
    httpOnly: true,
    secure: app.inProduction,
    sameSite: 'lax',
  },
})
