import ProvisioningFailedException from '#exceptions/provisioning_failed_exception'

/**
 * The engine could not pull an environment's image from its registry (no
 * such name or tag, access refused, registry unreachable or gone mid-pull,
 * too slow). A provisioning failure like any other (the environment
 * fails and releases its quota); its own class so that the launch's
 * failure is audited as a failed pull.
 */
export default class ImagePullFailedException extends ProvisioningFailedException {
  static code = 'E_IMAGE_PULL_FAILED'
  static message = "The environment's image could not be pulled"
}
