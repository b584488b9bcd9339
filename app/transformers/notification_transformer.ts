import type Notification from '#models/notification'
import { BaseTransformer } from '@adonisjs/core/transformers'

/** A notification as its recipient sees it (the de-duplication key stays inside). */
export default class NotificationTransformer extends BaseTransformer<Notification> {
  toObject() {
    return {
      ...this.pick(this.resource, ['id', 'kind', 'subject', 'body', 'createdAt']),
      environmentId: this.resource.environmentId ?? null,
      link: this.resource.link ?? null,
      readAt: this.resource.readAt ?? null,
    }
  }
}
