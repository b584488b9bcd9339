import app from '@adonisjs/core/services/app'
import type User from '#models/user'
import ExperimentSyncService from '#services/experiments/experiment_sync_service'
import { testUserOffice } from '#tests/helpers/test_user_office'
import type { UoExperiment } from '#tests/helpers/user_office_server'

/**
 * Members whose User Office proposals overlap, for tests of syncs that
 * meet: member i has proposals i·step … i·step + window − 1 of the pool
 * (wrapping), so each proposal is shared by window / step members.
 */
export class OverlappingProposals {
  constructor(
    readonly members: User[],
    readonly window: number,
    readonly step: number
  ) {}

  /** Tells the fixture User Office each member's window of `pool`. */
  assign(pool: UoExperiment[]) {
    this.members.forEach((user, index) => {
      testUserOffice.setExperiments(
        user.username,
        Array.from(
          { length: this.window },
          (_, offset) => pool[(index * this.step + offset) % pool.length]
        )
      )
    })
  }

  async syncOneAfterAnother() {
    const service = await app.container.make(ExperimentSyncService)
    for (const user of this.members) {
      await service.sync(user)
    }
  }

  /** Every member's sync at once; the reasons of those that failed. */
  async syncAllAtOnce() {
    const service = await app.container.make(ExperimentSyncService)
    const outcomes = await Promise.allSettled(this.members.map((user) => service.sync(user)))
    return outcomes.flatMap((outcome) =>
      outcome.status === 'rejected' ? [String(outcome.reason)] : []
    )
  }
}
