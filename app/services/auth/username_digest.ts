import { createHmac } from 'node:crypto'
import { appKey } from '#config/app'

/**
 * What the audit trail keeps of a username typed at a failed sign-in: an
 * HMAC keyed with the app key, never the text (people type their password
 * into the username field). The same name, in any case, gives the same
 * digest, so repeated attempts on one account stay visible; without the
 * app key nobody can test guesses against it.
 */
export function usernameDigest(username: string): string {
  return createHmac('sha256', appKey.release())
    .update(`failed-sign-in-username:${username.trim().toLowerCase()}`)
    .digest('hex')
    .slice(0, 32)
}
