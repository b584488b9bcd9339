import vine from '@vinejs/vine'
import { decodeListCursor, type ListCursor } from '#domain/list_cursor'

/** What `vine.date({ formats: ['iso8601'] })` takes, for the OpenAPI document. */
export const ISO_DATE_TIME = { type: 'string', format: 'date-time' }

/** Upper bound of `perPage` on every list endpoint. */
export const MAX_PER_PAGE = 100

/** `page` and `perPage`, shared by list endpoints' query validators. */
export const paginationFields = {
  page: vine.number().withoutDecimals().min(1).max(1_000_000).optional(),
  perPage: vine.number().withoutDecimals().min(1).max(MAX_PER_PAGE).optional(),
}

export const paginationValidator = vine.create(paginationFields)

const listCursorRule = vine.createRule((value, _, field) => {
  if (typeof value !== 'string' || !decodeListCursor(value)) {
    field.report(
      'The {{ field }} field must be a nextCursor this list returned',
      'listCursor',
      field
    )
  }
})

/**
 * `cursor`: the `meta.nextCursor` of the previous page of the same list
 * (keyset paging, ADR 9); with it, `page` is ignored and no total is returned.
 */
export const cursorField = vine
  .string()
  .maxLength(200)
  .use(listCursorRule())
  .transform((value) => decodeListCursor(value) as ListCursor)
  .optional()
