import vine from '@vinejs/vine'
import { DateTime } from 'luxon'
import { cursorField, paginationFields } from '#validators/pagination'

/**
 * Input of locally managed experiments: the admin API (camelCase) and the
 * CSV import rows (snake_case) share the same field rules.
 */

/** Largest POSIX id a signed 32-bit column holds; 0 (root) is never accepted. */
export const MAX_POSIX_ID = 2_147_483_647

// DATETIME columns (ADR 4) hold years up to 9999; nothing before 1970 is a beamtime.
const EARLIEST = DateTime.fromISO('1970-01-01T00:00:00Z', { zone: 'utc' })
const LATEST = DateTime.fromISO('9999-12-31T23:59:59Z', { zone: 'utc' })

// TEXT columns hold 65,535 bytes; 16,000 characters fit even at 4 bytes each.
const MAX_TEXT = 16_000

function parseIso(value: unknown): DateTime | null {
  if (DateTime.isDateTime(value)) {
    return value
  }
  if (typeof value !== 'string') {
    return null
  }
  // Without an offset the value is taken as UTC.
  const parsed = DateTime.fromISO(value, { zone: 'utc' })
  return parsed.isValid ? parsed : null
}

const isoDateTimeRule = vine.createRule((value, _, field) => {
  const parsed = parseIso(value)
  if (!parsed) {
    field.report('The {{ field }} field must be an ISO 8601 date-time', 'isoDateTime', field)
  } else if (parsed < EARLIEST || parsed > LATEST) {
    field.report('The {{ field }} field must be between 1970 and 9999', 'isoDateTime', field)
  }
})

/** A session must not end before it starts (both given). */
const notBeforeRule = vine.createRule<{ otherField: string }>((value, options, field) => {
  if (!field.isValid) {
    return
  }
  const start = parseIso(field.parent?.[options.otherField])
  const end = parseIso(value)
  if (start && end && end < start) {
    field.report('The {{ field }} field must not be before {{ otherField }}', 'notBefore', field, {
      otherField: options.otherField,
    })
  }
})

/** An ISO 8601 date-time, returned as a UTC DateTime; optionally not before another field. */
function isoDateTime(notBefore?: string) {
  const schema = vine.string().trim().use(isoDateTimeRule())
  if (notBefore) {
    schema.use(notBeforeRule({ otherField: notBefore }))
  }
  // Transforms run even when a rule failed; the error is reported either way.
  return schema.transform((value) => parseIso(value)?.toUTC() ?? null)
}

/** Free text that may be absent; empty means null. */
function optionalText(maxLength: number) {
  return vine
    .string()
    .trim()
    .maxLength(maxLength)
    .transform((value) => (value === '' ? null : value))
    .nullable()
    .optional()
}

const posixId = () => vine.number().withoutDecimals().min(1).max(MAX_POSIX_ID)

// No control characters: these values end up in logs, paths and the audit trail.
const proposalId = () =>
  vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(64)
    .regex(/^[^\p{Cc}]+$/u)

// Session numbers appear in URLs: a conservative alphabet.
const sessionNumber = () =>
  vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(64)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)

const title = () => vine.string().trim().minLength(1).maxLength(500)
const role = () => vine.string().trim().minLength(1).maxLength(32)
const id = () => vine.number().withoutDecimals().positive().max(MAX_POSIX_ID)

export const experimentQueryValidator = vine.create({
  ...paginationFields,
  cursor: cursorField,
  search: vine.string().trim().maxLength(128).optional(),
  source: vine.enum(['local', 'useroffice']).optional(),
})

export const createExperimentValidator = vine.create({
  proposalId: proposalId(),
  title: title(),
  abstract: optionalText(MAX_TEXT),
  instrument: optionalText(128),
  posixUid: posixId().nullable().optional(),
  posixGid: posixId().nullable().optional(),
})

export const updateExperimentValidator = vine.create({
  proposalId: proposalId().optional(),
  title: title().optional(),
  abstract: optionalText(MAX_TEXT),
  instrument: optionalText(128),
  posixUid: posixId().nullable().optional(),
  posixGid: posixId().nullable().optional(),
})

export const experimentParamsValidator = vine.create({
  params: vine.object({ id: id() }),
})

export const sessionParamsValidator = vine.create({
  params: vine.object({ id: id(), sessionNumber: sessionNumber() }),
})

export const memberParamsValidator = vine.create({
  params: vine.object({ id: id(), userId: id() }),
})

/** PUT replaces the whole session: what is left out becomes null. */
export const sessionValidator = vine.create({
  title: optionalText(500),
  description: optionalText(MAX_TEXT),
  startsAt: isoDateTime().nullable().optional(),
  endsAt: isoDateTime('startsAt').nullable().optional(),
  dataSetPath: vine.string().maxLength(MAX_TEXT).nullable().optional(),
})

export const memberValidator = vine.create({
  role: role().optional(),
})

/*
 * CSV rows: every value is a string, an empty cell arrives as null.
 */

export const experimentRowValidator = vine.create({
  proposal_id: proposalId(),
  title: title(),
  abstract: optionalText(MAX_TEXT),
  instrument: optionalText(128),
  posix_uid: posixId().nullable().optional(),
  posix_gid: posixId().nullable().optional(),
})

export const sessionRowValidator = vine.create({
  proposal_id: proposalId(),
  session_number: sessionNumber(),
  title: optionalText(500),
  description: optionalText(MAX_TEXT),
  starts_at: isoDateTime().nullable().optional(),
  ends_at: isoDateTime('starts_at').nullable().optional(),
  data_set_path: vine.string().maxLength(MAX_TEXT).nullable().optional(),
})

/** A member row names the user by `username` (local or User Office accounts) or by `user_id`. */
export const memberRowValidator = vine.create({
  proposal_id: proposalId(),
  username: vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(128)
    .optional()
    .requiredIfMissing('user_id'),
  user_id: vine.number().withoutDecimals().positive().optional().requiredIfMissing('username'),
  role: role().nullable().optional(),
})
