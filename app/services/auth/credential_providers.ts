import { inject } from '@adonisjs/core'
import LocalCredentialProvider from '#services/auth/local_credential_provider'
import type { CredentialProvider } from '#services/auth/credential_provider'

/**
 * The password-checking providers, in the order sign-in asks them: local
 * accounts first (staff, service accounts), then the facility's User
 * Office when it is configured.
 */
@inject()
export default class CredentialProviders {
  constructor(protected local: LocalCredentialProvider) {}

  list(): CredentialProvider[] {
    return [this.local]
  }
}
