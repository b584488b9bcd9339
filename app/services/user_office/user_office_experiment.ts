import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'

/** A number or a numeric string, as User Offices send POSIX ids. */
const posixId = vine.union([
  vine.union.if((value) => typeof value === 'number', vine.number().withoutDecimals()),
  vine.union.else(vine.string().trim().maxLength(20).nullable()),
])

const session = vine.object({
  session_number: vine.any().optional(),
  // Some User Office documentation spells it this way.
  sesion_number: vine.any().optional(),
  start_date: vine.string().maxLength(64).nullable().optional(),
  end_date: vine.string().maxLength(64).nullable().optional(),
  subject: vine.string().maxLength(2000).nullable().optional(),
  body: vine.string().maxLength(100_000).nullable().optional(),
  data_set_path: vine.string().maxLength(1_048_576).nullable().optional(),
})

const experiment = vine.object({
  proposal_id: vine.union([
    vine.union.if((value) => typeof value === 'number', vine.number().withoutDecimals()),
    vine.union.else(vine.string().trim().minLength(1).maxLength(64)),
  ]),
  subject: vine.string().maxLength(2000).nullable().optional(),
  body: vine.string().maxLength(100_000).nullable().optional(),
  beam_line: vine.string().maxLength(128).nullable().optional(),
  uid: posixId.optional(),
  gid: posixId.optional(),
  sessions: vine.array(session).maxLength(10_000).optional(),
})

/** One page of contract endpoint 4. */
export const experimentsPageValidator = vine.create({
  count: vine.number().min(0),
  next: vine.string().nullable().optional(),
  previous: vine.string().nullable().optional(),
  results: vine.array(experiment),
})

export type UserOfficeExperiment = Infer<typeof experiment>
export type UserOfficeSession = Infer<typeof session>
