import vine from '@vinejs/vine'

/** Upper bound of `perPage` on every list endpoint. */
export const MAX_PER_PAGE = 100

/** `page` and `perPage`, shared by list endpoints' query validators. */
export const paginationFields = {
  page: vine.number().withoutDecimals().min(1).max(1_000_000).optional(),
  perPage: vine.number().withoutDecimals().min(1).max(MAX_PER_PAGE).optional(),
}

export const paginationValidator = vine.create(paginationFields)
