import vine from '@vinejs/vine'
import { returnToRule } from '#validators/return_to_rule'

/** Where to land after sign-in (see return_to_rule.ts); the portal's own page when absent. */
export const oidcLoginValidator = vine.create({
  returnTo: vine
    .string()
    .maxLength(2048)
    .use(returnToRule())
    .meta({ description: 'Where to land after sign-in (same-origin path or allowed absolute URL)' })
    .optional(),
})

/** The provider's answer: state and code, or an error (RFC 6749 4.1.2), and RFC 9207 iss. */
export const oidcCallbackValidator = vine.create({
  state: vine.string().maxLength(512).optional(),
  code: vine.string().maxLength(4096).optional(),
  iss: vine.string().maxLength(2048).optional(),
  error: vine.string().maxLength(256).optional(),
  error_description: vine.string().maxLength(2048).optional(),
  session_state: vine.string().maxLength(512).optional(),
})
