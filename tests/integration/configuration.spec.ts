import { rm } from 'node:fs/promises'
import { test } from '@japa/runner'
import { runNode, scratchDir } from '#tests/helpers/portal_process'

const SERVER = ['--import=@poppinss/ts-exec', 'bin/server.ts']

test.group('Configuration is validated at boot', () => {
  test('refuses to start with an invalid variable and names it', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, PORT: 'eighty' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, 'Invalid environment variable "PORT"')
  })

  test('refuses an unknown database driver', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, DB_CONNECTION: 'oracle' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, '"DB_CONNECTION" env variable')
  })

  test('production refuses to start without APP_KEY', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, NODE_ENV: 'production' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, 'APP_KEY')
  })

  test('refuses a short APP_KEY', async ({ assert, cleanup }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))

    const result = await runNode(SERVER, { DATA_DIR: dataDir, APP_KEY: 'short' })
    assert.notEqual(result.code, 0)
    assert.include(result.stdout + result.stderr, 'APP_KEY')
  })

  test('refuses out-of-range numbers, bad durations and malformed values, naming each', async ({
    assert,
    cleanup,
  }) => {
    const dataDir = await scratchDir('env')
    cleanup(() => rm(dataDir, { recursive: true, force: true }))
    const bad: Record<string, string> = {
      PORT: '0',
      DB_POOL_MAX: '0',
      SESSION_AGE: 'forever',
      LOGIN_THROTTLE_ACCOUNT_ATTEMPTS: '-1',
      USER_OFFICE_TIMEOUT: '0',
      USER_OFFICE_EXPERIMENTS_URL: 'http://uo.example/users/experiments',
      DOCKER_DEFAULT_UID: '0',
      KUBERNETES_NAMESPACE: 'Portal_Workloads',
      ENVIRONMENT_LIFETIME_HOURS: '1.5',
      JOBS_INTERVAL_SECONDS: 'often',
      FRONTEND_ORIGINS: 'https://portal.example/app',
      SAML_REQUEST_TTL_SECONDS: '5',
      SAML_ADMIN_MAX_AGE: '30s',
      SAML_USERNAME_SCOPE: 'not a host!',
      SAML_LOGIN_THROTTLE_ATTEMPTS: '0',
      SAML_LOGIN_THROTTLE_WINDOW: 'often',
      SAML_MAX_PENDING_SIGN_INS: '5',
      OIDC_REQUEST_TTL_SECONDS: '5',
      OIDC_ADMIN_MAX_AGE: '30s',
      OIDC_USERNAME_SCOPE: 'not a host!',
      OIDC_TIMEOUT: '0',
      OIDC_MAX_PENDING_SIGN_INS: '5',
      ENVIRONMENT_EGRESS_ALLOW: '10.0.0.0/8,10.1.2.3/33',
      REGISTRY_SERVER: 'https://registry.example/',
      IMAGE_PULL_TIMEOUT: '0',
      KUBERNETES_IMAGE_PULL_SECRETS: 'registry-login,Bad_Name',
    }

    const result = await runNode(SERVER, { DATA_DIR: dataDir, ...bad })

    assert.notEqual(result.code, 0)
    const output = result.stdout + result.stderr
    for (const variable of Object.keys(bad)) {
      assert.include(output, `Invalid environment variable "${variable}"`)
    }
  })

  for (const [label, env, variable] of [
    [
      'a default lifetime longer than the maximum',
      { ENVIRONMENT_LIFETIME_HOURS: '800', ENVIRONMENT_MAX_LIFETIME_HOURS: '720' },
      'ENVIRONMENT_LIFETIME_HOURS',
    ],
    [
      'one Docker TLS file without the other two',
      { DOCKER_HOST_URL: 'tcp://127.0.0.1:2376', DOCKER_TLS_CA: '/etc/ssl/ca.pem' },
      'DOCKER_TLS_CERT',
    ],
    [
      'a registry login without its password (it would only surface as failed pulls)',
      { REGISTRY_SERVER: 'registry.facility.example', REGISTRY_USERNAME: 'puller' },
      'REGISTRY_PASSWORD',
    ],
    ['a trusted proxy that is no address', { TRUSTED_PROXIES: 'proxy.example' }, 'TRUSTED_PROXIES'],
    [
      'the host network in production',
      {
        NODE_ENV: 'production',
        APP_KEY: 'a-production-key-of-at-least-32-characters',
        DOCKER_NETWORK: 'host',
      },
      'DOCKER_NETWORK',
    ],
    [
      'SAML without the IdP entity id (its Issuer is checked)',
      {
        SAML_ENABLED: 'true',
        SAML_IDP_SSO_URL: 'https://idp.example/sso',
        SAML_IDP_CERT: '/etc/portal/saml/idp.crt',
        SAML_SP_PRIVATE_KEY: '/etc/portal/saml/sp.key',
        SAML_SP_CERT: '/etc/portal/saml/sp.crt',
      },
      'SAML_IDP_ENTITY_ID',
    ],
    [
      'SAML with an entity id that is no URL and no username scope',
      {
        SAML_ENABLED: 'true',
        SAML_IDP_ENTITY_ID: 'urn:mace:idp.facility.example',
        SAML_IDP_SSO_URL: 'https://idp.example/sso',
        SAML_IDP_CERT: '/etc/portal/saml/idp.crt',
        SAML_SP_PRIVATE_KEY: '/etc/portal/saml/sp.key',
        SAML_SP_CERT: '/etc/portal/saml/sp.crt',
      },
      'SAML_USERNAME_SCOPE',
    ],
    [
      'OpenID Connect without a client id',
      { OIDC_ENABLED: 'true', OIDC_ISSUER: 'https://sso.facility.example/realms/users' },
      'OIDC_CLIENT_ID',
    ],
    [
      'OpenID Connect at a plain-http issuer that is not on this machine',
      {
        OIDC_ENABLED: 'true',
        OIDC_ISSUER: 'http://sso.facility.example',
        OIDC_CLIENT_ID: 'portal',
      },
      'OIDC_ISSUER',
    ],
  ] as const) {
    test(`refuses ${label}`, async ({ assert, cleanup }) => {
      const dataDir = await scratchDir('env')
      cleanup(() => rm(dataDir, { recursive: true, force: true }))

      const result = await runNode(SERVER, { DATA_DIR: dataDir, ...env })

      assert.notEqual(result.code, 0)
      assert.include(result.stdout + result.stderr, `environment variable "${variable}"`)
    })
  }
})

type BootCase = { label: string; env: Record<string, string>; expected: string[] }

const MOUNT_SETTINGS: BootCase[] = [
  {
    label: 'the removed MOUNT_CONTAINER_RO_ROOTS',
    env: { MOUNT_CONTAINER_RO_ROOTS: '/data' },
    expected: ['"MOUNT_CONTAINER_RO_ROOTS" is no longer read', 'set MOUNT_CONTAINER_RO_ROOT'],
  },
  {
    label: 'the removed MOUNT_CONTAINER_RW_ROOTS',
    env: { MOUNT_CONTAINER_RW_ROOTS: '/output,/scratch' },
    expected: ['"MOUNT_CONTAINER_RW_ROOTS" is no longer read', 'set MOUNT_CONTAINER_RW_ROOT'],
  },
  {
    label: '"/" as the read-only container root',
    env: { MOUNT_CONTAINER_RO_ROOT: '/' },
    expected: ['Invalid environment variable "MOUNT_CONTAINER_RO_ROOT"', 'must not be "/"'],
  },
  {
    label: 'a container root that is not canonical',
    env: { MOUNT_CONTAINER_RW_ROOT: '/output/' },
    expected: ['Invalid environment variable "MOUNT_CONTAINER_RW_ROOT"', 'canonical'],
  },
  {
    label: 'the read-write container root inside the read-only one',
    env: { MOUNT_CONTAINER_RW_ROOT: '/data/out' },
    expected: ['Invalid environment variable "MOUNT_CONTAINER_RW_ROOT"', 'MOUNT_CONTAINER_RO_ROOT'],
  },
  {
    label: '"/" as the dataset root',
    env: { DATASETS_ROOT: '/' },
    expected: ['Invalid environment variable "DATASETS_ROOT"', 'must not be "/"'],
  },
  {
    label: 'the output root inside the dataset root',
    env: { DATASETS_ROOT: '/srv/facility', OUTPUT_ROOT: '/srv/facility/output' },
    expected: ['Invalid environment variable "OUTPUT_ROOT"', 'DATASETS_ROOT'],
  },
]

test.group('Configuration of dataset mounts is validated at boot', () => {
  test('refuses {label} and names the variable')
    .with(MOUNT_SETTINGS)
    .run(async ({ assert, cleanup }, row) => {
      const dataDir = await scratchDir('env')
      cleanup(() => rm(dataDir, { recursive: true, force: true }))

      const result = await runNode(SERVER, { DATA_DIR: dataDir, ...row.env }, 30_000)
      assert.notEqual(result.code, 0)
      assert.isNotNull(result.code, 'the server stopped by itself instead of serving')
      for (const expected of row.expected) {
        assert.include(result.stdout + result.stderr, expected)
      }
    })
})
