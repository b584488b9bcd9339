import type User from '#models/user'

/**
 * A place that can check a username and password: the portal's own local
 * accounts, and the facility's User Office.
 *
 * `authenticate` resolves the portal user when the credentials are right,
 * null when the username is not this provider's to judge (the next
 * provider is asked), and throws InvalidCredentialsException when it is
 * and the password is wrong, or UserOfficeUnavailableException (503)
 * when it cannot tell.
 */
export interface CredentialProvider {
  readonly name: string
  authenticate(username: string, password: string): Promise<User | null>
}
