/**
 * What every benchmarked portal process shares: production mode on the
 * bench database that bench/run.sh created and migrated.
 */
export function benchPortalEnv(): Record<string, string> {
  return {
    NODE_ENV: 'production',
    DB_CONNECTION: 'mysql',
    DB_HOST: process.env.DB_HOST ?? '127.0.0.1',
    DB_PORT: process.env.DB_PORT ?? '3306',
    DB_USER: process.env.DB_USER ?? 'root',
    DB_PASSWORD: process.env.DB_PASSWORD ?? '',
    DB_DATABASE: process.env.DB_DATABASE ?? 'portal_bench',
    APP_KEY: process.env.APP_KEY!,
    // BENCH_CPU_PROFILE_DIR=/tmp/x writes each portal process's V8 CPU profile there on exit.
    ...(process.env.BENCH_CPU_PROFILE_DIR
      ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}` }
      : {}),
  }
}
