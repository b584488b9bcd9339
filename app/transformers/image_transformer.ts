import type Image from '#models/image'
import { ACCESS_PROTOCOLS, IMAGE_DRIVERS } from '#models/image'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { defineFields, fieldNames, objectSchema, type FieldValues } from '#transformers/field_list'

/** The compute an image gives (and an environment holds). */
export const computeFields = defineFields({
  cpuMillicores: { type: 'integer', schema: { minimum: 1, examples: [1500] } },
  memoryBytes: { type: 'integer', schema: { minimum: 1, examples: [4294967296] } },
  storageBytes: { type: 'integer', schema: { minimum: 0 } },
  gpus: { type: 'integer', schema: { minimum: 0 } },
})

export const imageFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string', schema: { maxLength: 100 } },
  description: { type: 'string', nullable: true },
  driver: { type: 'string', enum: IMAGE_DRIVERS },
  protocol: { type: 'string', enum: ACCESS_PROTOCOLS },
  port: {
    type: 'integer',
    description: 'The port the service listens on inside the container.',
    schema: { minimum: 1, maximum: 65535 },
  },
  resources: {
    type: 'object',
    schema: objectSchema(computeFields, 'What an environment of this image gets by default.'),
  },
  requiresExperiment: {
    type: 'boolean',
    description: 'Environments of this image are launched for an experiment (its data mounted).',
  },
  lifetimeHours: {
    type: 'integer',
    nullable: true,
    description: "Lifetime of a new environment; null means the site's default.",
    schema: { minimum: 1 },
  },
  idleLimitMinutes: {
    type: 'integer',
    nullable: true,
    description:
      'A running environment of this image unused this long is stopped (not removed); null: never.',
    schema: { minimum: 5 },
  },
})

/** The fields shown as stored: all but `resources`. */
const COLUMNS = fieldNames(imageFields).filter(
  (name): name is Exclude<keyof typeof imageFields, 'resources'> => name !== 'resources'
)

/**
 * The model attributes the catalogue shows, in field order, with
 * `resources` read from the compute columns: what a list must select.
 */
export const imageAttributes = fieldNames(imageFields).flatMap((name) =>
  name === 'resources' ? fieldNames(computeFields) : [name]
)

/** The compute of an image or environment, as the `resources` field shows it. */
export function computeOf(resource: Pick<Image, keyof typeof computeFields>) {
  return Object.fromEntries(fieldNames(computeFields).map((name) => [name, resource[name]]))
}

/** What the catalogue shows of an image: its columns, as the model reads them. */
export type ImageColumns = Pick<Image, (typeof COLUMNS)[number] | keyof typeof computeFields>

/** An image as users choose it, from a model or from a list's plain row. */
export function imageValues(image: ImageColumns): FieldValues<typeof imageFields> {
  const columns = {} as Record<(typeof COLUMNS)[number], unknown>
  for (const name of COLUMNS) {
    columns[name] = image[name]
  }
  return {
    ...(columns as Pick<Image, (typeof COLUMNS)[number]>),
    resources: computeOf(image),
  }
}

/**
 * An image as users choose it from the catalogue: what it offers and the
 * resources it gets, never how it is run (reference, environment, command)
 * nor who else may use it.
 */
export default class ImageTransformer extends BaseTransformer<Image> {
  toObject(): FieldValues<typeof imageFields> {
    return imageValues(this.resource)
  }
}
