import { inject } from '@adonisjs/core'
import { Bouncer } from '@adonisjs/bouncer'
import Environment from '#models/environment'
import type User from '#models/user'
import * as abilities from '#abilities/main'
import { policies } from '#policies/main'
import type { EnvironmentDoor } from '#policies/environment_policy'
import NotFoundException from '#exceptions/not_found_exception'

export type EnvironmentAction = 'view' | 'operate'

/**
 * Environments looked up for someone, as EnvironmentPolicy decides: the
 * one place where owner and admin paths part. Services take the actor
 * (not the HTTP context), so ace commands and jobs use the same checks.
 */
@inject()
export default class AuthorizedEnvironments {
  /**
   * Environment `id`, with its image and owner (and the owner's roles) loaded, if `actor` may do
   * `action` on it through `door`; null when it is missing or not theirs
   * (the two must look alike).
   */
  async find(actor: User | null, id: number, action: EnvironmentAction, door: EnvironmentDoor) {
    const environment = await Environment.query()
      .where('id', id)
      .preload('image')
      .preload('user', (owner) => owner.preload('roleRows'))
      .first()
    if (!environment) {
      return null
    }
    const bouncer = new Bouncer(actor, abilities, policies)
    const allowed = await bouncer.with('EnvironmentPolicy').allows(action, environment, door)
    return allowed ? environment : null
  }

  /** The same; NotFoundException (404) instead of null. */
  async findOrFail(
    actor: User | null,
    id: number,
    action: EnvironmentAction,
    door: EnvironmentDoor
  ) {
    const environment = await this.find(actor, id, action, door)
    if (!environment) {
      throw new NotFoundException()
    }
    return environment
  }
}
