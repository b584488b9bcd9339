/*
|--------------------------------------------------------------------------
| Bouncer abilities
|--------------------------------------------------------------------------
|
| Role-level checks. Object-level rules (who may touch which environment
| or experiment) live in policies under app/policies.
|
*/
import { Bouncer } from '@adonisjs/bouncer'
import type User from '#models/user'

/** Facility administration: quotas, images, every user's environments, audit. */
export const administerPortal = Bouncer.ability((user: User) => user.isAdmin)
