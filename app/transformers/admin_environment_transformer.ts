import EnvironmentTransformer, {
  environmentFields,
  environmentValues,
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

/**
 * An environment as admins see it: the owner's view plus who owns it and
 * where the engine serves it. Never the secret.
 */
export default class AdminEnvironmentTransformer extends EnvironmentTransformer {
  toObject(): FieldValues<typeof adminEnvironmentFields> {
    const { endpointHost, endpointPort } = this.resource
    return {
      ...environmentValues(this.resource),
      userId: this.resource.userId,
      username: this.resource.$preloaded.user ? this.resource.user.username : null,
      endpoint: endpointHost && endpointPort ? { host: endpointHost, port: endpointPort } : null,
    }
  }
}
