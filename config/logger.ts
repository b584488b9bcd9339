import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/core/logger'
import { destination } from 'pino'
import { redactedLogPaths } from '#config/redaction'

const logFile = env.get('LOG_FILE')

const MAX_CAUSES = 3

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
  return {
    type: typeof name === 'string' ? name : error.constructor?.name,
    message: typeof message === 'string' ? message : String(error),
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    ...(typeof (status ?? statusCode) === 'number' ? { status: status ?? statusCode } : {}),
    ...(typeof stack === 'string' ? { stack } : {}),
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
      timestamp: 'iso',
      redact: { paths: redactedLogPaths, censor: '[REDACTED]' },
      serializers: { err: errorForLog },
      destination: destination({ dest: logFile ?? defaultDestination, sync: true, mkdir: true }),
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
