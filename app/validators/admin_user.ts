import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'
import { ROLES } from '#models/role'

/** Query of GET /api/v1/admin/users. */
export const adminUserListValidator = vine.create({
  ...paginationFields,
  search: vine.string().trim().minLength(1).maxLength(255).optional(),
  role: vine.enum(ROLES).optional(),
  provider: vine.enum(['local', 'useroffice', 'saml', 'oidc'] as const).optional(),
  // Query strings carry text: only the two literal words are accepted.
  disabled: vine
    .enum(['true', 'false'] as const)
    .transform((value) => value === 'true')
    .optional(),
})

export const adminUserParamsValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().positive().max(2_147_483_647) }),
})

/** Body of PATCH /api/v1/admin/users/:id. */
export const adminUserUpdateValidator = vine.create({
  roles: vine
    .array(vine.enum(ROLES))
    .maxLength(ROLES.length * 4)
    .optional(),
  disabled: vine.boolean({ strict: true }).optional(),
  stopEnvironments: vine.boolean({ strict: true }).optional(),
})
