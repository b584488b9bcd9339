import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/core/logger'
import { destination } from 'pino'
import { censorSecrets } from '#config/redaction'
import { isoTimestamp } from '#config/log_timestamp'

const logFile = env.get('LOG_FILE')

const MAX_CAUSES = 3

/**
 * An error's message, except where the message carries what the other
 * side answered: the Kubernetes client's ApiException writes the whole
 * response body (a Status that may quote the refused object, a Secret's
 * values included) and headers into it; its status is what logs need.
 */
function messageForLog(error: object, type: unknown, message: unknown) {
  const answered = 'body' in error && 'headers' in error
  if (type === 'ApiException' || answered) {
    const code = (error as { code?: unknown }).code
    return `HTTP API error (status ${typeof code === 'number' ? code : 'unknown'}; body not logged)`
  }
  return typeof message === 'string' ? message : String(error)
}

/**
 * What a log line keeps of an error: its kind, message, code, status and
 * stack (and of its causes). Never its other properties: an HTTP client's
 * error carries the request (credentials, headers) and the response body,
 * a Kubernetes API error the server's answer.
 */
export function errorForLog(error: unknown, depth = 0): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) {
    return { message: String(error) }
  }
  const { name, message, code, status, statusCode, stack, cause } = error as Record<string, unknown>
  const type = typeof name === 'string' ? name : error.constructor?.name
  const text = messageForLog(error, type, message)
  let trace = typeof stack === 'string' ? stack : undefined
  if (trace && text !== message) {
    // The stack starts with the message: keep only its frames.
    const frames = trace.indexOf('\n    at ')
    trace = frames >= 0 ? `${type}: ${text}${trace.slice(frames)}` : undefined
  }
  return {
    type,
    message: text,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof (status ?? statusCode) === 'number' ? { status: status ?? statusCode } : {}),
    ...(trace ? { stack: trace } : {}),
    ...(cause !== undefined && depth < MAX_CAUSES ? { cause: errorForLog(cause, depth + 1) } : {}),
  }
}

// Ace commands print their own output (tables, JSON, CSV) on stdout for
// scripts to read; their log lines go to stderr.
const defaultDestination = app.getEnvironment() === 'console' ? 2 : 1

/**
 * JSON lines on stdout (stderr in ace commands, or LOG_FILE), one object
 * per event, carrying the request id. Secrets are censored by key wherever
 * they appear.
 */
const loggerConfig = defineConfig({
  default: 'app',
  loggers: {
    app: {
      enabled: true,
      name: 'facility-portal',
      level: env.get('LOG_LEVEL', 'info'),
      // ISO 8601 in UTC, as pino's 'iso', formatted once per millisecond.
      timestamp: isoTimestamp,
      // A key-based walk instead of pino's `redact` paths: any depth, and a
      // line without secrets is neither copied nor slowed down much. (Child
      // loggers' bindings are not walked: pino formats only the root's; ours
      // bind request ids and names, never secrets.)
      formatters: { log: censorSecrets },
      serializers: { err: errorForLog },
      destination: destination({ dest: logFile ?? defaultDestination, sync: true, mkdir: true }),
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
