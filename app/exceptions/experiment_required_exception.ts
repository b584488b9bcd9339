import { Exception } from '@adonisjs/core/exceptions'

/** The image mounts experiment data, so an experiment (or session) must be chosen. */
export default class ExperimentRequiredException extends Exception {
  static status = 422
  static code = 'E_VALIDATION_ERROR'
  static message = 'This image needs an experiment: give experimentId or sessionId'
  readonly field = 'experimentId'
}
