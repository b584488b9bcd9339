import { inject } from '@adonisjs/core'
import LocalCredentialProvider from '#services/auth/local_credential_provider'
import UserOfficeCredentialProvider from '#services/auth/user_office_credential_provider'
import type { CredentialProvider } from '#services/auth/credential_provider'

/**
 * The password-checking providers, in the order sign-in asks them: local
 * accounts first (staff, service accounts), then the facility's User
 * Office when it is enabled.
 */
@inject()
export default class CredentialProviders {
  constructor(
    protected local: LocalCredentialProvider,
    protected userOffice: UserOfficeCredentialProvider
  ) {}

  list(): CredentialProvider[] {
    return [this.local, this.userOffice]
  }
}
