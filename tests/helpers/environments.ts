import { DateTime } from 'luxon'
import Environment from '#models/environment'
import Image from '#models/image'
import { UserQuota } from '#models/quota_limits'
import type { ApiSession } from '#tests/helpers/api_session'

/** The locally built test image (scripts/lib/build_test_images.sh). */
export const TEST_IMAGE = 'portal-test/busybox:1'

/** A catalogue image whose service is busybox httpd on the port the portal assigns. */
export function createHttpImage(overrides: Partial<Image> = {}) {
  return Image.create({
    name: `httpd-${Math.random().toString(36).slice(2, 8)}`,
    description: 'busybox httpd',
    reference: TEST_IMAGE,
    driver: 'docker',
    protocol: 'http',
    port: 8080,
    cpuMillicores: 250,
    memoryBytes: 64 * 1024 * 1024,
    storageBytes: 0,
    gpus: 0,
    environment: {},
    command: ['/bin/sh', '-c', 'exec busybox httpd -f -p 127.0.0.1:$PORTAL_SERVICE_PORT -h /tmp'],
    requiresExperiment: false,
    enabled: true,
    allowedRoles: ['scientist'],
    lifetimeHours: null,
    ...overrides,
  })
}

/**
 * An environment record with no engine object behind it: stopped (a slot
 * and its storage, no compute) unless the fields say otherwise.
 */
export function recordEnvironment(fields: Parameters<typeof Environment.create>[0]) {
  return Environment.create({
    name: 'parked',
    driver: 'docker',
    state: 'stopped',
    secret: 'not-a-real-secret',
    cpuMillicores: 250,
    memoryBytes: 64 * 1024 ** 2,
    storageBytes: 0,
    gpus: 0,
    expiresAt: DateTime.utc().plus({ days: 1 }),
    ...fields,
  })
}

export function setUserQuota(userId: number, limits: Partial<UserQuota> = {}) {
  return UserQuota.create({
    userId,
    environments: 5,
    cpuMillicores: 10_000,
    memoryBytes: 32 * 1024 ** 3,
    storageBytes: 100 * 1024 ** 3,
    gpus: 0,
    ...limits,
  })
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
