import vine from '@vinejs/vine'
import { returnToRule } from '#validators/return_to_rule'

/** Username and password as typed on the sign-in form. */
export const loginValidator = vine.create({
  username: vine.string().trim().minLength(1).maxLength(128),
  password: vine.string().minLength(1).maxLength(1024).meta({ format: 'password' }),
})

/** A new password: the same bounds as `node ace user:create`. */
export const newPasswordRule = () => vine.string().minLength(12).maxLength(1024)

/** Body of PUT /api/v1/me/password. */
export const passwordChangeValidator = vine.create({
  currentPassword: vine.string().minLength(1).maxLength(1024),
  newPassword: newPasswordRule(),
})

/**
 * The start of a federated sign-in (SAML, OpenID Connect): where to land
 * afterwards (see return_to_rule.ts); the portal's own page when absent.
 */
export const federatedLoginValidator = vine.create({
  returnTo: vine
    .string()
    .maxLength(2048)
    .use(returnToRule())
    .meta({ description: 'Where to land after sign-in (same-origin path or allowed absolute URL)' })
    .optional(),
})
