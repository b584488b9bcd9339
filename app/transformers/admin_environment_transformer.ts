import EnvironmentTransformer from '#transformers/environment_transformer'

/**
 * An environment as admins see it: the owner's view plus who owns it and
 * where the engine serves it. Never the secret.
 */
export default class AdminEnvironmentTransformer extends EnvironmentTransformer {
  toObject() {
    const { endpointHost, endpointPort } = this.resource
    return {
      ...super.toObject(),
      userId: this.resource.userId,
      username: this.resource.$preloaded.user ? this.resource.user.username : null,
      endpoint: endpointHost && endpointPort ? { host: endpointHost, port: endpointPort } : null,
    }
  }
}
