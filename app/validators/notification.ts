import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'

export const notificationListValidator = vine.create({
  ...paginationFields,
  /** true: only unread ones. */
  unread: vine.boolean().optional(),
})

export const notificationParamsValidator = vine.create({
  params: vine.object({
    id: vine.number().withoutDecimals().positive(),
  }),
})
