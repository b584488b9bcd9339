import env from '#start/env'
import { defineConfig } from '@adonisjs/core/logger'
import { destination } from 'pino'
import { redactedLogPaths } from '#config/redaction'

const logFile = env.get('LOG_FILE')

/**
 * JSON lines on stdout (or LOG_FILE), one object per event, carrying the
 * request id. Secrets are censored by key wherever they appear.
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
      destination: destination({ dest: logFile ?? 1, sync: true, mkdir: true }),
    },
  },
})

export default loggerConfig

declare module '@adonisjs/core/types' {
  export interface LoggersList extends InferLoggers<typeof loggerConfig> {}
}
