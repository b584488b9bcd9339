import type User from '#models/user'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, type FieldValues } from '#transformers/field_list'

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

/**
 * A user as the API shows it: never the password hash or external ids.
 * A plain function, so that `/me` (the most frequent authenticated read)
 * answers without a transformer's per-call container call and captured
 * stack; the transformer shows the same through it.
 */
export function userValues(
  user: Pick<User, keyof typeof userFields>
): FieldValues<typeof userFields> {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    displayName: user.displayName,
    provider: user.provider,
    roles: user.roles,
    disabled: user.disabled,
    lastLoginAt: user.lastLoginAt,
    createdAt: user.createdAt,
  }
}

/** A user as the API shows it (`userValues`), for collections and the serializer. */
export default class UserTransformer extends BaseTransformer<User> {
  toObject(): FieldValues<typeof userFields> {
    return userValues(this.resource)
  }
}
