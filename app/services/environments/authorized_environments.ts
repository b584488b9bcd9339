import { inject } from '@adonisjs/core'
import Environment from '#models/environment'
import type User from '#models/user'
import { bouncerFor } from '#policies/bouncer_for'
import { environmentRoleOf, type EnvironmentDoor } from '#policies/environment_policy'
import ShareMembership from '#services/environments/share_membership'
import NotFoundException from '#exceptions/not_found_exception'
import EnvironmentActionForbiddenException from '#exceptions/environment_action_forbidden_exception'

export type EnvironmentAction = 'view' | 'open' | 'operate' | 'share'

/**
 * Environments looked up for someone, as EnvironmentPolicy decides: the
 * one place where owner, colleague and admin paths part. Services take the
 * actor (not the HTTP context), so ace commands and jobs use the same
 * checks. The caller's role (owner, user, guest) is left in
 * `$extras.role` for the transformer.
 */
@inject()
export default class AuthorizedEnvironments {
  constructor(protected shareMembership: ShareMembership) {}

  /**
   * Environment `id`, with its image and owner (and the owner's roles) and
   * the actor's own share loaded, if `actor` may do `action` on it through
   * `door`; null when it is missing or means nothing to them (the two must
   * look alike). A colleague who may see it but not do `action` gets
   * EnvironmentActionForbiddenException (403); one whose share lapsed
   * (no longer a member of its experiment) loses it here and gets null.
   */
  async find(actor: User | null, id: number, action: EnvironmentAction, door: EnvironmentDoor) {
    const environment = await Environment.query()
      .where('id', id)
      .preload('image')
      .preload('user', (owner) => owner.preload('roleRows'))
      .preload('shares', (shares) => shares.where('user_id', actor?.id ?? 0))
      .first()
    if (!environment) {
      return null
    }
    const bouncer = bouncerFor(actor)
    const policy = bouncer.with('EnvironmentPolicy')
    if (!(await policy.allows('view', environment, door))) {
      return null
    }
    const role = door === 'owner' ? environmentRoleOf(actor, environment) : null
    if (role && role !== 'owner' && actor) {
      const share = environment.shares[0]
      if (!(await this.shareMembership.holds(share, environment, actor))) {
        return null
      }
    }
    if (!(await policy.allows(action, environment, door))) {
      throw new EnvironmentActionForbiddenException()
    }
    if (role) {
      environment.$extras.role = role
      environment.$extras.sharedBy = role === 'owner' ? null : environment.user.username
    }
    return environment
  }

  /**
   * Environment `id` to follow through the owner's door (its progress
   * stream, which shows none of `find`'s loads): for its owner the row
   * alone, one statement instead of five while its engine work runs; anyone
   * else (a colleague holding a share) goes the whole way of findOrFail.
   */
  async findToWatch(actor: User, id: number) {
    const environment = await Environment.find(id)
    // Without its shares loaded, the policy lets only the owner view it.
    if (
      environment &&
      (await bouncerFor(actor).with('EnvironmentPolicy').allows('view', environment, 'owner'))
    ) {
      return environment
    }
    return this.findOrFail(actor, id, 'view', 'owner')
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
