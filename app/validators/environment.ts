import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
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
