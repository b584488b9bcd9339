import type { ApplicationService } from '@adonisjs/core/types'
import UserOfficeClient from '#services/user_office/user_office_client'
import UserOfficeAuthorization from '#services/user_office/user_office_authorization'

/**
 * The portal's own services that keep state for the whole process, bound
 * as container singletons so that every consumer shares one instance and
 * tests can reach (or swap) it.
 */
export default class ServicesProvider {
  constructor(protected app: ApplicationService) {}

  register() {
    this.app.container.singleton(
      UserOfficeAuthorization,
      async (resolver) => new UserOfficeAuthorization(await resolver.make(UserOfficeClient))
    )
  }
}
