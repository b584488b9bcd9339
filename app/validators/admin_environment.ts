import vine from '@vinejs/vine'
import { cursorField, paginationFields } from '#validators/pagination'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { ADMIN_ENVIRONMENT_SORTS } from '#domain/listing'

const id = () => vine.number().withoutDecimals().positive().max(2_147_483_647)

/** Query of GET /api/v1/admin/environments. */
export const adminEnvironmentListValidator = vine.create({
  ...paginationFields,
  cursor: cursorField,
  state: vine.enum(ENVIRONMENT_STATES).optional(),
  userId: id().optional(),
  imageId: id().optional(),
  experimentId: id().optional(),
  driver: vine.enum(['docker', 'kubernetes'] as const).optional(),
  sort: vine.enum(ADMIN_ENVIRONMENT_SORTS).optional(),
})
