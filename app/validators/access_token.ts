import vine from '@vinejs/vine'
import portalConfig from '#config/portal'

export const createAccessTokenValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(100),
  expiresInDays: vine
    .number()
    .withoutDecimals()
    .min(1)
    .max(portalConfig.apiTokenMaxDays)
    .meta({ description: 'At most API_TOKEN_MAX_DAYS (90 by default).' }),
  admin: vine
    .boolean({ strict: true })
    .meta({ description: 'Grant the admin scope (admins only).', default: false })
    .optional(),
})

export const accessTokenParamsValidator = vine.create({
  params: vine.object({
    id: vine.number().withoutDecimals().positive(),
  }),
})
