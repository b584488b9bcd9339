import vine, { errors } from '@vinejs/vine'
import { USAGE_GROUPINGS } from '#domain/listing'
import { ISO_DATE_TIME } from '#validators/pagination'

/** The longest window a usage report covers. */
export const MAX_USAGE_DAYS = 400

export const usageQueryValidator = vine.create({
  from: vine
    .date({ formats: ['iso8601'] })
    .meta({ ...ISO_DATE_TIME, description: 'Start of the window (ISO 8601).' }),
  to: vine
    .date({ formats: ['iso8601'] })
    .meta({
      ...ISO_DATE_TIME,
      description: `End of the window; defaults to now. At most ${MAX_USAGE_DAYS} days after from.`,
    })
    .optional(),
  groupBy: vine.enum(USAGE_GROUPINGS),
})

/**
 * The window once `to` has its default: `to` after `from`, at most
 * MAX_USAGE_DAYS long. Checked here rather than in the schema because the
 * default ("now") is only known at request time. Throws a 422 naming `to`.
 */
export function usageWindow(from: Date, to: Date | undefined, now = new Date()) {
  const end = to ?? now
  const report = (message: string) => {
    throw new errors.E_VALIDATION_ERROR([{ field: 'to', message, rule: 'usageWindow' }])
  }
  if (end.getTime() <= from.getTime()) {
    report('The to field must be after from')
  }
  if (end.getTime() - from.getTime() > MAX_USAGE_DAYS * 86_400_000) {
    report(`The window from from to to must be at most ${MAX_USAGE_DAYS} days`)
  }
  return { from, to: end }
}
