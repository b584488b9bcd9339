import { EXPERIMENT_SORTS } from '#domain/listing'
import vine from '@vinejs/vine'
import { paginationFields } from '#validators/pagination'

/** Sort keys of the experiments list; "-" sorts descending. */

export const experimentListValidator = vine.create({
  ...paginationFields,
  search: vine.string().trim().maxLength(200).optional(),
  sort: vine
    .enum([...EXPERIMENT_SORTS, ...EXPERIMENT_SORTS.map((key) => `-${key}` as const)])
    .optional(),
  favorite: vine.enum(['true', 'false']).optional(),
})

export const experimentParamsValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().positive() }),
})

export const favoriteValidator = vine.create({
  favorite: vine.boolean({ strict: true }),
})
