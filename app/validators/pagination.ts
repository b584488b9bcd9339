import vine from '@vinejs/vine'

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
