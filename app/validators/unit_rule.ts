import vine from '@vinejs/vine'
import type { FieldContext } from '@vinejs/vine/types'
import type { JSONSchema7 } from 'json-schema'
import { MAX_GPUS, MAX_MILLICORES, ResourceUnitError } from '#domain/resource_units'

/**
 * Runs a resource-unit parser (resource_units.ts) on the field and
 * replaces the value with the parsed integer; a bad size is a 422 naming
 * the field. Shared by the image and quota validators so both read sizes
 * the same way. `schema` is what the OpenAPI document says the field takes.
 */
export function unitRule(parse: (input: unknown) => number, ruleName: string, schema: JSONSchema7) {
  return vine.createRule(
    (value: unknown, _options: undefined, field: FieldContext) => {
      try {
        field.mutate(parse(value), field)
      } catch (error) {
        if (!(error instanceof ResourceUnitError)) {
          throw error
        }
        field.report(`The {{ field }} field ${error.message}`, ruleName, field)
      }
    },
    {
      toJSONSchema(jsonSchema) {
        // Replaces the "anything" of vine.any() by what the parser accepts.
        delete jsonSchema.anyOf
        Object.assign(jsonSchema, schema)
      },
    }
  )
}

/** CPU as the parser takes it: cores, or millicores with "m". */
export const MILLICORES_SCHEMA: JSONSchema7 = {
  description: `Cores (a number, or a string such as "1.5") or millicores ("500m"); whole millicores, more than 0, at most ${MAX_MILLICORES / 1000} cores.`,
  oneOf: [
    { type: 'number', exclusiveMinimum: 0, maximum: MAX_MILLICORES / 1000 },
    { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?m?$', examples: ['2', '1.5', '500m'] },
  ],
}

/** A size in bytes, or with a binary or decimal unit. */
export function bytesSchema(minimum: number): JSONSchema7 {
  return {
    description: 'Bytes, or a size with a unit (Ki, Mi, Gi, Ti, Pi, or decimal k, M, G, T, P).',
    oneOf: [
      { type: 'integer', minimum },
      {
        type: 'string',
        pattern: '^[0-9]+(\\.[0-9]+)?(k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?$',
        examples: ['4Gi', '512Mi', '1.5Gi', '2G'],
      },
    ],
  }
}

/** A whole number of GPUs, as a number or a string of digits. */
export function gpusSchema(maximum = MAX_GPUS): JSONSchema7 {
  return {
    oneOf: [
      { type: 'integer', minimum: 0, maximum },
      { type: 'string', pattern: '^[0-9]{1,40}$' },
    ],
  }
}

/** The parsers' output, typed; reached only with a number when the rule passed. */
export const asNumber = (value: unknown) => value as number
