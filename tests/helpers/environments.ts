import type Environment from '#models/environment'
import type Image from '#models/image'
import type { UserQuota } from '#models/quota_limits'
import { EnvironmentFactory } from '#database/factories/environment_factory'
import { ImageFactory } from '#database/factories/image_factory'
import { UserQuotaFactory } from '#database/factories/quota_factory'
import type { ApiSession } from '#tests/helpers/api_session'

/** The locally built test image (scripts/lib/build_test_images.sh). */
export const TEST_IMAGE = 'portal-test/busybox:1'

/** A catalogue image whose service is busybox httpd on the port the portal assigns. */
export function createHttpImage(overrides: Partial<Image> = {}) {
  return ImageFactory.merge({ reference: TEST_IMAGE, ...overrides }).create()
}

/**
 * An environment record with no engine object behind it: stopped (a slot
 * and its storage, no compute) unless the fields say otherwise.
 */
export function recordEnvironment(fields: Partial<Environment>) {
  return EnvironmentFactory.merge(fields).create()
}

export function setUserQuota(userId: number, limits: Partial<UserQuota> = {}) {
  return UserQuotaFactory.merge({ userId, ...limits }).create()
}

/** Polls GET /environments/:id until the state is one of `states` (or fails after timeoutMs). */
export async function waitForState(
  session: ApiSession,
  id: number,
  states: string[],
  timeoutMs = 20_000
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs
  let last: Record<string, any> = {}
  while (Date.now() < deadline) {
    const response = await session.get(`/api/v1/environments/${id}`)
    last = response.body().data
    if (states.includes(last.state)) {
      return last
    }
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  throw new Error(
    `environment ${id} stayed "${last.state}" (wanted ${states.join('/')}): ${last.failureReason ?? ''}`
  )
}

/** Lets a launch settle (running or failed), then removes the environment through the API. */
export async function settleAndRemove(session: ApiSession, id: number) {
  await waitForState(session, id, ['running', 'failed'])
  const removed = await session.delete(`/api/v1/environments/${id}`)
  removed.assertStatus(202)
}
