import { Bouncer } from '@adonisjs/bouncer'
import * as abilities from '#abilities/main'
import { policies } from '#policies/main'
import type User from '#models/user'

/**
 * A Bouncer for `actor` (or for whoever the function returns when first
 * asked), with the portal's abilities and policies: the request's
 * `ctx.bouncer`, and services that check outside a request (commands,
 * jobs, the progress stream).
 */
export function bouncerFor(actor: User | null | (() => User | null)) {
  return new Bouncer(actor, abilities, policies)
}
