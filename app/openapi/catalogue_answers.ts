import { dataOf, error, json, onOneObject, type Response } from '#openapi/builder'

/*
 * Answers the image and link catalogues' admin operations share: names are
 * unique, and an entry is found by its id.
 */

export const nameTaken = error('The name is taken (E_CONFLICT)')

/** 201 with the new entry, 409 when its name is taken. */
export function created(schema: string): Record<number, Response> {
  return { 201: json('Created', dataOf(schema)), 409: nameTaken }
}

/** 200 with the entry, 404 when there is none. */
export function found(description: string, schema: string) {
  return onOneObject({ 200: json(description, dataOf(schema)) })
}

/** 200 with the changed entry, 404 when there is none, 409 when the new name is taken. */
export function changed(description: string, schema: string) {
  return onOneObject({ 200: json(description, dataOf(schema)) }, nameTaken)
}

/** 204, 404 when there is none, and `conflict` when the entry may refuse to go. */
export function deleted(conflict?: Response) {
  return onOneObject({ 204: { description: 'Deleted' } }, conflict)
}
