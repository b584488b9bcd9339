import { DateTime } from 'luxon'
import factory from '@adonisjs/lucid/factories'
import Environment from '#models/environment'
import EnvironmentEvent from '#models/environment_event'

/**
 * An environment record with no engine object behind it: stopped (a slot
 * and its storage, no compute) unless merged fields say otherwise. The
 * caller merges `userId` and `imageId`.
 */
export const EnvironmentFactory = factory
  .define(Environment, () => ({
    name: 'parked',
    driver: 'docker' as const,
    state: 'stopped' as const,
    secret: 'not-a-real-secret',
    cpuMillicores: 250,
    memoryBytes: 64 * 1024 ** 2,
    storageBytes: 0,
    gpus: 0,
    expiresAt: DateTime.utc().plus({ days: 1 }),
  }))
  .build()

/** A journal entry; the caller merges `environmentId`, `step` and `state`. */
export const EnvironmentEventFactory = factory
  .define(EnvironmentEvent, () => ({
    step: 'progress',
    message: 'progress',
    state: null,
    occurredAt: DateTime.utc(),
  }))
  .build()
