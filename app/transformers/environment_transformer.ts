import type Environment from '#models/environment'
import type Image from '#models/image'
import { ACCESS_PROTOCOLS, IMAGE_DRIVERS } from '#models/image'
import { ENVIRONMENT_STATES } from '#domain/environment_states'
import { ENVIRONMENT_ROLES, type EnvironmentRole } from '#domain/share_roles'
import { BaseTransformer } from '@adonisjs/core/transformers'
import { computeFields, computeOf } from '#transformers/image_transformer'
import { defineFields, fieldNames, objectSchema, type FieldValues } from '#transformers/field_list'

/** Columns shown as they are stored. */
const columnFields = defineFields({
  id: { type: 'integer' },
  name: { type: 'string' },
  state: { type: 'string', enum: ENVIRONMENT_STATES },
  driver: { type: 'string', enum: IMAGE_DRIVERS },
  imageId: { type: 'integer' },
  expiresAt: { type: 'date-time' },
  createdAt: { type: 'date-time' },
  updatedAt: { type: 'date-time' },
})

const COLUMNS = fieldNames(columnFields)

export const environmentFields = defineFields({
  ...columnFields,
  failureReason: { type: 'string', nullable: true, description: 'Why it failed, for people' },
  lastActivityAt: {
    type: 'date-time',
    nullable: true,
    description:
      "The latest use the portal knows of: Guacamole's connection history, the web application's own activity (Jupyter's /api/status), access granted by the portal, the last start. Null before it first ran.",
  },
  experimentId: { type: 'integer', nullable: true },
  sessionId: { type: 'integer', nullable: true },
  imageName: { type: 'string', nullable: true },
  protocol: { type: 'string', nullable: true, enum: ACCESS_PROTOCOLS },
  resources: { type: 'object', schema: objectSchema(computeFields) },
})

/** How the caller holds it (the scientists' routes only; admins see owners instead). */
export const environmentHoldingFields = defineFields({
  role: {
    type: 'string',
    enum: ENVIRONMENT_ROLES,
    description:
      'How the caller holds it: owner (their own), user (shared with them, full access) or guest (shared with them, view-only). Only the owner may stop, start, remove, extend or share it.',
  },
  sharedBy: {
    type: 'string',
    nullable: true,
    description: "The owner's username when it is shared with the caller; null for their own",
  },
})

/**
 * The columns an environment's views read: from a model, or from a list's
 * row (whose dates are already the API's text).
 */
export type EnvironmentColumns = Pick<
  FieldValues<typeof environmentFields>,
  keyof typeof columnFields | 'failureReason' | 'lastActivityAt' | 'experimentId' | 'sessionId'
> &
  Pick<Environment, keyof typeof computeFields>

/** What the views show of an environment's image. */
export type EnvironmentImage = Pick<Image, 'name' | 'protocol'> | null

/**
 * The environment itself, whoever looks at it (owner, colleague, admin):
 * from a model or from a list's plain row, with its image when known.
 */
export function environmentValues(
  environment: EnvironmentColumns,
  image: EnvironmentImage
): FieldValues<typeof environmentFields> {
  const columns = {} as Record<keyof typeof columnFields, unknown>
  for (const name of COLUMNS) {
    columns[name] = environment[name]
  }
  return {
    ...(columns as Pick<Environment, keyof typeof columnFields>),
    // A freshly created model has no value for columns it did not set.
    failureReason: environment.failureReason ?? null,
    lastActivityAt: environment.lastActivityAt ?? null,
    experimentId: environment.experimentId ?? null,
    sessionId: environment.sessionId ?? null,
    imageName: image ? image.name : null,
    protocol: image ? image.protocol : null,
    resources: computeOf(environment),
  }
}

/** The image a model's view shows: the preloaded one, if any. */
export function preloadedImage(environment: Environment): EnvironmentImage {
  return environment.$preloaded.image ? environment.image : null
}

/** How the caller holds it, as the scientists' views show it. */
export function holdingValues(
  role: EnvironmentRole | undefined,
  sharedBy: string | null | undefined
): FieldValues<typeof environmentHoldingFields> {
  return { role: role ?? 'owner', sharedBy: sharedBy ?? null }
}

/**
 * An environment as its owner (or a colleague it is shared with) sees it;
 * the caller's role is left in `$extras` by the service that found it. The secret and the engine's
 * internals (engine id, endpoint) are not part of it: access goes
 * through the access endpoint.
 */
export default class EnvironmentTransformer extends BaseTransformer<Environment> {
  // Holding fields typed optional only so that the admins' view (which has none) can extend this.
  toObject(): FieldValues<typeof environmentFields> &
    Partial<FieldValues<typeof environmentHoldingFields>> {
    return {
      ...environmentValues(this.resource, preloadedImage(this.resource)),
      ...holdingValues(this.resource.$extras.role, this.resource.$extras.sharedBy),
    }
  }
}
