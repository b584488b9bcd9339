import type { LucidRow } from '@adonisjs/lucid/types/model'

/**
 * Sets on `row` the fields of `changes` whose value as stored differs from
 * the row's (undefined = keep), and answers their names in the order of
 * `attributes`, for the audit trail: an unchanged request changes nothing.
 * `attributes` maps an input field to the model attribute it writes;
 * `normalised` gives a value as it would be stored.
 */
export function applyChanges<Field extends string>(
  row: LucidRow,
  changes: Partial<Record<Field, unknown>>,
  attributes: Record<Field, string>,
  normalised: (field: Field, value: any) => unknown
): Field[] {
  const fields = (Object.keys(attributes) as Field[]).filter((field) => {
    const value = changes[field]
    return (
      value !== undefined &&
      JSON.stringify(row.$getAttribute(attributes[field])) !==
        JSON.stringify(normalised(field, value))
    )
  })
  for (const field of fields) {
    row.$setAttribute(attributes[field], normalised(field, changes[field]))
  }
  return fields
}
