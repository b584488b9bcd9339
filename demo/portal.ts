/*
 * The portal itself, started as `npm start` starts it (bin/server.ts on
 * the embedded SQLite database), and the admin calls that fill its image
 * catalogue through the REST API, as an admin would.
 */
import { HttpBrowser } from '../tests/helpers/portal_process.ts'
import type { CatalogueEntry } from './images.ts'
import { logTail, Service } from './processes.ts'

/**
 * Variables of the portal that the demo decides. Empty means unset (the
 * portal's default): a value exported in the shell or written in .env
 * must not point the demo at another database, engine or IdP.
 */
export function portalEnvironment(settings: {
  host: string
  port: number
  appUrl: string
  dataDir: string
  adminPassword: string
  userOffice: { url: string; serviceUsername: string; servicePassword: string }
  datasetsRoot: string
  outputRoot: string
  dockerSocket: string
  instanceId: string
}): Record<string, string> {
  const { userOffice } = settings
  return {
    NODE_ENV: 'development',
    HOST: settings.host,
    PORT: String(settings.port),
    APP_URL: settings.appUrl,
    APP_KEY: '',
    DATA_DIR: settings.dataDir,
    LOG_FILE: '',
    FRONTEND_ORIGINS: '',
    DB_CONNECTION: 'sqlite',
    DB_SQLITE_FILE: '',
    DB_MIGRATE_ON_START: '',
    PORTAL_ADMIN_USERNAME: 'admin',
    PORTAL_ADMIN_PASSWORD: settings.adminPassword,
    USER_OFFICE_ENABLED: 'true',
    USER_OFFICE_LOGIN_URL: `${userOffice.url}/login`,
    USER_OFFICE_IDENTITY_URL: `${userOffice.url}/identity`,
    USER_OFFICE_AUTHORIZED_URL: `${userOffice.url}/authorized`,
    USER_OFFICE_EXPERIMENTS_URL: `${userOffice.url}/users/$USERNAME/experiments`,
    USER_OFFICE_SERVICE_USERNAME: userOffice.serviceUsername,
    USER_OFFICE_SERVICE_PASSWORD: userOffice.servicePassword,
    SAML_ENABLED: 'false',
    DATASETS_ROOT: settings.datasetsRoot,
    OUTPUT_ROOT: settings.outputRoot,
    // The demo writes its folders as whoever runs it: that owner is trusted above mounts.
    MOUNT_TRUSTED_OWNERS: String(process.getuid?.() ?? 0),
    PORTAL_INSTANCE_ID: settings.instanceId,
    DOCKER_SOCKET: settings.dockerSocket,
    DOCKER_HOST_URL: '',
    // No bridge on a private engine: environments share the host's network
    // and listen on a free loopback port each, which the browser reaches.
    DOCKER_NETWORK: 'host',
    KUBERNETES_ENABLED: 'false',
    // No Guacamole in the demo (its web application is not packaged by Debian).
    ACCESS_BROKER: 'none',
    GUACAMOLE_URL: '',
    SHUTDOWN_TIMEOUT: '10',
    SHUTDOWN_DELAY: '0',
  }
}

/** Starts the portal; resolves once it reports ready (database and engine answer). */
export async function startPortal(env: NodeJS.ProcessEnv, baseUrl: string, logFile: string) {
  const portal = new Service(
    'the portal',
    process.execPath,
    ['--import=@poppinss/ts-exec', 'bin/server.ts'],
    { env, logFile }
  )
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (!portal.alive) {
      const { code, signal } = await portal.exited
      throw new Error(
        `the portal exited (${signal ?? `exit ${code}`}) while starting${await logTail(logFile)}`
      )
    }
    try {
      const response = await fetch(`${baseUrl}/health/ready`, {
        signal: AbortSignal.timeout(2000),
      })
      if (response.ok) {
        return portal
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  await portal.stop(5000)
  throw new Error(`the portal did not become ready within 90 s${await logTail(logFile)}`)
}

/** Signs in as the admin and adds the catalogue entries; returns their ids by name. */
export async function fillCatalogue(baseUrl: string, password: string, entries: CatalogueEntry[]) {
  const admin = new HttpBrowser(baseUrl, 30_000)
  const login = await admin.login('admin', password)
  if (login.status !== 200) {
    throw new Error(`the admin could not sign in (HTTP ${login.status})`)
  }
  const ids: Record<string, number> = {}
  for (const entry of entries) {
    const created = await admin.request('POST', '/api/v1/admin/images', entry)
    if (created.status !== 201) {
      throw new Error(
        `the image "${entry.name}" was refused (HTTP ${created.status}): ${JSON.stringify(created.body)}`
      )
    }
    ids[entry.name] = created.body.data.id
  }
  await admin.request('POST', '/api/v1/auth/logout')
  return ids
}
