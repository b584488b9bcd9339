import type User from '#models/user'
import type RequestOrigin from '#services/request_origin'

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
  /** `origin`: where the sign-in comes from, for what the provider audits itself. */
  authenticate(username: string, password: string, origin: RequestOrigin): Promise<User | null>
}
