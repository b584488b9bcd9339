import type { DateTime } from 'luxon'

/**
 * One field of a resource as the API shows it. A resource's fields are
 * written once, beside its transformer; the transformer's output type, the
 * CSV export's columns and the OpenAPI schema are all derived from them.
 */
export type Field = {
  type: 'integer' | 'number' | 'string' | 'boolean' | 'date-time' | 'object' | 'array'
  nullable?: boolean
  /** Left out of some answers (the operation says when). */
  optional?: boolean
  enum?: readonly string[]
  description?: string
  /** More JSON Schema keywords: limits, examples, items, nested properties. */
  schema?: Record<string, unknown>
}

export type FieldList = Record<string, Field>

type BaseValue<F extends Field> = F['type'] extends 'integer' | 'number'
  ? number
  : F['type'] extends 'string'
    ? string
    : F['type'] extends 'boolean'
      ? boolean
      : F['type'] extends 'date-time'
        ? DateTime | string
        : unknown

type Value<F extends Field> = BaseValue<F> | (F['nullable'] extends true ? null : never)

type OptionalKeys<L extends FieldList> = {
  [K in keyof L]: L[K]['optional'] extends true ? K : never
}[keyof L]

/** What a transformer built on a field list returns (nested values are not checked). */
export type FieldValues<L extends FieldList> = {
  [K in Exclude<keyof L, OptionalKeys<L>>]: Value<L[K]>
} & { [K in OptionalKeys<L>]?: Value<L[K]> }

/** Declares a field list, keeping its literal types for FieldValues. */
export function defineFields<const L extends FieldList>(fields: L): L {
  return fields
}

/** The field names, in order: a transformer's pick list, a CSV header. */
export function fieldNames<L extends FieldList>(fields: L): Extract<keyof L, string>[] {
  return Object.keys(fields) as Extract<keyof L, string>[]
}

/** The JSON Schema of one field. */
export function fieldSchema(field: Field): Record<string, unknown> {
  const type = field.type === 'date-time' ? 'string' : field.type
  return {
    type: field.nullable ? [type, 'null'] : type,
    ...(field.type === 'date-time' ? { format: 'date-time' } : {}),
    ...(field.enum ? { enum: field.nullable ? [...field.enum, null] : field.enum } : {}),
    ...(field.description ? { description: field.description } : {}),
    ...field.schema,
  }
}

/**
 * The strict JSON Schema of a resource (`additionalProperties: false`, so
 * the contract tests notice a field the server adds without declaring it).
 */
export function objectSchema(fields: FieldList, description?: string): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    ...(description ? { description } : {}),
    required: fieldNames(fields).filter((name) => !fields[name].optional),
    properties: Object.fromEntries(
      Object.entries(fields).map(([name, field]) => [name, fieldSchema(field)])
    ),
  }
}

/** A value as one CSV cell: date-times in ISO 8601 UTC, objects as JSON. */
export function csvValue(field: Field, value: unknown): unknown {
  if (value === null || value === undefined) {
    return null
  }
  if (field.type === 'date-time') {
    return typeof value === 'string' ? value : (value as DateTime).toUTC().toISO()
  }
  if (field.type === 'object' || field.type === 'array') {
    return JSON.stringify(value)
  }
  return value
}
