import { defineConfig, stores } from '@adonisjs/limiter'

/**
 * Counters live in the database so that every portal process enforces the
 * same limits, on a connection of their own (config/database.ts).
 */
const limiterConfig = defineConfig({
  default: 'database',
  stores: {
    database: stores.database({
      connectionName: 'counters',
      tableName: 'rate_limits',
      clearExpiredByTimeout: true,
    }),
  },
})

export default limiterConfig

declare module '@adonisjs/limiter/types' {
  export interface LimitersList extends InferLimiters<typeof limiterConfig> {}
}
