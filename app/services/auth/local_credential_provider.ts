import hash from '@adonisjs/core/services/hash'
import User from '#models/user'
import InvalidCredentialsException from '#exceptions/invalid_credentials_exception'
import type { CredentialProvider } from '#services/auth/credential_provider'

/**
 * Facility staff and service accounts whose password the portal holds
 * (hashed with scrypt). A local username is never passed on to the User
 * Office: its wrong password is simply wrong.
 */
export default class LocalCredentialProvider implements CredentialProvider {
  readonly name = 'local'

  /** Verified when the account does not exist, so timing does not reveal it. */
  static #decoyHash: Promise<string> | undefined

  async authenticate(username: string, password: string) {
    const user = await User.query().where('username', username).where('provider', 'local').first()

    if (!user?.password) {
      LocalCredentialProvider.#decoyHash ??= hash.make('decoy-password-for-timing')
      await hash.verify(await LocalCredentialProvider.#decoyHash, password)
      return null
    }

    if (!(await hash.verify(user.password, password))) {
      throw new InvalidCredentialsException()
    }
    return user
  }
}
