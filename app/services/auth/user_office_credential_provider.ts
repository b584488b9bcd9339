import { inject } from '@adonisjs/core'
import UserOfficeClient from '#services/user_office/user_office_client'
import ExternalAccountService from '#services/accounts/external_account_service'
import InvalidCredentialsException from '#exceptions/invalid_credentials_exception'
import type { CredentialProvider } from '#services/auth/credential_provider'
import type RequestOrigin from '#services/request_origin'

/**
 * Facility accounts checked by the User Office (contract endpoint 1). The
 * portal never stores or logs these passwords; the account is keyed by
 * the canonical username the User Office returns, not what was typed.
 */
@inject()
export default class UserOfficeCredentialProvider implements CredentialProvider {
  readonly name = 'useroffice'

  constructor(
    protected client: UserOfficeClient,
    protected accounts: ExternalAccountService
  ) {}

  async authenticate(username: string, password: string, origin: RequestOrigin) {
    if (!this.client.enabled) {
      return null
    }
    const canonical = await this.client.checkLogin(username, password)
    if (!canonical) {
      throw new InvalidCredentialsException()
    }
    return this.accounts.findOrCreate(
      { provider: 'useroffice', externalId: canonical, username: canonical },
      origin
    )
  }
}
