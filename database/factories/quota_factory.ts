import factory from '@adonisjs/lucid/factories'
import { UserQuota } from '#models/quota_limits'

/** Generous per-user limits; the caller merges `userId` and what the test is about. */
export const UserQuotaFactory = factory
  .define(UserQuota, () => ({
    environments: 5,
    cpuMillicores: 10_000,
    memoryBytes: 32 * 1024 ** 3,
    storageBytes: 100 * 1024 ** 3,
    gpus: 0,
  }))
  .build()
