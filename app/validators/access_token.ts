import vine from '@vinejs/vine'
import portalConfig from '#config/portal'

export const createAccessTokenValidator = vine.create({
  name: vine.string().trim().minLength(1).maxLength(100),
  expiresInDays: vine.number().withoutDecimals().min(1).max(portalConfig.apiTokenMaxDays),
  admin: vine.boolean({ strict: true }).optional(),
})

export const accessTokenParamsValidator = vine.create({
  params: vine.object({
    id: vine.number().withoutDecimals().positive(),
  }),
})
