import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import NotificationService from '#services/notifications/notification_service'
import { notificationListValidator, notificationParamsValidator } from '#validators/notification'
import NotificationTransformer from '#transformers/notification_transformer'
import { listPage } from '#transformers/list_page'

/**
 * The signed-in user's notifications (warnings before an expiry or an idle
 * stop, idle stops): list, mark read.
 */
@inject()
export default class NotificationsController {
  constructor(protected notifications: NotificationService) {}

  async index(ctx: HttpContext) {
    const filters = await ctx.request.validateUsing(notificationListValidator, {
      data: ctx.request.qs(),
    })
    const page = await this.notifications.list(ctx.auth.getUserOrFail(), filters)
    return listPage(
      await ctx.serialize.withoutWrapping(NotificationTransformer.transform(page.all())),
      page
    )
  }

  async read(ctx: HttpContext) {
    const { params } = await ctx.request.validateUsing(notificationParamsValidator, {
      data: { params: ctx.params },
    })
    const notification = await this.notifications.markRead(ctx.auth.getUserOrFail(), params.id)
    return ctx.serialize(NotificationTransformer.transform(notification))
  }

  async readAll(ctx: HttpContext) {
    const updated = await this.notifications.markAllRead(ctx.auth.getUserOrFail())
    return { data: { updated } }
  }
}
