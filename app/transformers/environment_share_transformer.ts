import type EnvironmentShare from '#models/environment_share'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { SHARE_ROLES } from '#domain/share_roles'
import { defineFields, type FieldValues } from '#transformers/field_list'

export const environmentShareFields = defineFields({
  userId: { type: 'integer' },
  username: { type: 'string' },
  displayName: { type: 'string', nullable: true },
  role: {
    type: 'string',
    enum: SHARE_ROLES,
    description: 'user: full access; guest: view-only (remote desktops and terminals only)',
  },
  lastOpenedAt: {
    type: 'date-time',
    nullable: true,
    description: 'When the colleague last opened it; null before they did',
  },
  createdAt: { type: 'date-time' },
})

/** A colleague an environment is shared with; the "user" relation must be loaded. */
export default class EnvironmentShareTransformer extends BaseTransformer<EnvironmentShare> {
  toObject(): FieldValues<typeof environmentShareFields> {
    return {
      userId: this.resource.userId,
      username: this.resource.user.username,
      displayName: this.resource.user.displayName ?? null,
      role: this.resource.role,
      lastOpenedAt: this.resource.lastOpenedAt ?? null,
      createdAt: this.resource.createdAt,
    }
  }
}
