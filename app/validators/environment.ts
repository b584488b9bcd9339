import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { SHARE_ROLES } from '#domain/share_roles'
import { ISO_DATE_TIME } from '#validators/pagination'

export const requisitionValidator = vine.create({
  imageId: vine.number().withoutDecimals().positive(),
  experimentId: vine.number().withoutDecimals().positive().optional(),
  sessionId: vine
    .number()
    .withoutDecimals()
    .positive()
    .meta({ description: 'Mounts this beamtime session’s data' })
    .optional(),
  name: vine.string().trim().minLength(1).maxLength(100).optional(),
})

export const environmentListValidator = vine.create({
  ...paginationFields,
  state: vine.enum(ENVIRONMENT_STATES).optional(),
  holding: vine
    .enum(['owner', 'shared'] as const)
    .meta({
      description:
        "owner: only the caller's own; shared: only those shared with them; both when left out",
    })
    .optional(),
})

export const environmentParamsValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().positive() }),
})

export const extendValidator = vine.create({
  expiresAt: vine
    .date({ formats: ['iso8601'] })
    .afterOrEqual('today')
    .meta(ISO_DATE_TIME),
})

export const shareParamsValidator = vine.create({
  params: vine.object({
    id: vine.number().withoutDecimals().positive(),
    userId: vine.number().withoutDecimals().positive(),
  }),
})

export const shareValidator = vine.create({
  username: vine
    .string()
    .trim()
    .minLength(1)
    .maxLength(128)
    .meta({ description: "A member of the environment's experiment" }),
  role: vine
    .enum(SHARE_ROLES)
    .meta({ description: 'user: full access; guest: view-only (not for web applications)' }),
})
