import type { Group } from '@japa/runner/core'
import testUtils from '@adonisjs/core/services/test_utils'
import limiter from '@adonisjs/limiter/services/main'
import { testUserOffice } from '#tests/helpers/test_user_office'

/**
 * Every test of the group runs in a transaction rolled back afterwards,
 * with an empty fixture User Office, and starts with no rate-limit counters (they live on the "counters"
 * connection, outside the per-test transaction, on purpose: a throttle
 * must count even when the request's transaction rolls back).
 */
export function isolateEachTest(group: Group) {
  group.each.setup(() => testUtils.db().wrapInGlobalTransaction())
  group.each.setup(async () => {
    await limiter.clear()
  })
  group.each.setup(() => testUserOffice.reset())
}
