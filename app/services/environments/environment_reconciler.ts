import { DateTime } from 'luxon'
import { inject } from '@adonisjs/core'
import logger from '@adonisjs/core/services/logger'
import Environment from '#models/environment'
import provisioningConfig from '#config/provisioning'
import ProvisioningDrivers from '#services/provisioning/provisioning_drivers'
import type { ProvisioningDriver } from '#services/provisioning/provisioning_driver'
import EngineWork from '#services/environments/engine_work'
import EnvironmentLifecycle from '#services/environments/environment_lifecycle'
import AccessBrokers from '#services/access/access_brokers'
import { reconcilerCorrections, reconcilerRuns } from '#services/metrics/portal_metrics'

export type ReconcileReport = {
  driver: string
  orphansRemoved: number
  markedFailed: number
  removalsRetried: number
  skipped?: string
}

/**
 * Makes the database and the engines agree. Engine objects labelled as
 * this installation's that no live environment owns (a crash between
 * create and commit, a removal that failed) are removed; environments
 * whose engine object vanished or died, or whose provisioning was
 * abandoned (the process died), are marked failed — which releases their
 * quota; removals left half-done are retried.
 */
@inject()
export default class EnvironmentReconciler {
  constructor(
    protected drivers: ProvisioningDrivers,
    protected lifecycle: EnvironmentLifecycle,
    protected access: AccessBrokers,
    protected work: EngineWork
  ) {}

  async run(): Promise<ReconcileReport[]> {
    const reports: ReconcileReport[] = []
    for (const driver of this.drivers.all()) {
      const report = await this.#reconcile(driver)
      this.#count(report)
      reports.push(report)
    }
    await this.#sweepAccess()
    return reports
  }

  async #reconcile(driver: ProvisioningDriver): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      driver: driver.name,
      orphansRemoved: 0,
      markedFailed: 0,
      removalsRetried: 0,
    }
    let instances
    try {
      instances = await driver.list()
    } catch (error) {
      logger.warn({ driver: driver.name, err: error }, 'reconciler: engine unavailable, skipped')
      return { ...report, skipped: (error as Error).message }
    }

    const environments = await Environment.query()
      .where('driver', driver.name)
      .whereNotIn('state', ['removed'])
      .select('id', 'state', 'updated_at', 'driver')
    const byId = new Map(environments.map((environment) => [environment.id, environment]))
    const instanceOf = new Map(instances.map((instance) => [instance.environmentId, instance]))

    for (const instance of instances) {
      const owner = byId.get(instance.environmentId)
      const dead = !owner || owner.state === 'failed'
      if (dead && !this.work.isBusy(instance.environmentId)) {
        await driver.remove(instance.environmentId)
        report.orphansRemoved++
      }
    }

    const abandonedBefore = DateTime.utc().minus({
      milliseconds: provisioningConfig.readyTimeoutMs + 120_000,
    })
    for (const environment of environments) {
      if (this.work.isBusy(environment.id)) {
        continue
      }
      const instance = instanceOf.get(environment.id)
      if (environment.state === 'running' && !instance?.running) {
        await this.#fail(
          driver,
          environment,
          instance ? `The container stopped (${instance.status})` : 'The container disappeared'
        )
        report.markedFailed++
      } else if (
        ['provisioning', 'stopping'].includes(environment.state) &&
        environment.updatedAt < abandonedBefore
      ) {
        await this.#fail(
          driver,
          environment,
          'Provisioning was interrupted; please start a new environment'
        )
        report.markedFailed++
      } else if (environment.state === 'removing') {
        await driver.remove(environment.id)
        await this.lifecycle.transition(
          environment,
          'removed',
          'Removed (completed by the reconciler)'
        )
        report.removalsRetried++
      }
    }
    return report
  }

  /** Into portal_reconciler_runs_total and portal_reconciler_corrections_total (zeros too: the series exist). */
  #count(report: ReconcileReport) {
    reconcilerRuns.inc({ driver: report.driver, outcome: report.skipped ? 'skipped' : 'completed' })
    reconcilerCorrections.inc({ kind: 'orphan_removed' }, report.orphansRemoved)
    reconcilerCorrections.inc({ kind: 'marked_failed' }, report.markedFailed)
    reconcilerCorrections.inc({ kind: 'removal_retried' }, report.removalsRetried)
  }

  /** Guacamole records whose environment is gone or no longer running are removed. */
  async #sweepAccess() {
    try {
      const swept = await this.access.sweep()
      reconcilerCorrections.inc({ kind: 'stale_access_removed' }, swept)
      if (swept > 0) {
        logger.info({ environments: swept }, 'reconciler: stale remote access removed')
      }
    } catch (error) {
      logger.warn({ code: (error as { code?: string }).code }, 'reconciler: access sweep failed')
    }
  }

  async #fail(driver: ProvisioningDriver, environment: Environment, reason: string) {
    await driver.remove(environment.id).catch(() => {})
    // Only from the state just read: whatever moved it meanwhile wins.
    await this.lifecycle.transition(environment, 'fail', reason, {
      from: [environment.state],
      changes: { failure_reason: reason },
    })
  }
}
