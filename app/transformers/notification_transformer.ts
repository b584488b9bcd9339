import type Notification from '#models/notification'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, type FieldValues } from '#transformers/field_list'

export const notificationFields = defineFields({
  id: { type: 'integer' },
  kind: {
    type: 'string',
    enum: ['expiry_warning', 'idle_warning', 'idle_stopped'],
    description:
      'expiry_warning: the environment will be removed at its expiry; idle_warning: it will be stopped unless used; idle_stopped: it was stopped after its idle limit.',
  },
  subject: { type: 'string' },
  body: { type: 'string', description: 'Plain text, for people' },
  environmentId: { type: 'integer', nullable: true },
  link: {
    type: 'string',
    nullable: true,
    description: "Where to act on it: the console's environments page (extend dialog open)",
    schema: { format: 'uri' },
  },
  readAt: { type: 'date-time', nullable: true },
  createdAt: { type: 'date-time' },
})

/** A notification as its recipient sees it (the de-duplication key stays inside). */
export default class NotificationTransformer extends BaseTransformer<Notification> {
  toObject(): FieldValues<typeof notificationFields> {
    return {
      ...this.pick(this.resource, ['id', 'kind', 'subject', 'body', 'createdAt']),
      environmentId: this.resource.environmentId ?? null,
      link: this.resource.link ?? null,
      readAt: this.resource.readAt ?? null,
    }
  }
}
