import vine from '@vinejs/vine'
import portalConfig from '#config/portal'

/**
 * An absolute URL on one of the configured frontend origins: anything else
 * would make the portal an open redirector.
 */
const onFrontendOrigin = vine.createRule((value, _options, field) => {
  if (typeof value !== 'string') {
    return
  }
  let origin: string
  try {
    origin = new URL(value).origin
  } catch {
    field.report('The {{ field }} field must be an absolute URL', 'url', field)
    return
  }
  if (!portalConfig.returnOrigins.includes(origin)) {
    field.report('The {{ field }} field must point to the portal frontend', 'frontendOrigin', field)
  }
})

export const samlLoginValidator = vine.create({
  returnTo: vine.string().maxLength(2048).use(onFrontendOrigin()).optional(),
})
