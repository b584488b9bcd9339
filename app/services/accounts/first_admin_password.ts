import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { dataPath } from '#config/portal'

/** Where a generated first admin password is left for the operator (DATA_DIR/first-admin-password). */
export const FIRST_ADMIN_PASSWORD_FILE = () => dataPath('first-admin-password')

/**
 * Writes the generated first admin password to its file, readable by the
 * portal's user only (0600), never to the log stream (containers ship
 * logs). Refuses to overwrite an existing file. Returns the path.
 */
export async function writeFirstAdminPassword(username: string, password: string) {
  const file = FIRST_ADMIN_PASSWORD_FILE()
  await mkdir(dirname(file), { recursive: true, mode: 0o700 })
  await writeFile(
    file,
    `# First admin account of the portal. Sign in, change the password\n` +
      `# (PUT /api/v1/me/password or node ace user:password ${username}), then delete this file.\n` +
      `username=${username}\npassword=${password}\n`,
    { mode: 0o600, flag: 'wx' }
  )
  return file
}
