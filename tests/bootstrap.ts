import { assert } from '@japa/assert'
import { apiClient } from '@japa/api-client'
import { browserClient } from '@japa/browser-client'
import app from '@adonisjs/core/services/app'
import type { Config } from '@japa/runner/types'
import { pluginAdonisJS } from '@japa/plugin-adonisjs'
import testUtils from '@adonisjs/core/services/test_utils'
import { summaryFileReporter } from '#tests/helpers/summary_file_reporter'
import { spec } from '@japa/runner/reporters'
import { testUserOffice, testUserOfficePort } from '#tests/helpers/test_user_office'
import { writeTestSamlKeys } from '#tests/helpers/test_saml'
import { testOidcProvider } from '#tests/helpers/test_oidc'
import { fakeGuacamole, fakeGuacamolePort } from '#tests/helpers/fake_guacamole'
import { testKubernetes, testKubernetesPort } from '#tests/helpers/test_kubernetes'
import { BROWSER_CONTEXT_OPTIONS, launchDebianChromium } from '#tests/helpers/browser'

export const plugins: Config['plugins'] = [
  assert(),
  pluginAdonisJS(app),
  // Plain api client: tests sign in over HTTP and keep their own cookies
  // (tests/helpers/api_session.ts) instead of the session/auth shortcuts.
  apiClient(),
  // One Debian Chromium for the browser suite, a fresh context per test.
  browserClient({
    runInSuites: ['browser'],
    launcher: launchDebianChromium,
    contextOptions: BROWSER_CONTEXT_OPTIONS,
    assertions: { timeout: 10_000 },
  }),
]

/**
 * The summary file lets scripts/test.sh print the plain
 * "N passed, N failed" line that CI reads.
 */
export const reporters: Config['reporters'] = {
  activated: ['spec', 'summary-file'],
  list: [spec(), summaryFileReporter],
}

/**
 * The test database (recreated by scripts/test.sh) is migrated once per run
 * and left as it is at the end (the next run recreates it). No migration
 * lock: Lucid's is a server-wide GET_LOCK that parallel runs (TEST_SLOT)
 * would contend for, and it may be released on another pooled connection.
 */
async function migrateTestDatabase() {
  const ace = await app.container.make('ace')
  const command = await ace.exec('migration:run', [
    '--compact-output',
    '--no-schema-generate',
    '--disable-locks',
  ])
  if (command.exitCode) {
    throw command.error ?? new Error('migrating the test database failed')
  }
}
export const runnerHooks: Required<Pick<Config, 'setup' | 'teardown'>> = {
  setup: [
    () => migrateTestDatabase(),
    () => testUserOffice.start(testUserOfficePort()),
    () => writeTestSamlKeys(),
    () => fakeGuacamole.start(fakeGuacamolePort()),
    () => testKubernetes.start(testKubernetesPort()),
    () => testOidcProvider.start(),
  ],
  teardown: [
    () => testUserOffice.stop(),
    () => fakeGuacamole.stop(),
    () => testKubernetes.stop(),
    () => testOidcProvider.stop(),
  ],
}

export const configureSuite: Config['configureSuite'] = (suite) => {
  if (['functional', 'integration', 'browser'].includes(suite.name)) {
    return suite.setup(() => testUtils.httpServer().start())
  }
}
