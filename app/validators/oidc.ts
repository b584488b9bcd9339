import vine from '@vinejs/vine'

/** The provider's answer: state and code, or an error (RFC 6749 4.1.2), and RFC 9207 iss. */
export const oidcCallbackValidator = vine.create({
  state: vine.string().maxLength(512).optional(),
  code: vine.string().maxLength(4096).optional(),
  iss: vine.string().maxLength(2048).optional(),
  error: vine.string().maxLength(256).optional(),
  error_description: vine.string().maxLength(2048).optional(),
  session_state: vine.string().maxLength(512).optional(),
})
