import vine from '@vinejs/vine'
import { returnToRule } from '#validators/return_to_rule'

/** Where to land after sign-in (see return_to_rule.ts); the portal's own page when absent. */
export const samlLoginValidator = vine.create({
  returnTo: vine
    .string()
    .maxLength(2048)
    .use(returnToRule())
    .meta({ description: 'Where to land after sign-in (same-origin path or allowed absolute URL)' })
    .optional(),
})
