import type User from '#models/user'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, fieldNames, type FieldValues } from '#transformers/field_list'

export const userFields = defineFields({
  id: { type: 'integer' },
  username: { type: 'string' },
  email: { type: 'string', nullable: true },
  displayName: { type: 'string', nullable: true },
  provider: { type: 'string', enum: ['local', 'useroffice', 'saml', 'oidc'] },
  roles: { type: 'array', schema: { items: { $ref: '#/components/schemas/Role' } } },
  disabled: { type: 'boolean' },
  lastLoginAt: { type: 'date-time', nullable: true },
  createdAt: { type: 'date-time' },
})

/** A user as the API shows it: never the password hash or external ids. */
export default class UserTransformer extends BaseTransformer<User> {
  toObject(): FieldValues<typeof userFields> {
    return this.pick(this.resource, fieldNames(userFields))
  }
}
