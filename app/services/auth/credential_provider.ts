import type User from '#models/user'

/**
 * A place that can check a username and password: the portal's own local
 * accounts, and later the facility's User Office.
 *
 * `authenticate` resolves the portal user when the credentials are right,
 * null when they are wrong or the account is unknown to this provider, and
 * throws (e.g. ServiceUnavailableException) when it cannot tell.
 */
export interface CredentialProvider {
  readonly name: string
  authenticate(username: string, password: string): Promise<User | null>
}
