import db from '@adonisjs/lucid/services/db'
import { createUser, FACTORY_PASSWORD } from '#database/factories/user_factory'
import { ApiSession } from '#tests/helpers/api_session'

/**
 * A new user signed in through a browser-like session, and a reader of
 * that session's stored expiry (ms since the epoch).
 */
export async function signedInBrowser(client: ConstructorParameters<typeof ApiSession>[0]) {
  const user = await createUser()
  const browser = new ApiSession(client)
  ;(await browser.login(user.username, FACTORY_PASSWORD)).assertStatus(200)
  const expiry = async () => {
    const row = await db.from('sessions').where('user_id', String(user.id)).firstOrFail()
    return new Date(row.expires_at).getTime()
  }
  return { user, browser, expiry }
}
