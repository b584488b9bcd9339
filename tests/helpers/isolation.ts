import type { Group } from '@japa/runner/core'
import testUtils from '@adonisjs/core/services/test_utils'
import limiter from '@adonisjs/limiter/services/main'
import app from '@adonisjs/core/services/app'
import { testUserOffice } from '#tests/helpers/test_user_office'
import UserOfficeAuthorization from '#services/user_office/user_office_authorization'
import { sessionAccounts, sessionRows, verifiedTokens } from '#models/verified_credentials'
import tokenUses from '#models/token_use_recorder'

/**
 * Every test of the group runs in a transaction rolled back afterwards,
 * with an empty fixture User Office (and no answer of it kept), and starts with no rate-limit counters (they live on the "counters"
 * connection, outside the per-test transaction, on purpose: a throttle
 * must count even when the request's transaction rolls back).
 */
export function isolateEachTest(group: Group) {
  group.each.setup(() => testUtils.db().wrapInGlobalTransaction())
  group.each.setup(async () => {
    await limiter.clear()
  })
  group.each.setup(() => testUserOffice.reset())
  // Answers the User Office gave one test must not authorise the next.
  group.each.setup(async () => (await app.container.make(UserOfficeAuthorization)).forget())
  // Rows a rolled-back test read must not answer for the next one (SQLite reuses ids).
  group.each.setup(() => {
    verifiedTokens.clear()
    sessionAccounts.clear()
    sessionRows.clear()
    tokenUses.discard()
  })
}
