import vine from '@vinejs/vine'
import { MAX_GPUS, parseBytes, parseMillicores } from '#domain/resource_units'
import { asNumber, bytesSchema, MILLICORES_SCHEMA, unitRule } from '#validators/unit_rule'

/** The most environments one quota may allow. */
export const MAX_QUOTA_ENVIRONMENTS = 1000

/** The most GPUs one quota may allow: every environment holding an image's maximum. */
export const MAX_QUOTA_GPUS = MAX_QUOTA_ENVIRONMENTS * MAX_GPUS

// The same rules as the configured default (config/environments.ts): CPU
// more than zero and at most 1024 cores, memory and storage any byte count.
const millicoresRule = unitRule(parseMillicores, 'millicores', MILLICORES_SCHEMA)
const bytesRule = unitRule((input) => parseBytes(input), 'bytes', bytesSchema(0))

const count = (max: number) => vine.number().withoutDecimals().min(0).max(max)

/**
 * A whole quota — the site default or one user's override; every limit is
 * required. cpu, memory and storage take the image units ("1.5", "500m",
 * "4Gi"); the output holds millicores and bytes.
 */
export const quotaValidator = vine.create({
  environments: count(MAX_QUOTA_ENVIRONMENTS).meta({
    description: 'Environments that may exist at once (stopped ones count).',
  }),
  cpu: vine.any().use(millicoresRule()).transform(asNumber),
  memory: vine.any().use(bytesRule()).transform(asNumber),
  storage: vine.any().use(bytesRule()).transform(asNumber),
  gpus: count(MAX_QUOTA_GPUS),
})

export const quotaUserParamsValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().positive().max(2_147_483_647) }),
})
