import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'

export const auditQueryValidator = vine.create({
  ...paginationFields,
  actorId: vine.number().withoutDecimals().positive().optional(),
  action: vine.string().trim().maxLength(64).optional(),
  outcome: vine.enum(['success', 'failure', 'denied']).optional(),
  from: vine.date({ formats: ['iso8601'] }).optional(),
  to: vine.date({ formats: ['iso8601'] }).optional(),
})
