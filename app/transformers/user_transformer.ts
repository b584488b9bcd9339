import type User from '#models/user'
import { BaseTransformer } from '@adonisjs/core/transformers'

/** A user as the API shows it: never the password hash or external ids. */
export default class UserTransformer extends BaseTransformer<User> {
  toObject() {
    return {
      ...this.pick(this.resource, [
        'id',
        'username',
        'email',
        'displayName',
        'provider',
        'disabled',
        'lastLoginAt',
        'createdAt',
      ]),
      roles: this.resource.roles,
    }
  }
}
