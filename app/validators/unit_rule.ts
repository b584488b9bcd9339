import vine from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'
import { ResourceUnitError } from '#domain/resource_units'

/**
 * Runs a resource-unit parser (resource_units.ts) on the field and
 * replaces the value with the parsed integer; a bad size is a 422 naming
 * the field. Shared by the image and quota validators so both read sizes
 * the same way.
 */
export function unitRule(parse: (input: unknown) => number, ruleName: string) {
  return vine.createRule((value: unknown, _options: undefined, field: FieldContext) => {
    try {
      field.mutate(parse(value), field)
    } catch (error) {
      if (!(error instanceof ResourceUnitError)) {
        throw error
      }
      field.report(`The {{ field }} field ${error.message}`, ruleName, field)
    }
  })
}

/** The parsers' output, typed; reached only with a number when the rule passed. */
export const asNumber = (value: unknown) => value as number
