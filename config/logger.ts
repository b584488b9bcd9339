import env from '#start/env'
import app from '@adonisjs/core/services/app'
import { defineConfig } from '@adonisjs/core/logger'
import { destination } from 'pino'
import { redactedLogPaths } from '#config/redaction'

const logFile = env.get('LOG_FILE')

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
      destination: destination({ dest: logFile ?? defaultDestination, sync: true, mkdir: true }),
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
