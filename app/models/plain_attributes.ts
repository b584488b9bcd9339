import type { LucidModel } from '@adonisjs/lucid/types/model'

/**
 * A row read with the query builder (`pojo()`), as the model's attributes:
 * each column under its attribute name and through its own `consume`
 * (dates become luxon DateTimes, booleans and big numbers are read as the
 * model reads them), exactly as hydrating the model would show them. Keys
 * that are not columns of the model (joined or computed values) are kept
 * as they are. For lists, which would otherwise build, proxy and track a
 * model instance per row only to read it once.
 */
export function plainAttributes<Model extends LucidModel>(
  model: Model,
  row: Record<string, unknown>
): Record<string, unknown> {
  const attributes: Record<string, unknown> = {}
  for (const key of Object.keys(row)) {
    const name = model.$keys.columnsToAttributes.get(key)
    const column = name ? model.$getColumn(name) : undefined
    if (!name || !column) {
      attributes[key] = row[key]
      continue
    }
    // `consume` names the model only in its error for a value it cannot read.
    attributes[name] =
      typeof column.consume === 'function'
        ? column.consume(row[key], name, model.prototype)
        : row[key]
  }
  return attributes
}
