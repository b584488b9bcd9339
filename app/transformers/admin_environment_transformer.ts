import type Environment from '#models/environment'
import EnvironmentTransformer, {
  environmentFields,
  environmentValues,
  preloadedImage,
  type EnvironmentColumns,
  type EnvironmentImage,
} from '#transformers/environment_transformer'
import { defineFields, type FieldValues } from '#transformers/field_list'

export const adminEnvironmentFields = defineFields({
  ...environmentFields,
  userId: { type: 'integer' },
  username: { type: 'string', nullable: true },
  endpoint: {
    type: 'object',
    nullable: true,
    description: 'Where the engine serves it (null until provisioned); never the secret',
    schema: {
      additionalProperties: false,
      required: ['host', 'port'],
      properties: { host: { type: 'string' }, port: { type: 'integer' } },
    },
  },
})

/** What admins see besides the environment itself. */
export type AdminEnvironmentColumns = EnvironmentColumns &
  Pick<Environment, 'userId' | 'endpointHost' | 'endpointPort'>

/** An environment as admins see it, from a model or from a list's plain row. */
export function adminEnvironmentValues(
  environment: AdminEnvironmentColumns,
  image: EnvironmentImage,
  username: string | null
): FieldValues<typeof adminEnvironmentFields> {
  const { endpointHost, endpointPort } = environment
  return {
    ...environmentValues(environment, image),
    userId: environment.userId,
    username,
    endpoint: endpointHost && endpointPort ? { host: endpointHost, port: endpointPort } : null,
  }
}

/**
 * An environment as admins see it: the owner's view plus who owns it and
 * where the engine serves it. Never the secret.
 */
export default class AdminEnvironmentTransformer extends EnvironmentTransformer {
  toObject(): FieldValues<typeof adminEnvironmentFields> {
    return adminEnvironmentValues(
      this.resource,
      preloadedImage(this.resource),
      this.resource.$preloaded.user ? this.resource.user.username : null
    )
  }
}
