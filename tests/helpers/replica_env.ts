import env from '#start/env'

/**
 * The test run's database, for a portal or ace process started by a test:
 * the SQLite file when the run is on SQLite (TEST_DB=sqlite), else MySQL.
 */
export function testDatabaseEnv(): Record<string, string> {
  if (env.get('DB_CONNECTION') === 'sqlite') {
    return { DB_CONNECTION: 'sqlite', DB_SQLITE_FILE: env.get('DB_SQLITE_FILE')! }
  }
  return {
    DB_CONNECTION: 'mysql',
    DB_HOST: env.get('DB_HOST', '127.0.0.1'),
    DB_PORT: String(env.get('DB_PORT', 3306)),
    DB_USER: env.get('DB_USER', 'root'),
    DB_PASSWORD: env.get('DB_PASSWORD')?.release() ?? '',
    DB_DATABASE: env.get('DB_DATABASE')!,
  }
}

/**
 * Environment of a portal process that is one replica among several: the
 * test run's database, Docker engine and Guacamole database, a
 * shared app key, environments on the host network.
 */
export function replicaEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ...testDatabaseEnv(),
    APP_KEY: 'shared-app-key-of-the-portal-replicas-0123',
    DOCKER_SOCKET: env.get('DOCKER_SOCKET', '/var/run/docker.sock'),
    DOCKER_NETWORK: 'host',
    PORTAL_INSTANCE_ID: env.get('PORTAL_INSTANCE_ID', 'portal-test'),
    ACCESS_BROKER: 'guacamole-db',
    GUACAMOLE_URL: env.get('GUACAMOLE_URL')!,
    GUACAMOLE_DB_HOST: env.get('GUACAMOLE_DB_HOST', '127.0.0.1'),
    GUACAMOLE_DB_PORT: String(env.get('GUACAMOLE_DB_PORT', 3306)),
    GUACAMOLE_DB_USER: env.get('GUACAMOLE_DB_USER', 'root'),
    GUACAMOLE_DB_PASSWORD: env.get('GUACAMOLE_DB_PASSWORD')?.release() ?? '',
    GUACAMOLE_DB_DATABASE: env.get('GUACAMOLE_DB_DATABASE')!,
    ...overrides,
  }
}

/** The JSON log lines a portal process wrote to its standard output. */
export function logLines(stdout: string): Record<string, any>[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
}
