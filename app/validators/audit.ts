import vine from '@vinejs/vine'
import { ISO_DATE_TIME, paginationFields } from '#validators/pagination'

/** Filters shared by the audit list and its CSV export. */
const auditFilterFields = {
  actorId: vine.number().withoutDecimals().positive().optional(),
  action: vine
    .string()
    .trim()
    .maxLength(64)
    .meta({ examples: ['auth.login'] })
    .optional(),
  objectType: vine.string().trim().maxLength(64).optional(),
  objectId: vine.string().trim().maxLength(128).optional(),
  outcome: vine.enum(['success', 'failure', 'denied']).optional(),
  from: vine
    .date({ formats: ['iso8601'] })
    .meta(ISO_DATE_TIME)
    .optional(),
  to: vine
    .date({ formats: ['iso8601'] })
    .meta(ISO_DATE_TIME)
    .optional(),
}

export const auditQueryValidator = vine.create({
  ...paginationFields,
  ...auditFilterFields,
})

export const auditExportValidator = vine.create(auditFilterFields)
