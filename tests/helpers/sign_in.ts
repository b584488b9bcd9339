import type { ApiClient } from '@japa/api-client'
import type { Role } from '#models/role'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'

/**
 * A new user with `roles` (an admin unless told; every user is a
 * scientist), signed in through the login route, with the browser
 * session that holds its cookie.
 */
export async function signIn(client: ApiClient, roles: Role[] = ['admin']) {
  const user = await createUser({ roles })
  const browser = new ApiSession(client)
  ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  return { user, browser }
}
